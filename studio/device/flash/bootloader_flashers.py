"""Flashers for vendor bootloaders reached over USB DFU or a UART: dfu-util (Portenta H7 and
other DFU boards), the SparkFun Variable Loader (Artemis/Apollo3) and Sony's flash_writer
(Spresense)."""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from studio.device.flash.base import Failure, FlashError, Flasher, register_flasher, run_tool
from studio.device.flash.serial_flashers import DIALOUT_FIX, SerialPortFlasher


@register_flasher("dfu-util")
class DfuUtil(Flasher):
    tool = "dfu-util"
    install = "sudo apt-get install dfu-util (Debian/Ubuntu) or brew install dfu-util (macOS)"
    image_suffix = ".bin"
    failures = (
        Failure(r"LIBUSB_ERROR_ACCESS|Cannot open DFU device", "permission",
                "the board's DFU device is not accessible: add a udev rule for its USB id (the Arduino IDE "
                "installs one for its boards), reload it (sudo udevadm control --reload-rules && sudo udevadm "
                "trigger) and replug"),
        Failure(r"No DFU capable USB device available", "no-device",
                "no board in DFU mode: double-tap {board}'s reset button (the LED fades in and out) and "
                "flash again"),
        Failure(r"More than one DFU capable USB device found", "wrong-port",
                "several boards are in DFU mode: name the one to flash by its serial number as the port "
                "(dfu-util --list shows them), or unplug the others"),
        Failure(r"File ID \S+ does not match device", "bad-image",
                "the image is marked for another USB device; rebuild it for {board}"),
    )

    def command(self, image: Path, port: str | None) -> list[str]:
        address = self.board.image_flash_origin
        argv = [self.executable(), "-a", str(self.options.get("alt", 0))]
        device = self.options.get("device")
        if device is None and self.board.usb_vid is not None and self.board.usb_pid is not None:
            device = f"{self.board.usb_vid:04x}:{self.board.usb_pid:04x}"
        if device:
            argv += ["-d", str(device)]
        if port:
            argv += ["-S", port]
        # ":leave" starts the new firmware once it is written
        return argv + ["-s", f"0x{address:08x}:leave", "-D", str(image)]


@register_flasher("svl")
class SparkFunVariableLoader(SerialPortFlasher):
    """SparkFun's SVL (svl.py, or the artemis_svl executable the Apollo3 Arduino core ships).
    It exits 0 whether or not the upload worked, so its messages decide."""

    tool = "artemis_svl"
    install = ("install the SparkFun Apollo3 Arduino core (it brings artemis_svl), or get svl.py from "
               "https://github.com/sparkfun/Apollo3_Uploader_SVL and set flash_options.svl to its path")
    image_suffix = ".bin"
    failures = (
        Failure(r"is currently open\. Please close", "wrong-port",
                "{port} is busy: close the serial monitor or terminal that has it open", always=True),
        Failure(r"not found but we detected the following serial ports", "wrong-port",
                "{port} does not exist; {ports}", always=True),
        Failure(r"Target failed to enter bootload mode", "no-device",
                "{board} did not answer as an SVL bootloader on {port}: press reset and flash again "
                "straight away; check the port and that the SVL bootloader is installed", always=True),
        Failure(r"Upload failed|Timeout or unknown error", "failed",
                "the upload broke off: flash again at a lower baud rate (flash_options.baud: 115200)",
                always=True),
        Failure(r"Bin file .* does not exist", "bad-image", "the image is missing; rebuild the project",
                always=True),
        Failure(r"Permission denied", "permission", DIALOUT_FIX, always=True),
    )

    def __init__(self, board):
        super().__init__(board)
        self._frames = 0

    def executable_argv(self) -> list[str]:
        configured = self.options.get("svl")
        if configured:
            path = Path(str(configured)).expanduser()
            if not path.is_file():
                raise FlashError(f"flash_options.svl points to {path}, which does not exist; {self.install}",
                                 "tool-missing")
            return [sys.executable, str(path)] if path.suffix == ".py" else [str(path)]
        for name in ("artemis_svl", "svl"):
            found = shutil.which(name)
            if found:
                return [found]
        raise FlashError(f"the SVL uploader (artemis_svl) was not found; {self.install}", "tool-missing")

    def command(self, image: Path, port: str | None) -> list[str]:
        baud = int(self.options.get("baud", 921600))
        return self.executable_argv() + [str(port), "-f", str(image), "-b", str(baud), "-v"]

    def progress(self, line: str) -> float | None:
        # verbose svl prints "have N bytes to send in M frames", then "Sending frame #k, length: L"
        m = re.search(r"to send in (\d+) frames", line)
        if m:
            self._frames = int(m.group(1))
            return 0.0
        m = re.search(r"Sending frame #(\d+)", line)
        if m and self._frames:
            return min(1.0, int(m.group(1)) / self._frames)
        return 1.0 if "Upload complete" in line else None


@register_flasher("flash_writer")
class SpresenseFlashWriter(SerialPortFlasher):
    """Sony's flash_writer (Spresense SDK / Arduino package) writing a .spk image over the UART;
    the .spk is made from the ELF with the SDK's mkspk when it is not there yet."""

    tool = "flash_writer"
    install = ("install the Spresense Arduino package or SDK (its tools/linux/flash_writer) and put "
               "flash_writer and mkspk on PATH")
    image_suffix = ".spk"
    failures = (
        Failure(r"Permission denied", "permission", DIALOUT_FIX),
        Failure(r"No such file or directory: '?/dev/", "wrong-port", "{port} does not exist; {ports}"),
    )

    def image_for(self, image: Path) -> Path:
        image = Path(image)
        spk = image.with_suffix(".spk")
        if spk.is_file():
            return spk
        elf = image.with_suffix(".elf")
        mkspk = shutil.which("mkspk")
        if not elf.is_file() or mkspk is None:
            raise FlashError(f"{spk}: no .spk image; make it from the ELF with the Spresense SDK's mkspk "
                             f"(mkspk -c 2 {elf.name} nuttx {spk.name}) or put mkspk on PATH", "bad-image")
        run = run_tool([mkspk, "-c", "2", str(elf), "nuttx", str(spk)], timeout_s=60)
        if run.returncode != 0 or not spk.is_file():
            raise FlashError("mkspk could not convert the ELF:\n" + "\n".join(run.tail), "bad-image", run.tail)
        return spk

    def command(self, image: Path, port: str | None) -> list[str]:
        baud = int(self.options.get("baud", 115200))
        # the flags the Spresense SDK's own tools/flash.sh passes to flash_writer
        return [self.executable(), "-s", "-c", str(port), "-d", "-b", str(baud), "-n", str(image)]
