"""Flashers: the real tools where installed (no board attached here, so their real "no device"
messages), real child processes for streaming/cancel/exit codes, a real directory as UF2 drive."""
from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import threading
import tty

import pytest

from studio.core.boards import FLASH_METHODS, boards
from studio.device.flash import FlashError, Flasher, ToolRun, flasher_for, flasher_methods, percent_in
from studio.device.flash.bootloader_flashers import DfuUtil, SparkFunVariableLoader
from studio.device.flash.drive_flashers import find_uf2_drives, mount_points
from studio.device.flash.probe_flashers import OpenOcd, StFlash
from studio.device.flash.serial_flashers import Bossac
from studio.device.uf2 import bin_to_uf2, parse_uf2

needs = {tool: pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} not installed")
         for tool in ("bossac", "openocd", "st-flash")}


def board(board_id: str, **options):
    b = boards().get(board_id)
    return dataclasses.replace(b, flash_options={**b.flash_options, **options}) if options else b


@pytest.fixture
def build_dir(tmp_path):
    d = tmp_path / "build"
    d.mkdir()
    (d / "firmware.bin").write_bytes(bytes(range(256)) * 20)
    (d / "firmware.elf").write_bytes(b"\x7fELF not really")
    return d


@pytest.fixture
def pty_port():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _flash(b, image, port=None, **kw):
    lines = []
    with pytest.raises(FlashError) as e:
        flasher_for(b).flash(image, port, on_output=lines.append, **kw)
    return e.value, lines


# --- registry --------------------------------------------------------------------------------

def test_every_flash_method_of_the_board_schema_has_a_flasher():
    assert set(FLASH_METHODS) - {"none"} <= set(flasher_methods())


def test_board_without_a_flash_method_says_to_use_the_vendor_tool():
    with pytest.raises(FlashError, match="vendor's tool"):
        flasher_for(boards().get("himax-we-i-plus"))


# --- real tools, no board attached -----------------------------------------------------------

@needs["bossac"]
def test_bossac_with_no_bootloader_on_the_port_says_double_tap_reset(build_dir, pty_port):
    err, lines = _flash(board("nano33ble"), build_dir / "firmware.elf", pty_port)
    assert err.kind == "no-device" and "double-tap" in err.message
    assert f"No device found on {pty_port}" in lines


def test_bossac_command_writes_at_the_profile_offset_and_verifies(build_dir):
    argv = Bossac(board("nano33ble")).command(build_dir / "firmware.bin", "/dev/ttyACM0")
    assert argv[1:] == ["--port=/dev/ttyACM0", "-U", "-i", "-e", "-w", "-v", "--offset=0x10000",
                        str(build_dir / "firmware.bin"), "-R"]


def test_serial_flasher_on_a_missing_port_lists_the_ports_found(build_dir, tmp_path):
    err, _ = _flash(board("nano33ble"), build_dir / "firmware.elf", str(tmp_path / "ttyACM9"))
    assert err.kind == "wrong-port" and ("ports found" in err.message or "no serial ports" in err.message)


def test_esptool_with_no_chip_on_the_port_says_enter_download_mode(build_dir, pty_port):
    pytest.importorskip("esptool")
    err, lines = _flash(board("esp32-s3-devkitc", connect_attempts=1), build_dir / "firmware.bin", pty_port)
    assert err.kind == "no-device" and "BOOT" in err.message
    assert any("Failed to connect to ESP32-S3" in line for line in lines)


def test_esptool_on_a_path_that_is_no_port_reports_its_own_open_error(build_dir, tmp_path):
    pytest.importorskip("esptool")
    err, lines = _flash(board("esp32-s3-devkitc", connect_attempts=1), build_dir / "firmware.bin",
                        str(tmp_path))
    assert err.kind == "wrong-port" and any("Could not open" in line for line in lines)


@needs["openocd"]
def test_openocd_without_a_probe_says_connect_it(build_dir):
    err, lines = _flash(board("b-l475e-iot01a"), build_dir / "firmware.elf")
    assert err.kind == "no-device" and "debug probe" in err.message
    assert "Error: open failed" in lines


@needs["openocd"]
def test_openocd_with_an_unknown_config_names_the_profile_field(build_dir):
    err, _ = _flash(board("b-l475e-iot01a", config="board/no-such-board.cfg"), build_dir / "firmware.elf")
    assert err.kind == "bad-option" and "board/no-such-board.cfg" in err.message


def test_openocd_target_config_gets_an_st_link_interface(build_dir):
    argv = OpenOcd(board("portenta-h7")).command(build_dir / "firmware.elf", None)
    assert argv[1:5] == ["-f", "interface/stlink.cfg", "-f", "target/stm32h7x_dual_bank.cfg"]
    assert argv[-1] == f"program {{{build_dir / 'firmware.elf'}}} verify reset exit"


@needs["st-flash"]
def test_st_flash_without_a_probe_says_connect_the_st_link(build_dir):
    b = dataclasses.replace(boards().get("b-l475e-iot01a"), flash_method="st-flash")
    err, lines = _flash(b, build_dir / "firmware.elf")
    assert err.kind == "no-device" and "ST-LINK" in err.message
    assert any("Couldn't find any ST-Link devices" in line for line in lines)


def test_st_flash_writes_the_bin_at_the_flash_origin(build_dir):
    b = dataclasses.replace(boards().get("b-l475e-iot01a"), flash_method="st-flash")
    argv = StFlash(b).command(build_dir / "firmware.bin", None)
    assert argv[1:] == ["--reset", "write", str(build_dir / "firmware.bin"), "0x08000000"]


def test_pyocd_without_a_probe_says_connect_it(build_dir):
    pytest.importorskip("pyocd")
    b = dataclasses.replace(boards().get("b-l475e-iot01a"), flash_method="pyocd")
    err, lines = _flash(b, build_dir / "firmware.elf")
    assert err.kind == "no-device" and "pyocd list" in err.message
    assert "No connected debug probes" in lines


@pytest.mark.skipif(shutil.which("picotool") is not None, reason="picotool is installed here")
def test_missing_tool_gives_the_install_command(build_dir):
    err, _ = _flash(board("rpi-pico"), build_dir / "firmware.elf")
    assert err.kind == "tool-missing" and "github.com/raspberrypi/picotool" in err.message


def test_missing_image_says_build_first(tmp_path):
    err, _ = _flash(board("b-l475e-iot01a"), tmp_path / "firmware.elf")
    assert err.kind == "bad-image" and "build" in err.message


# --- failure mapping of real tool messages --------------------------------------------------

def _run(lines, rc=1):
    return ToolRun(("tool",), rc, tuple(lines), False, False, 1.0)


def test_openocd_verify_failure_is_reported_as_verify():
    with pytest.raises(FlashError) as e:
        OpenOcd(board("b-l475e-iot01a")).check(_run(["** Programming Finished **", "** Verify Started **",
                                                     "Error: checksum mismatch - attempting binary compare",
                                                     "** Verify Failed **"]), None)
    assert e.value.kind == "verify"


def test_bossac_verify_failure_is_reported_even_when_it_exits_zero():
    with pytest.raises(FlashError) as e:
        Bossac(board("nano33ble")).check(_run(["Verify 4096 bytes of flash", "Verify failed",
                                               "Page errors: 1"], rc=0), "/dev/ttyACM0")
    assert e.value.kind == "verify"


def test_permission_denied_from_bossac_suggests_dialout():
    with pytest.raises(FlashError) as e:
        Bossac(board("nano33ble")).check(_run(["Failed to open /dev/ttyACM0: Permission denied"]), "/dev/ttyACM0")
    assert e.value.kind == "permission" and "usermod -aG dialout" in e.value.message


# --- running a tool: streaming, progress, exit codes, cancel ---------------------------------

class ScriptFlasher(Flasher):
    """A flasher whose 'tool' is a Python script: a real child process with real pipes."""

    tool = "python"
    install = "it is Python"
    script = ""

    def command(self, image, port):
        return [sys.executable, "-c", self.script, str(image)]


def _script_flasher(script: str) -> Flasher:
    cls = type("Script", (ScriptFlasher,), {"script": script, "method": "script"})
    return cls(board("nano33ble"))


def test_non_zero_exit_shows_the_tools_last_lines(build_dir):
    f = _script_flasher("import sys\nfor i in range(30): print('line', i)\nprint('flash ended badly')\nsys.exit(3)")
    with pytest.raises(FlashError) as e:
        f.flash(build_dir / "firmware.bin")
    assert e.value.kind == "failed" and "exit code 3" in e.value.message
    assert e.value.message.rstrip().endswith("flash ended badly") and "line 0\n" not in e.value.message


def test_output_is_streamed_while_the_tool_runs(build_dir, tmp_path):
    # the tool only finishes once our callback has seen its first line: if output were collected
    # at exit instead of streamed, it would wait until the timeout and fail
    flag = tmp_path / "seen"
    f = _script_flasher(
        "import os, sys, time\n"
        "print('Writing [====      ]  40%', end='\\r', flush=True)\n"
        f"end = time.time() + 20\nwhile not os.path.exists({str(flag)!r}) and time.time() < end: time.sleep(0.01)\n"
        f"sys.exit(0 if os.path.exists({str(flag)!r}) else 5)\n")
    progress = []

    def on_output(line):
        if "40%" in line:
            flag.touch()
    f.flash(build_dir / "firmware.bin", on_output=on_output, on_progress=progress.append)
    assert progress == [0.4]


def test_cancel_stops_the_tool_and_reports_cancelled(build_dir):
    cancel = threading.Event()
    f = _script_flasher("import time\nprint('erasing', flush=True)\ntime.sleep(60)\nprint('done')")
    lines = []

    def on_output(line):
        lines.append(line)
        if line == "erasing":
            cancel.set()
    with pytest.raises(FlashError) as e:
        f.flash(build_dir / "firmware.bin", on_output=on_output, cancel=cancel)
    assert e.value.kind == "cancelled" and "done" not in lines


def test_a_tool_that_hangs_is_stopped_at_the_timeout(build_dir):
    f = _script_flasher("import time\ntime.sleep(60)")
    with pytest.raises(FlashError) as e:
        f.flash(build_dir / "firmware.bin", timeout_s=0.5)
    assert e.value.kind == "timeout"


def test_percentages_are_read_from_progress_lines():
    assert percent_in("[==============================] 100% (64/64 pages)") == 1.0
    assert percent_in("Writing at 0x00010000... (12 %)") == 0.12
    assert percent_in("Writing at 0x00010000 [=====>     ] 37.5% 16384/43690 bytes...") == 0.375
    assert percent_in("Erased 4096 bytes") is None


# --- UF2 drive -------------------------------------------------------------------------------

@pytest.fixture
def uf2_drive(tmp_path):
    d = tmp_path / "WIO BOOT"
    d.mkdir()
    (d / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.7.0 SFHWRO\nModel: Wio Terminal\nBoard-ID: SAMD51P19A-Wio\n")
    return d


def test_uf2_flash_copies_the_converted_image_to_the_drive(build_dir, uf2_drive):
    progress = []
    result = flasher_for(board("wio-terminal")).flash(build_dir / "firmware.elf", str(uf2_drive),
                                                      on_progress=progress.append)
    written = (uf2_drive / "firmware.uf2").read_bytes()
    assert written == bin_to_uf2((build_dir / "firmware.bin").read_bytes(), 0x4000, 0x55114460)
    assert parse_uf2(written)[0].family_id == 0x55114460
    assert progress[-1] == 1.0 and result.port == str(uf2_drive)


def test_uf2_flash_to_a_folder_without_info_file_is_wrong_port(build_dir, tmp_path):
    err, _ = _flash(board("wio-terminal"), build_dir / "firmware.elf", str(tmp_path))
    assert err.kind == "wrong-port" and "INFO_UF2.TXT" in err.message


def test_uf2_drives_are_found_from_the_mount_table(tmp_path, uf2_drive):
    mounts = tmp_path / "mounts"
    escaped = str(uf2_drive).replace(" ", "\\040")
    mounts.write_text(f"proc /proc proc rw 0 0\n/dev/sdb1 {escaped} vfat rw,nosuid 0 0\n"
                      f"/dev/sda1 {tmp_path} ext4 rw 0 0\n")
    drives = find_uf2_drives(mount_points(str(mounts)))
    assert [(d.mount, d.board_id, d.model) for d in drives] == [(uf2_drive, "SAMD51P19A-Wio", "Wio Terminal")]


# --- USB DFU and vendor bootloaders ----------------------------------------------------------

@pytest.mark.skipif(shutil.which("dfu-util") is None, reason="dfu-util not installed")
def test_dfu_util_without_a_board_in_dfu_mode_says_double_tap_reset(build_dir):
    b = dataclasses.replace(boards().get("portenta-h7"), flash_method="dfu-util")
    err, lines = _flash(b, build_dir / "firmware.elf")
    assert err.kind == "no-device" and "double-tap" in err.message
    assert any("No DFU capable USB device available" in line for line in lines)


def test_dfu_util_writes_at_the_profile_offset_and_leaves_dfu_mode(build_dir):
    b = dataclasses.replace(boards().get("portenta-h7"), flash_method="dfu-util", usb_pid=0x035B)
    argv = DfuUtil(b).command(build_dir / "firmware.bin", None)
    assert argv[1:] == ["-a", "0", "-d", "2341:035b", "-s", "0x08040000:leave", "-D", str(build_dir / "firmware.bin")]


def test_svl_failure_is_read_from_its_messages_though_it_exits_zero():
    b = dataclasses.replace(boards().get("sparkfun-edge"), flash_method="svl")
    with pytest.raises(FlashError) as e:
        SparkFunVariableLoader(b).check(_run(["Artemis SVL Bootloader",
                                              "Target failed to enter bootload mode. Verify the right COM port is "
                                              "selected and that your board has the SVL bootloader."], rc=0),
                                        "/dev/ttyUSB0")
    assert e.value.kind == "no-device"


def test_svl_progress_follows_the_frames_sent():
    b = dataclasses.replace(boards().get("sparkfun-edge"), flash_method="svl")
    f = SparkFunVariableLoader(b)
    got = [f.progress(x) for x in ["\thave 8192 bytes to send in 4 frames", "\tSending frame #1, length: 2048",
                                   "\tSending frame #4, length: 2048", "\tUpload complete"]]
    assert got == [0.0, 0.25, 1.0, 1.0]


@pytest.mark.skipif(shutil.which("artemis_svl") or shutil.which("svl"), reason="an SVL uploader is installed")
def test_svl_missing_names_where_to_get_it(build_dir, pty_port):
    b = dataclasses.replace(boards().get("sparkfun-edge"), flash_method="svl")
    err, _ = _flash(b, build_dir / "firmware.elf", pty_port)
    assert err.kind == "tool-missing" and "Apollo3" in err.message


@pytest.mark.skipif(shutil.which("mkspk") is not None, reason="mkspk is installed")
def test_spresense_without_spk_image_or_mkspk_says_how_to_make_it(build_dir, pty_port):
    b = dataclasses.replace(boards().get("spresense"), flash_method="flash_writer")
    err, _ = _flash(b, build_dir / "firmware.elf", pty_port)
    assert err.kind == "bad-image" and "mkspk" in err.message


def test_a_tool_path_that_does_not_exist_is_tool_missing(build_dir):
    cls = type("Gone", (ScriptFlasher,), {"method": "gone", "install": "apt-get install gone",
                                          "command": lambda self, image, port: ["/nonexistent/bin/gone-tool"]})
    with pytest.raises(FlashError) as e:
        cls(board("nano33ble")).flash(build_dir / "firmware.bin")
    assert e.value.kind == "tool-missing" and "apt-get install gone" in e.value.message


def test_a_tool_whose_child_keeps_the_pipe_open_still_finishes(build_dir):
    # the tool exits at once but leaves a child holding its stdout for longer than the timeout:
    # waiting for the pipe to close would end in a timeout error
    f = _script_flasher("import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(5)'])\n"
                        "print('written')")
    lines = []
    f.flash(build_dir / "firmware.bin", on_output=lines.append, timeout_s=2)
    assert "written" in lines
