"""Flashers that program the chip through a debug probe over SWD/JTAG: OpenOCD, st-flash
(ST-LINK) and pyOCD (CMSIS-DAP, J-Link, ST-LINK). The probe is found by the tool over USB, so
``port`` here names a probe (its serial number) if anything."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from studio.device.flash.base import Failure, FlashError, Flasher, register_flasher

USB_ACCESS_FIX = ("the probe's USB device is not accessible: install the tool's udev rules (Debian's "
                  "{tool} package puts them in /lib/udev/rules.d), run sudo udevadm control --reload-rules "
                  "&& sudo udevadm trigger, add yourself to plugdev (sudo usermod -aG plugdev $USER), log in "
                  "again and replug the probe")
VERIFY_FIX = ("the flash does not hold what was written (verify failed): flash again; if it repeats, "
              "erase the chip first (the flash may be write-protected)")
TARGET_FIX = ("the probe answered but {board}'s chip did not: check that the board is powered and the "
              "SWD wires are connected; a chip in deep sleep may need reset held while connecting")


@register_flasher("openocd")
class OpenOcd(Flasher):
    tool = "openocd"
    install = "sudo apt-get install openocd (Debian/Ubuntu) or brew install open-ocd (macOS)"
    image_suffix = ".elf"  # addresses come from the ELF, so no offset to get wrong
    failures = (
        Failure(r"LIBUSB_ERROR_ACCESS|Permission denied", "permission", USB_ACCESS_FIX),
        Failure(r"Can't find (?P<cfg>\S+\.cfg)", "bad-option",
                "OpenOCD has no configuration {cfg}: fix flash_options.config in the board profile "
                "(see /usr/share/openocd/scripts/board and target)"),
        Failure(r"Error: open failed|no device found|unable to find a matching CMSIS-DAP device|"
                r"No J-Link device found|unable to open ftdi device|No ST-LINK", "no-device",
                "no debug probe found: connect {board} (its ST-LINK/debug USB connector) or the probe, "
                "and check the cable; lsusb should list it"),
        Failure(r"init mode failed|Error connecting DP|unable to connect to the target|"
                r"target voltage may be too low", "no-device", TARGET_FIX),
        Failure(r"Verify Failed|checksum mismatch|contents differ", "verify", VERIFY_FIX),
        Failure(r"couldn't open (?P<file>\S+)", "bad-image", "OpenOCD could not read {file}"),
    )

    def command(self, image: Path, port: str | None) -> list[str]:
        config = str(self.options.get("config", ""))
        if not config:
            raise FlashError(f"{self.board.name} has no OpenOCD configuration: set flash_options.config "
                             "(e.g. board/stm32l4discovery.cfg) in its board profile", "bad-option")
        if any(c in str(image) for c in "{}"):
            raise FlashError(f"{image}: OpenOCD cannot take a path with braces; move the project",
                             "bad-image")
        argv = [self.executable()]
        if config.startswith("target/"):
            # a target file alone names no probe; an ST-LINK is what these boards carry
            argv += ["-f", str(self.options.get("interface", "interface/stlink.cfg"))]
        if port:
            argv += ["-c", f"adapter serial {port}"]
        # braces quote the path for OpenOCD's Tcl (spaces in folder names)
        return argv + ["-f", config, "-c", f"program {{{image}}} verify reset exit"]

    def progress(self, line: str) -> float | None:
        marks = {"** Programming Started **": 0.05, "** Programming Finished **": 0.8,
                 "** Verify Started **": 0.85, "** Verified OK **": 1.0}
        return marks.get(line.strip())


@register_flasher("st-flash")
class StFlash(Flasher):
    tool = "st-flash"
    install = "sudo apt-get install stlink-tools (Debian/Ubuntu) or brew install stlink (macOS)"
    image_suffix = ".bin"
    failures = (
        Failure(r"LIBUSB_ERROR_ACCESS|Permission denied|Could not open USB device .*access error", "permission",
                USB_ACCESS_FIX.replace("{tool}", "stlink-tools")),
        Failure(r"Couldn't find any ST-Link devices|No ST-Link", "no-device",
                "no ST-LINK found: connect {board}'s ST-LINK USB connector (or the probe) and check the "
                "cable; st-info --probe should list it"),
        Failure(r"Verification of flash failed", "verify", VERIFY_FIX),
        Failure(r"map_file\(\) == -1", "bad-image", "st-flash could not read the image; rebuild the project"),
        Failure(r"too low for flash writes|Failed to read Target voltage|Unknown chip id", "no-device",
                TARGET_FIX),
    )

    def command(self, image: Path, port: str | None) -> list[str]:
        address = self.board.image_flash_origin
        argv = [self.executable(), "--reset"]
        if port:
            argv.append(f"--serial={port}")
        return argv + ["write", str(image), f"0x{address:08x}"]

    def progress(self, line: str) -> float | None:
        # st-flash 1.7 counts pages: "12/64 pages written"
        parts = line.split()
        if len(parts) >= 3 and parts[1:3] == ["pages", "written"] and "/" in parts[0]:
            done, _, total = parts[0].partition("/")
            if done.isdigit() and total.isdigit() and int(total):
                return int(done) / int(total)
        return super().progress(line)


@register_flasher("pyocd")
class PyOcd(Flasher):
    tool = "pyocd"
    install = f"{sys.executable} -m pip install pyocd"
    image_suffix = ".elf"
    failures = (
        Failure(r"LIBUSB_ERROR_ACCESS|Permission denied|access denied", "permission",
                USB_ACCESS_FIX.replace("Debian's {tool} package puts them in /lib/udev/rules.d",
                                       "pyOCD's docs list them under 'udev rules'")),
        Failure(r"No connected debug probes|No available debug probes|No target device available",
                "no-device", "no debug probe found: connect {board}'s debug USB connector (or the probe); "
                "pyocd list should show it"),
        Failure(r"Target type (?P<target>\S+) not recognized", "bad-option",
                "pyOCD does not know the target {target}: fix flash_options.target (pyocd list --targets; "
                "some need a CMSIS pack: pyocd pack install <part>)"),
        Failure(r"verif\w* fail|mismatch", "verify", VERIFY_FIX),
        Failure(r"No module named pyocd", "tool-missing", "pyOCD is not installed; install it with: "
                f"{sys.executable} -m pip install pyocd"),
    )

    def executable(self) -> str:
        if importlib.util.find_spec("pyocd") is None:
            raise FlashError(f"pyOCD is not installed; install it with: {self.install}", "tool-missing")
        return sys.executable

    def command(self, image: Path, port: str | None) -> list[str]:
        # -W: fail at once when no probe is connected (pyocd otherwise waits for one forever)
        argv = [self.executable(), "-m", "pyocd", "flash", "-W"]
        if self.options.get("target"):
            argv += ["-t", str(self.options["target"])]
        if port:
            argv += ["-u", port]
        if image.suffix != ".elf":
            address = self.board.image_flash_origin
            argv += ["--base-address", f"0x{address:x}"]
        return argv + [str(image)]
