"""Building a generated firmware project: runs its Makefile and measures the image.

Sizes come from ``arm-none-eabi-size -A`` (per section), so they are what the linker placed:
flash = text + data (the initial values of data are stored in flash), RAM = data + bss; the
stack is its own section and is reported apart.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.processes import ToolTimedOut, run_limited
from studio.device.toolchain import arm_toolchain

ELF_NAME = Path("build/firmware.elf")
_FLASH_SECTIONS = (".boot2", ".isr_vector", ".text", ".rodata", ".ARM.exidx", ".ARM.extab")


class BuildError(StudioError):
    """The compiler or the linker refused the project; ``log`` holds their full output."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class SectionSizes:
    text_bytes: int
    data_bytes: int
    bss_bytes: int
    stack_bytes: int

    @property
    def flash_bytes(self) -> int:
        return self.text_bytes + self.data_bytes

    @property
    def ram_bytes(self) -> int:
        return self.data_bytes + self.bss_bytes


@dataclass(frozen=True)
class BuildResult(SectionSizes):
    """A finished build: the image and its section sizes (``flash_bytes``, ``ram_bytes`` as above)."""

    ok: bool = True
    elf: Path = Path()
    log: str = ""


def parse_size_output(text: str) -> SectionSizes:
    """Parses ``size -A`` output (section, size, address per line) into text/data/bss/stack bytes."""
    text_b = data_b = bss_b = stack_b = 0
    seen = False
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[0].startswith(".") or not parts[1].isdigit():
            continue
        name, size = parts[0], int(parts[1])
        seen = True
        if name in _FLASH_SECTIONS:
            text_b += size
        elif name == ".data":
            data_b += size
        elif name == ".bss":
            bss_b += size
        elif name == ".stack":
            stack_b += size
    if not seen:
        raise BuildError("could not read section sizes from arm-none-eabi-size", text)
    return SectionSizes(text_b, data_b, bss_b, stack_b)


_OVERFLOW = re.compile(r"region `(\w+)' overflowed by (\d+) bytes")
# gcc: "src/pipeline.c:12:5: error: ..."; ld: "...: undefined reference to `x'"
_ERROR_LINE = re.compile(r"^[^\s:][^:\n]*:\d+:\d+: (?:fatal )?error: .*$|^.*undefined reference to .*$",
                         re.MULTILINE)


def _explain_failure(log: str) -> str:
    overflows = _OVERFLOW.findall(log)
    if overflows:
        what = {"RAM": "RAM (data + bss + stack)", "FLASH": "flash (code + constants)"}
        parts = [f"{what.get(region, region)} by {int(n)} bytes" for region, n in overflows]
        return ("the firmware does not fit the board: it overflows " + " and ".join(dict.fromkeys(parts))
                + "; shrink the model or buffers, or pick a board with more memory")
    errors = [m.group(0).strip() for m in _ERROR_LINE.finditer(log)]
    if errors:
        return "the firmware does not compile: " + "; ".join(errors[:3])
    tail = "\n".join(log.strip().splitlines()[-5:])
    return f"the firmware build failed:\n{tail}"


def _sketch_fqbn(out_dir: Path) -> str:
    try:
        readme = (out_dir / "README.md").read_text(encoding="utf-8")
    except OSError:
        readme = ""
    m = re.search(r"arduino-cli compile --fqbn (\S+)", readme)
    return m.group(1) if m else "<board fqbn>"


def build_firmware(out_dir: Path, jobs: int = 2, timeout_s: float = 600.0) -> BuildResult:
    """Runs ``make`` in a generated project; returns its sizes, or raises BuildError with the compiler's message."""
    out_dir = Path(out_dir)
    sketch = out_dir / "firmware" / "firmware.ino"
    if sketch.is_file() and not (out_dir / "Makefile").is_file():
        fqbn = _sketch_fqbn(out_dir)
        raise BuildError(f"{out_dir} holds an Arduino sketch for the board's Arduino core: build it with "
                         f"arduino-cli compile --fqbn {fqbn} {out_dir / 'firmware'} (see its README.md)")
    if not (out_dir / "Makefile").is_file():
        raise BuildError(f"{out_dir}: no Makefile (generate the firmware first)")
    tools = arm_toolchain()
    cmd = [str(tools.make), "-C", str(out_dir), f"-j{max(1, int(jobs))}", f"CROSS={tools.prefix}",
           f"PYTHON={sys.executable}"]
    try:
        proc = run_limited(cmd, timeout_s, "the build (make)")
    except ToolTimedOut as e:
        raise BuildError(f"the build did not finish within {timeout_s:.0f} s; make and the compiler were "
                         "stopped", e.output) from None
    except OSError as e:
        raise BuildError(f"make cannot be run: {e.strerror or e}") from None
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise BuildError(_explain_failure(log), log)
    elf = out_dir / ELF_NAME
    try:
        size = run_limited([str(tools.size), "-A", str(elf)], 60, "arm-none-eabi-size")
    except (ToolTimedOut, OSError) as e:
        raise BuildError(f"arm-none-eabi-size could not read {elf}: {getattr(e, 'message', e)}", log) from None
    if size.returncode != 0:
        raise BuildError(f"arm-none-eabi-size could not read {elf}: {size.stderr.strip()}", log)
    sizes = parse_size_output(size.stdout)
    return BuildResult(ok=True, elf=elf, log=log, text_bytes=sizes.text_bytes, data_bytes=sizes.data_bytes,
                       bss_bytes=sizes.bss_bytes, stack_bytes=sizes.stack_bytes)
