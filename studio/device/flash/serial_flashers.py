"""Flashers that talk to a bootloader over the board's serial port: bossac (SAM-BA: Arduino
Nano 33 BLE, Syntiant TinyML, SAMD boards) and esptool (Espressif ROM loader)."""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

from studio.device.flash.base import Failure, FlashError, Flasher, OutputCallback, register_flasher
from studio.device.flash.touch import send_touch
from studio.device.ports import best_port, ports_summary

DIALOUT_FIX = "add yourself to the dialout group: sudo usermod -aG dialout $USER, then log in again"


class SerialPortFlasher(Flasher):
    """A flasher whose device is a serial port: pick one when none is given, check a given one."""

    def resolve_port(self, port: str | None, on_output: OutputCallback) -> str | None:
        if port is None:
            found = best_port(self.board)
            if found is None:
                raise FlashError(f"no serial port that looks like {self.board.name}: plug it in (with a data "
                                 f"cable) or name the port; {ports_summary()}", "no-device")
            on_output(f"using {found.device}: {found.reason}")
            return found.device
        if "://" not in port and not os.path.exists(port):
            raise FlashError(f"no such port {port}; {ports_summary()}", "wrong-port")
        return port


@register_flasher("bossac")
class Bossac(SerialPortFlasher):
    tool = "bossac"
    install = ("sudo apt-get install bossa-cli (Debian/Ubuntu) or brew install bossa (macOS); for the "
               "nRF52-based Nano 33 BLE use the bossac that the Arduino IDE's Mbed OS Nano core installs")
    image_suffix = ".bin"
    failures = (
        Failure(r"No device found on (?P<where>\S+)", "no-device",
                "no bootloader answered on {where}: double-tap {board}'s reset button (the LED pulses) "
                "and flash again, or check that {where} is the board's port"),
        Failure(r"Permission denied", "permission", DIALOUT_FIX),
        Failure(r"Verify failed|Page errors", "verify",
                "the flash does not hold what was written (verify failed): flash again; if it repeats, "
                "the bootloader region may be locked or the offset wrong"),
        Failure(r"Unable to open file|File I/O operation failed", "bad-image",
                "bossac could not read the image; rebuild the project"),
        Failure(r"Flash page is locked", "failed",
                "the flash region is locked: unlock it once with bossac -u, or check the offset "
                "(flash_options.offset) is past the bootloader"),
    )

    def resolve_port(self, port: str | None, on_output: OutputCallback) -> str | None:
        port = super().resolve_port(port, on_output)
        if self.options.get("touch_1200", True) and port and "://" not in port:
            port = self._enter_bootloader(port, on_output)
        return port

    def _enter_bootloader(self, port: str, on_output: OutputCallback) -> str:
        # Arduino's native-USB boards reset into their bootloader when the port is opened at
        # 1200 baud and closed; the bootloader then enumerates again, often as another tty.
        if not send_touch(port, on_output):
            return port
        # a CDC-ACM board drops off the bus within a few hundred ms of the touch
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and os.path.exists(port):
            time.sleep(0.05)
        if os.path.exists(port):
            return port  # no re-enumeration: it was in the bootloader already (or is not USB)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            if os.path.exists(port):
                return port
            found = best_port(self.board)
            if found is not None:
                return found.device
            time.sleep(0.1)
        raise FlashError(f"{self.board.name} left {port} for its bootloader but did not come back: "
                         f"double-tap reset and flash again; {ports_summary()}", "no-device")

    def command(self, image: Path, port: str | None) -> list[str]:
        offset = self.board.image_flash_origin - self.board.flash_origin  # bossac counts from flash start
        argv = [self.executable(), f"--port={port}", "-U", "-i", "-e", "-w", "-v"]
        if offset:
            argv.append(f"--offset=0x{offset:x}")
        return argv + [str(image), "-R"]


@register_flasher("esptool")
class Esptool(SerialPortFlasher):
    tool = "esptool"
    install = f"{sys.executable} -m pip install esptool"
    image_suffix = ".bin"
    failures = (
        Failure(r"Could not open (?P<where>\S+?), the port is busy or doesn't exist", "wrong-port",
                "cannot open {where}: it does not exist or another program has it open (close serial "
                "monitors); " + "{ports}"),
        Failure(r"Permission denied", "permission", DIALOUT_FIX),
        Failure(r"Failed to connect to (?P<chip>[\w-]+)|Could not connect to an Espressif device",
                "no-device",
                "no Espressif chip answered on {port}: hold BOOT, press and release RESET, release BOOT "
                "(download mode) and flash again; check the port and the cable"),
        Failure(r"MD5 of file does not match|verify failed", "verify",
                "the flash does not hold what was written (verify failed): flash again at a lower baud "
                "rate (flash_options: baud: 115200)"),
        Failure(r"No module named esptool", "tool-missing", "esptool is not installed; install it with: "
                + f"{sys.executable} -m pip install esptool"),
    )

    def executable(self) -> str:
        if importlib.util.find_spec("esptool") is None:
            raise FlashError(f"esptool is not installed; install it with: {self.install}", "tool-missing")
        return sys.executable

    def command(self, image: Path, port: str | None) -> list[str]:
        chip = str(self.options.get("chip", "auto"))
        offset = int(self.options.get("app_offset", 0x10000))
        baud = int(self.options.get("baud", 460800))
        return [self.executable(), "-m", "esptool", "--chip", chip, "--port", str(port), "--baud", str(baud),
                "--connect-attempts", str(int(self.options.get("connect_attempts", 3))),
                _write_flash_verb(), f"0x{offset:x}", str(image)]


def _write_flash_verb() -> str:
    # esptool 5 renamed the verbs with dashes and warns on the old spelling; 4.x knows only that
    from importlib.metadata import PackageNotFoundError, version
    try:
        major = int(version("esptool").split(".")[0])
    except (PackageNotFoundError, ValueError):
        major = 5
    return "write-flash" if major >= 5 else "write_flash"
