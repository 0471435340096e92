"""Every C file in codegen/runtime/sensors (each driver, and any added later) compiles with the real
arm-none-eabi-gcc for the two core families our boards use — Cortex-M4F (nRF52840, STM32L475) and
Cortex-M0+ (RP2040, SAMD21) — under the house flags."""
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.hostmodel import RUNTIME

SOURCES = sorted((RUNTIME / "sensors").glob("*.c"))
TARGETS = {
    "cortex-m4f": ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb"],
}
FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Os", "-c"]


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_the_driver_cross_compiles_warning_free(source: Path, target: str, tmp_path):
    gcc = shutil.which("arm-none-eabi-gcc")
    assert gcc, "arm-none-eabi-gcc is not installed"
    obj = tmp_path / (source.stem + ".o")
    # the generated per-board header a driver may read its clock from (tmp105 paces itself by it)
    (tmp_path / "tms_board.h").write_text("#define TMS_CLOCK_HZ 64000000u\n#define TMS_EMULATED 0\n")
    proc = subprocess.run([gcc, *TARGETS[target], *FLAGS, f"-I{tmp_path}", f"-I{RUNTIME}", f"-I{RUNTIME / 'sensors'}",
                           str(source), "-o", str(obj)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert obj.stat().st_size > 0
