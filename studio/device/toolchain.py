"""Finding the external tools a build or a run needs, with the exact command that installs a missing one."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.processes import run_limited


class ToolMissing(StudioError):
    """A required external program is not on PATH; the message says how to install it."""


_INSTALL = {
    "arm-none-eabi-gcc": "apt-get install --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi",
    "arm-none-eabi-objcopy": "apt-get install --no-install-recommends binutils-arm-none-eabi",
    "arm-none-eabi-size": "apt-get install --no-install-recommends binutils-arm-none-eabi",
    "make": "apt-get install --no-install-recommends make",
    "qemu-system-arm": "apt-get install --no-install-recommends qemu-system-arm",
}


def find_tool(name: str) -> Path:
    """The absolute path of ``name`` on PATH, or ToolMissing with its install command."""
    found = shutil.which(name)
    if found is None:
        how = _INSTALL.get(name)
        hint = f"; install it with: {how}" if how else ""
        raise ToolMissing(f"'{name}' was not found on PATH{hint}")
    return Path(found)


@dataclass(frozen=True)
class ArmToolchain:
    make: Path
    gcc: Path
    size: Path

    @property
    def prefix(self) -> str:
        """The CROSS prefix the generated Makefile takes (directory + 'arm-none-eabi-')."""
        return str(self.gcc)[: -len("gcc")]


def arm_toolchain() -> ArmToolchain:
    """make, arm-none-eabi-gcc and arm-none-eabi-size (with newlib-nano present)."""
    gcc = find_tool("arm-none-eabi-gcc")
    find_tool("arm-none-eabi-objcopy")
    toolchain = ArmToolchain(make=find_tool("make"), gcc=gcc, size=find_tool("arm-none-eabi-size"))
    # without newlib the compiler is there but every link fails, so say so up front
    try:
        probe = run_limited([str(gcc), "-print-file-name=libc_nano.a"], 30, "arm-none-eabi-gcc")
    except OSError as e:
        raise ToolMissing(f"arm-none-eabi-gcc cannot be run: {e.strerror or e}") from None
    if not Path(probe.stdout.strip()).is_absolute():
        raise ToolMissing("arm-none-eabi-gcc has no newlib-nano C library; install it with: "
                          "apt-get install --no-install-recommends libnewlib-arm-none-eabi")
    return toolchain


def qemu_system_arm() -> Path:
    return find_tool("qemu-system-arm")
