"""Every bus glue (board/*_i2c.c, board/tms_delay.c) and the two drivers (sensors/tmp105.c,
sensors/rp2040_adc.c) cross-compile for their boards' cores with arm-none-eabi-gcc -std=c99 -Wall
-Wextra -Werror, with the flags the generated firmware uses for that core."""
import shutil
import subprocess
from pathlib import Path

import pytest

from codegen.firmware_boards import cpu_flags
from studio.core.boards import boards
from tests.hostmodel import RUNTIME

ARM_CC = "arm-none-eabi-gcc"
pytestmark = pytest.mark.skipif(shutil.which(ARM_CC) is None, reason="arm-none-eabi-gcc is not installed")

# board -> the runtime files its sensor path compiles
TARGETS = {
    "qemu-mps2-an386": ["board/mps2_i2c.c", "board/tms_delay.c", "sensors/tmp105.c", "sensors/tms_sensor.c"],
    "nano33ble": ["board/nrf52840_i2c.c", "board/tms_delay.c", "sensors/tmp105.c"],
    "b-l475e-iot01a": ["board/stm32l4_i2c.c", "board/tms_delay.c", "sensors/tmp105.c"],
    "rpi-pico": ["board/rp2040_i2c.c", "board/tms_delay.c", "sensors/tmp105.c", "sensors/rp2040_adc.c",
                 "sensors/tms_sensor.c"],
}


@pytest.mark.parametrize("board_id, source", [(b, s) for b, sources in TARGETS.items() for s in sources])
def test_the_sensor_path_cross_compiles_warning_free_for_the_boards_core(board_id, source, tmp_path):
    board = boards().get(board_id)
    flags, _ = cpu_flags(board)
    (tmp_path / "tms_board.h").write_text(f"#define TMS_CLOCK_HZ {board.clock_hz}u\n#define TMS_EMULATED 0\n")
    cmd = [ARM_CC, *flags.split(), "-std=c99", "-Os", "-Wall", "-Wextra", "-Werror", f"-I{tmp_path}",
           f"-I{RUNTIME}", "-c", str(RUNTIME / source), "-o", str(tmp_path / (Path(source).stem + ".o"))]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
