"""The flash methods a board profile may name, each with how a person loads an image with it.

This is the one list of methods: the board schema checks ``flash_method`` against it, every
flasher in ``studio.device.flash`` registers under one of its names (an undeclared name is refused
there), and the generated README takes a method's instructions from here. Addresses come from the
board (``Board.app_flash_origin``, ``Board.image_flash_origin``), the same properties the flashers
use, so the README and the flasher cannot disagree. It lives in the core, below codegen and the
device layer, because both read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from studio.core.boards import Board


@dataclass(frozen=True)
class FlashMethod:
    name: str
    instructions: Callable[["Board"], str]   # markdown for the generated README


def _emulator(board: "Board") -> str:
    return ("Runs on QEMU's " + (board.emulator_machine or "") + " machine:\n\n```\n"
            f"qemu-system-arm -machine {board.emulator_machine} -cpu cortex-m4 -nographic -monitor none "
            "-semihosting-config enable=on,target=native -icount shift=0 -serial stdio "
            "-kernel build/firmware.elf\n```\n\nor `tinyml-studio run PROJECT --emulate`. "
            "The run ends with exit code 0 when the replayed data is over.")


def _bossac(board: "Board") -> str:
    # bossac's --offset counts from the start of flash
    return ("Double-tap reset to enter the bootloader, then\n\n```\n"
            f"bossac --port=PORT -U -i -e -w --offset=0x{board.image_flash_origin - board.flash_origin:x} "
            "build/firmware.bin -R\n```")


def _uf2(board: "Board") -> str:
    family = board.flash_options.get("family_id")
    fam = f" with family id 0x{family:08x}" if isinstance(family, int) else ""
    return (f"Convert `build/firmware.bin` to UF2 at base 0x{board.image_flash_origin:08x}{fam} and copy it "
            "to the bootloader's USB drive (double-tap reset, or hold BOOTSEL while plugging in).")


def _picotool(board: "Board") -> str:
    return _uf2(board) + "\n\nOr with picotool: `picotool load -x build/firmware.elf`."


def _openocd(board: "Board") -> str:
    cfg = board.flash_options.get("config", "board/<your board>.cfg")
    return f"```\nopenocd -f {cfg} -c \"program build/firmware.elf verify reset exit\"\n```"


def _st_flash(board: "Board") -> str:
    return f"```\nst-flash write build/firmware.bin 0x{board.image_flash_origin:08x}\n```"


def _pyocd(board: "Board") -> str:
    return "```\npyocd flash build/firmware.elf\n```"


def _vendor_tool(board: "Board") -> str:
    return ("This board's own loader tool is not driven by TinyML Studio yet; load "
            "`build/firmware.bin` / `.hex` with the vendor's tool.")


_METHODS = (
    FlashMethod("emulator", _emulator),
    FlashMethod("bossac", _bossac),
    FlashMethod("esptool", _vendor_tool),
    FlashMethod("uf2", _uf2),
    FlashMethod("picotool", _picotool),
    FlashMethod("openocd", _openocd),
    FlashMethod("st-flash", _st_flash),
    FlashMethod("pyocd", _pyocd),
    FlashMethod("dfu-util", _vendor_tool),
    FlashMethod("svl", _vendor_tool),
    FlashMethod("flash_writer", _vendor_tool),
    FlashMethod("none", _vendor_tool),
)
FLASH_METHODS: dict[str, FlashMethod] = {m.name: m for m in _METHODS}


def flash_instructions(board: "Board") -> str:
    """How to load this board's built image by hand, for the generated README."""
    return FLASH_METHODS[board.flash_method].instructions(board)
