"""Flashers for drag-and-drop bootloaders: copying a UF2 file to the board's USB drive (RP2040,
Adafruit/Seeed SAMD, nRF52840 UF2 bootloaders) and picotool (RP2040 in BOOTSEL mode over USB).

A UF2 bootloader shows up as a small FAT drive holding ``INFO_UF2.TXT``; that file is how we tell
it from any other USB stick. For the drive flasher ``port`` names the drive's mount point.
"""
from __future__ import annotations

import os
import string
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import BadInput
from studio.device.flash.base import (
    Failure, FlashError, Flasher, FlashResult, OutputCallback, ProgressCallback, register_flasher,
)
from studio.device.flash.touch import is_serial_device, running_board_port, touch_1200
from studio.device.uf2 import bin_to_uf2, family_id_of, parse_uf2

INFO_FILE = "INFO_UF2.TXT"
# file systems a bootloader drive can have; others (network, pseudo) are never probed, so a hung
# NFS mount cannot hang the search
_DRIVE_FS = {"vfat", "msdos", "fat", "exfat", "fuseblk", "fuse.exfat"}
COPY_CHUNK_BYTES = 16 * 1024
BOOTLOADER_HINT = ("put the board in its bootloader so it shows up as a USB drive: double-tap reset "
                   "(hold BOOTSEL while plugging in a Pico)")


@dataclass(frozen=True)
class Uf2Drive:
    mount: Path
    info: dict[str, str]

    @property
    def board_id(self) -> str:
        return self.info.get("Board-ID", "")

    @property
    def model(self) -> str:
        return self.info.get("Model", "")


def read_info(mount: Path) -> dict[str, str] | None:
    """The ``Key: value`` lines of a drive's INFO_UF2.TXT, or None if it has none."""
    try:
        text = (mount / INFO_FILE).read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return None
    info = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            info[key.strip()] = value.strip()
        elif line.strip() and "Bootloader" not in info:
            info["Bootloader"] = line.strip()
    return info


def mount_points(mounts_file: str = "/proc/self/mounts") -> list[Path]:
    """Mount points that could be a bootloader drive, on Linux, macOS and Windows."""
    found: list[Path] = []
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 3 and fields[2] in _DRIVE_FS:
                    # /proc/mounts escapes spaces in paths as \040
                    found.append(Path(fields[1].replace("\\040", " ").replace("\\011", "\t")))
    except OSError:
        pass
    if sys.platform == "darwin" and Path("/Volumes").is_dir():
        found += sorted(Path("/Volumes").iterdir())
    if sys.platform == "win32":
        found += [Path(f"{letter}:\\") for letter in string.ascii_uppercase if os.path.exists(f"{letter}:\\")]
    return found


def find_uf2_drives(mounts: list[Path] | None = None) -> list[Uf2Drive]:
    drives = []
    for mount in mount_points() if mounts is None else mounts:
        info = read_info(mount)
        if info is not None:
            drives.append(Uf2Drive(mount, info))
    return drives


@register_flasher("uf2")
class Uf2Copy(Flasher):
    """Writes the image as UF2 onto the bootloader's drive. Options: ``family_id`` (number or chip
    name), ``base`` (flash address of the .bin), ``board_id`` (pick the drive whose INFO_UF2.TXT
    names it when several are mounted)."""

    tool = "uf2 drive"
    image_suffix = ".uf2"

    def image_for(self, image: Path) -> Path:
        image = Path(image)
        for candidate in (image, image.with_suffix(".uf2"), image.with_suffix(".bin")):
            if candidate.suffix in (".uf2", ".bin") and candidate.is_file():
                return candidate
        raise FlashError(f"{image.with_suffix('.bin')}: no .bin or .uf2 image to flash; build the project "
                         "first (tinyml-studio build PROJECT --out DIR)", "bad-image")

    def uf2_bytes(self, image: Path) -> bytes:
        try:
            data = image.read_bytes()
            if image.suffix == ".uf2":
                parse_uf2(data)  # a damaged file would be half-written and brick nothing, but say so now
                return data
            base = self.board.image_flash_origin
            return bin_to_uf2(data, base, family_id_of(self.options.get("family_id")))
        except BadInput as e:
            raise FlashError(f"{image}: {e.message}", "bad-image") from None
        except OSError as e:
            raise FlashError(f"cannot read {image}: {e.strerror or e}", "bad-image") from None

    def choose_drive(self, port: str | None, on_output: OutputCallback) -> Uf2Drive:
        if port is not None:
            info = read_info(Path(port))
            if info is None:
                raise FlashError(f"{port} is not a UF2 bootloader drive (it has no {INFO_FILE}); "
                                 + BOOTLOADER_HINT, "wrong-port")
            return Uf2Drive(Path(port), info)
        drives = find_uf2_drives()
        wanted = self.options.get("board_id")
        if wanted:
            drives = [d for d in drives if d.board_id == wanted] or drives
        if not drives:
            raise FlashError(f"no UF2 bootloader drive is mounted: {BOOTLOADER_HINT}; if it appears but is "
                             "not mounted, mount it (your file manager does) or name it as the port",
                             "no-device")
        if len(drives) > 1:
            on_output("several UF2 drives: " + ", ".join(f"{d.mount} ({d.board_id})" for d in drives)
                      + f"; using {drives[0].mount}")
        return drives[0]

    def flash(self, image: Path, port: str | None = None, *, on_output: OutputCallback | None = None,
              on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
              timeout_s: float | None = None) -> FlashResult:
        say = on_output or (lambda _line: None)
        start = time.monotonic()
        image = self.image_for(Path(image))
        data = self.uf2_bytes(image)
        drive = self.choose_drive(port, say)
        target = drive.mount / (image.stem + ".uf2")
        say(f"copying {len(data)} bytes to {target} ({drive.model or drive.board_id or 'UF2 bootloader'})")
        written = 0
        try:
            with open(target, "wb") as f:
                while written < len(data):
                    if cancel is not None and cancel.is_set():
                        raise FlashError("flashing was cancelled; the board keeps its bootloader, copy "
                                         "again", "cancelled")
                    chunk = data[written:written + COPY_CHUNK_BYTES]
                    f.write(chunk)
                    written += len(chunk)
                    if on_progress is not None:
                        on_progress(written / len(data))
                f.flush()
                os.fsync(f.fileno())
        except PermissionError:
            raise FlashError(f"no permission to write to {drive.mount}: it is mounted read-only or for "
                             "another user; mount it as yourself (your file manager does)", "permission") from None
        except OSError as e:
            # The bootloader reboots into the new firmware as soon as the last block lands, and the
            # drive vanishes under the final flush: that is success, not failure.
            if written < len(data):
                raise FlashError(f"copying to {drive.mount} failed after {written} of {len(data)} bytes "
                                 f"({e.strerror or e}): {BOOTLOADER_HINT} and flash again", "failed") from None
            say(f"the drive went away after the last block ({e.strerror or e}): the board is rebooting")
        say("copied; the board reboots into the new firmware")
        return FlashResult(self.method, image, str(drive.mount), time.monotonic() - start)


@register_flasher("picotool")
class Picotool(Flasher):
    tool = "picotool"
    install = ("sudo apt-get install picotool where your distribution packages it (not Debian 12), or "
               "build it from https://github.com/raspberrypi/picotool; or set the board's flash_method "
               "to uf2 and copy to the BOOTSEL drive")
    image_suffix = ".elf"
    failures = (
        Failure(r"unable to connect|LIBUSB_ERROR_ACCESS|Permission denied", "permission",
                "the Pico in BOOTSEL mode is not accessible: install picotool's udev rules "
                "(99-picotool.rules from its source, into /etc/udev/rules.d), reload them "
                "(sudo udevadm control --reload-rules && sudo udevadm trigger) and replug"),
        Failure(r"No accessible RP\S* devices in BOOTSEL mode were found", "no-device",
                "no Pico in BOOTSEL mode: hold BOOTSEL while plugging it in, then flash again"),
        Failure(r"verif\w* fail|does not match", "verify",
                "the flash does not hold what was written (verify failed): flash again"),
    )

    touch_leave_s, touch_settle_s = 3.0, 1.0

    def resolve_port(self, port: str | None, on_output: OutputCallback) -> str | None:
        """The generated firmware is a USB CDC-ACM port: given its tty (or, with no port, the board's
        port found by its USB id) a 1200-baud touch sends the RP2040 to BOOTSEL, where picotool finds
        it by itself, so no button is needed. Any other ``port`` is picotool's --ser (the serial
        number of a board already in BOOTSEL)."""
        tty = port if port and is_serial_device(port) else None
        if port is None:
            tty = running_board_port(self.board)
        if tty is None:
            return port
        touch_1200(tty, on_output, self.touch_leave_s, self.touch_settle_s)
        return None

    def command(self, image: Path, port: str | None) -> list[str]:
        # -v verifies, -x runs the program afterwards
        argv = [self.executable(), "load", "-v", "-x", str(image)]
        if image.suffix == ".bin":
            address = self.board.image_flash_origin
            argv += ["-o", f"0x{address:x}"]
        if port:
            argv += ["--ser", port]
        return argv
