"""The sensor part catalogue: what each part measures, how it is wired, and that every driver it
declares is a C file in codegen/runtime/sensors/."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.errors import BadInput
from studio.core.sensor_parts import KINDS, PARTS, driver_files, external_parts, mcu_family, part

SENSORS_DIR = Path(__file__).resolve().parents[2] / "codegen" / "runtime" / "sensors"
# drivers being written on other branches at the same time: the lead removes each name from here
# once its codegen/runtime/sensors/<name>.c is merged
EXPECTED_DRIVERS = {"lsm9ds1", "lsm6dsl", "lsm6ds3", "lis3mdl", "hts221", "hs3003", "lps22hb", "mpu6050",
                    "icm20948", "tmp105", "rp2040_adc", "nrf52840_pdm", "stm32l4_dfsdm"}


@pytest.mark.parametrize("stem", driver_files())
def test_every_declared_driver_is_a_c_file_in_the_sensor_runtime(stem):
    assert (SENSORS_DIR / f"{stem}.c").is_file() and (SENSORS_DIR / f"{stem}.h").is_file()


def test_the_catalogue_declares_the_drivers_being_written():
    assert set(driver_files()) == EXPECTED_DRIVERS


def test_every_part_measures_known_kinds_on_a_known_bus():
    from studio.core.sensor_parts import BUS_TYPES

    for p in PARTS.values():
        assert p.kinds and set(p.kinds) <= set(KINDS), p.id
        assert p.bus in BUS_TYPES, p.id
        assert all(0 < a < 0x80 for a in p.addresses), p.id
        assert (p.bus == "i2c") == bool(p.addresses) or p.bus == "parallel", p.id


def test_i2c_chip_drivers_run_on_every_family_with_an_i2c_bus_and_peripheral_drivers_on_their_mcu():
    assert set(part("lsm6dsl").drivers) == {"mps2", "nrf52840", "rp2040", "stm32l4"}
    assert part("mp34dt05").drivers == {"nrf52840": "nrf52840_pdm"}
    assert part("mp34dt01").drivers == {"stm32l4": "stm32l4_dfsdm"}
    assert part("rp2040_adc").drivers == {"rp2040": "rp2040_adc"}
    assert not part("bmi270").driver and not part("vl53l0x").driver


def test_the_parts_a_user_can_wire_are_the_external_ones_with_drivers_first():
    wired = {p.id for p in external_parts()}
    assert {"mpu6050", "lsm6ds3", "lsm6dsl", "hts221", "lps22hb", "tmp105", "analog"} <= wired
    accel = external_parts("accelerometer")
    assert {p.id for p in accel} == {"mpu6050", "lsm6ds3", "lsm6dsl"} and all(p.driver for p in accel)
    assert part("mpu6050").default_address == 0x68 and part("tmp105").default_address == 0x48


@pytest.mark.parametrize("mcu,family", [("nRF52840", "nrf52840"), ("RP2040", "rp2040"),
                                        ("STM32L475VGT6", "stm32l4"), ("CMSDK Cortex-M4F (AN386)", "mps2"),
                                        ("ATSAMD21G18A", ""), ("ESP32-S3-WROOM-1", "")])
def test_mcu_family_follows_the_profile_mcu(mcu, family):
    assert mcu_family(mcu) == family


def test_an_unknown_part_is_bad_input_naming_the_known_ones():
    with pytest.raises(BadInput, match="unknown sensor part 'bme280'.*lsm6dsl"):
        part("bme280")
