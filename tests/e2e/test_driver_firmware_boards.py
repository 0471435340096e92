"""A pipeline whose sensor reads an external TMP105 through its driver builds into a complete firmware
image for each bare-metal board family (real arm-none-eabi-gcc, the generated Makefile): the driver,
the ring, tms_delay.c and the family's I2C glue link for nRF52840, STM32L4 and RP2040. Built, not run:
no board is attached here."""
import pytest

from codegen.project_firmware import generate
from studio.core.boards import boards
from studio.device.build import build_firmware
from tests.e2e.i2c_pipeline import temperature_project

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("board_id, bus, glue", [
    ("nano33ble", "i2c1", "nrf52840_i2c"),  # TWIM1, the header's SDA/SCL (i2c0 is the sensors' own)
    ("b-l475e-iot01a", "i2c2", "stm32l4_i2c"),
    ("rpi-pico", "i2c0", "rp2040_i2c"),
])
def test_an_external_tmp105_pipeline_builds_for_the_board(board_id, bus, glue, tmp_path):
    project = temperature_project(tmp_path / "p", board_id, source="external", part="tmp105", bus=bus,
                                  address=0x48)
    generated = generate(project, tmp_path / "fw", boards().get(board_id))
    assert [(b.source, b.part, b.bus) for b in generated.sensors] == [("driver", "tmp105", bus)]
    result = build_firmware(tmp_path / "fw")
    assert result.elf.is_file()
    objects = {p.stem for p in (tmp_path / "fw" / "build" / "runtime").rglob("*.o")}
    assert {"tmp105", "tms_sensor", "tms_delay", glue} <= objects
