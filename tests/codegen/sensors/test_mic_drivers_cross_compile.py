"""The microphone drivers and the Pico4ML IMU driver compile for their boards' cores with
arm-none-eabi-gcc, -std=c99 -Wall -Wextra -Werror, without a warning (Cortex-M4F hard float for the
nRF52840 and the STM32L475, Cortex-M0+ soft float for the RP2040)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[3] / "codegen" / "runtime"
ARM_CC = "arm-none-eabi-gcc"
CORES = {
    "cortex-m4f": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
    "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"],
}
FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Os", "-c"]
# driver source -> the core of the board it is for
DRIVERS = {
    "sensors/nrf52840_pdm.c": "cortex-m4f",
    "sensors/stm32l4_dfsdm.c": "cortex-m4f",
    "sensors/icm20948.c": "cortex-m0plus",
}

pytestmark = pytest.mark.skipif(shutil.which(ARM_CC) is None, reason="arm-none-eabi-gcc is not installed")


@pytest.mark.parametrize("source", sorted(DRIVERS))
def test_driver_cross_compiles_for_its_boards_core_without_a_warning(source, tmp_path):
    core = CORES[DRIVERS[source]]
    done = subprocess.run([ARM_CC, *core, *FLAGS, f"-I{RUNTIME}", f"-I{RUNTIME / 'sensors'}",
                           str(RUNTIME / source), "-o", str(tmp_path / "d.o")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
