"""The sensor part catalogue: every sensor chip (or on-chip converter) a board profile or a user's
wiring may name, what it measures, how it is wired, and which MCU families have a generated driver.

Data only (no Qt, no I/O). Board profiles name parts by ``SensorPart.id`` (``board_profiles/*.yaml``,
``studio.core.boards``); a sensor node names an external part by the same id
(``nodes.sensors``, ``part`` property); ``studio.core.sensor_check`` resolves a node to a part with
this catalogue. A part's driver for an MCU family is the C pair ``codegen/runtime/sensors/<driver>.c/.h``
(the contract in ``codegen/runtime/sensors/tms_sensor.h``): for a chip on a bus, the chip driver (it
talks through ``tms_i2c.h``, so it runs on every family with an I2C bus driver); for an on-chip
peripheral (the nRF52840's PDM, the STM32L4's DFSDM, the RP2040's ADC), the peripheral driver named
after the MCU.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from studio.core.errors import BadInput

# what a sensor measures; a node asks for one or more of these (``NodeType.sensor_kinds``)
KINDS = ("accelerometer", "gyroscope", "magnetometer", "microphone", "temperature", "humidity", "pressure",
         "light", "distance", "adc", "camera", "gnss", "replay")
# how a part is wired to the MCU
BUS_TYPES = ("i2c", "spi", "pdm", "dfsdm", "adc", "i2s", "parallel", "uart", "host")

# MCU families with bare-metal board glue (``codegen.firmware_boards``), by the profile's mcu prefix
MCU_FAMILIES: Mapping[str, str] = {"CMSDK": "mps2", "nRF52840": "nrf52840", "RP2040": "rp2040",
                                   "STM32L4": "stm32l4"}
# families whose board glue has an I2C bus driver (tms_i2c.h): a chip driver on I2C runs on each
I2C_FAMILIES = ("mps2", "nrf52840", "rp2040", "stm32l4")


# code a driver-fed sensor brings besides its driver (arm-none-eabi-gcc 12 -Os, Cortex-M4, measured
# in linked images: the gesture sample's LSM9DS1 on the Nano and LSM6DSL on the B-L475E): the sample
# ring (tms_sensor.c), tms_delay.c, the protocol's sensor error line and the stage's own code
DRIVER_RUNTIME_CODE_BYTES = 1000
# the board family's bus driver a chip on that bus needs (codegen/runtime/board/<family>_i2c.c)
BUS_GLUE_CODE_BYTES: Mapping[str, Mapping[str, int]] = {
    "i2c": {"mps2": 542, "nrf52840": 468, "stm32l4": 578, "rp2040": 508},
}


@dataclass(frozen=True)
class SensorPart:
    id: str                                  # stable, saved in profiles and projects
    name: str                                # as the datasheet spells it
    kinds: tuple[str, ...]                   # what it measures
    bus: str                                 # one of BUS_TYPES
    addresses: tuple[int, ...] = ()          # 7-bit I2C addresses it can answer at (default first)
    drivers: Mapping[str, str] = field(default_factory=dict)   # MCU family -> driver (C file stem)
    external: bool = False                   # a user can wire it to a board's bus or pin
    datasheet: str = ""
    max_rate_hz: float | None = None         # the fastest output data rate its driver can set
    driver_state_bytes: int = 64             # its driver's struct (tms_<driver>_t), as the compiler lays it out
    driver_code_bytes: int = 0               # its driver's code (arm-none-eabi-gcc 12 -Os, Cortex-M4)

    @property
    def driver(self) -> bool:
        return bool(self.drivers)

    @property
    def default_address(self) -> int | None:
        return self.addresses[0] if self.addresses else None

    def driver_for(self, family: str) -> str | None:
        """The driver's C file stem on an MCU family, None when there is none."""
        return self.drivers.get(family)


def _i2c_driver(stem: str) -> dict[str, str]:
    return {family: stem for family in I2C_FAMILIES}


_PARTS = (
    # ---- chips with a generated driver (codegen/runtime/sensors/<driver>.c) ----
    SensorPart("lsm9ds1", "LSM9DS1", ("accelerometer", "gyroscope", "magnetometer", "temperature"), "i2c",
               (0x6B, 0x6A, 0x1E, 0x1C), _i2c_driver("lsm9ds1"), datasheet="ST DocID025715", max_rate_hz=952.0, driver_code_bytes=1164),
    SensorPart("lsm6dsl", "LSM6DSL", ("accelerometer", "gyroscope", "temperature"), "i2c", (0x6A, 0x6B),
               _i2c_driver("lsm6dsl"), external=True, datasheet="ST DocID028475", max_rate_hz=1660.0, driver_code_bytes=956),
    SensorPart("lsm6ds3", "LSM6DS3", ("accelerometer", "gyroscope", "temperature"), "i2c", (0x6A, 0x6B),
               _i2c_driver("lsm6ds3"), external=True, datasheet="ST DocID026899", max_rate_hz=1660.0, driver_code_bytes=956),
    SensorPart("lis3mdl", "LIS3MDL", ("magnetometer", "temperature"), "i2c", (0x1E, 0x1C),
               _i2c_driver("lis3mdl"), datasheet="ST DocID024204", max_rate_hz=1000.0, driver_code_bytes=790),
    SensorPart("hts221", "HTS221", ("temperature", "humidity"), "i2c", (0x5F,), _i2c_driver("hts221"),
               external=True, datasheet="ST DocID026333", max_rate_hz=12.5, driver_code_bytes=924),
    SensorPart("hs3003", "HS3003", ("temperature", "humidity"), "i2c", (0x44,), _i2c_driver("hs3003"),
               datasheet="Renesas HS300x datasheet R36DS0010EU", max_rate_hz=25.0, driver_code_bytes=262),
    SensorPart("lps22hb", "LPS22HB", ("pressure", "temperature"), "i2c", (0x5C, 0x5D), _i2c_driver("lps22hb"),
               external=True, datasheet="ST DocID027083", max_rate_hz=75.0, driver_code_bytes=716),
    SensorPart("mpu6050", "MPU-6050", ("accelerometer", "gyroscope", "temperature"), "i2c", (0x68, 0x69),
               _i2c_driver("mpu6050"), external=True, datasheet="InvenSense PS-MPU-6000A-00", max_rate_hz=1000.0, driver_code_bytes=1024),
    SensorPart("icm20948", "ICM-20948", ("accelerometer", "gyroscope", "magnetometer", "temperature"), "i2c",
               (0x68, 0x69), _i2c_driver("icm20948"), datasheet="InvenSense DS-000189", max_rate_hz=1125.0, driver_code_bytes=1404),
    SensorPart("tmp105", "TMP105", ("temperature",), "i2c", (0x48, 0x49, 0x4A, 0x4B), _i2c_driver("tmp105"),
               external=True, datasheet="TI SBOS323", driver_code_bytes=494),
    # ---- microphones through an MCU peripheral: the peripheral's driver ----
    SensorPart("mp34dt05", "MP34DT05-A", ("microphone",), "pdm", drivers={"nrf52840": "nrf52840_pdm"},
               datasheet="ST DS12748; nRF52840 PS v1.7 section 6.15 (PDM)",
               driver_state_bytes=4108, max_rate_hz=20000.0, driver_code_bytes=496),
    SensorPart("mp34dt01", "MP34DT01-M", ("microphone",), "dfsdm", drivers={"stm32l4": "stm32l4_dfsdm"},
               datasheet="ST DocID026514; STM32L4 RM0351 section 24 (DFSDM)",
               driver_state_bytes=4124, driver_code_bytes=638),
    # ---- on-chip converters ----
    SensorPart("rp2040_adc", "RP2040 ADC", ("adc", "temperature"), "adc", drivers={"rp2040": "rp2040_adc"},
               datasheet="RP2040 datasheet section 4.9 (ADC and temperature sensor)", driver_code_bytes=896),
    SensorPart("analog", "analog sensor on an ADC pin", ("adc",), "adc", drivers={"rp2040": "rp2040_adc"},
               external=True, datasheet="the MCU's ADC (RP2040 datasheet section 4.9)", driver_code_bytes=896),
    # ---- parts boards carry that have no driver yet ----
    SensorPart("bmi270", "BMI270", ("accelerometer", "gyroscope", "temperature"), "i2c", (0x68, 0x69),
               datasheet="Bosch BST-BMI270-DS000"),
    SensorPart("bmm150", "BMM150", ("magnetometer",), "i2c", (0x10, 0x11, 0x12, 0x13),
               datasheet="Bosch BST-BMM150-DS001"),
    SensorPart("apds9960", "APDS-9960", ("light",), "i2c", (0x39,), datasheet="Broadcom AV02-4191EN"),
    SensorPart("vl53l0x", "VL53L0X", ("distance",), "i2c", (0x29,), datasheet="ST DocID029104"),
    SensorPart("lis3dh", "LIS3DH", ("accelerometer",), "i2c", (0x18, 0x19), datasheet="ST DocID17530"),
    SensorPart("lis2dh12", "LIS2DH12", ("accelerometer",), "i2c", (0x18, 0x19), datasheet="ST DocID025056"),
    SensorPart("bmi160", "BMI160", ("accelerometer", "gyroscope"), "spi", datasheet="Bosch BST-BMI160-DS000"),
    SensorPart("kx122", "KX122-1037", ("accelerometer",), "i2c", (0x1F, 0x1E), datasheet="Kionix KX122-1037"),
    SensorPart("pdm_mic", "PDM MEMS microphone", ("microphone",), "pdm"),
    SensorPart("i2s_mic", "I2S MEMS microphone", ("microphone",), "i2s"),
    SensorPart("analog_mic", "analog MEMS microphone", ("microphone",), "adc"),
    SensorPart("analog_light", "analog light sensor (phototransistor)", ("light",), "adc"),
    SensorPart("hm01b0", "HM01B0", ("camera",), "parallel", (0x24,), datasheet="Himax HM01B0"),
    SensorPart("hm0360", "HM0360", ("camera",), "parallel", (0x24,), datasheet="Himax HM0360"),
    SensorPart("cxd5603gf", "CXD5603GF", ("gnss",), "uart", datasheet="Sony CXD5603GF"),
    # ---- the emulated board's sample source: the project's recording or the host's stream ----
    SensorPart("replay", "recorded samples (the project's recording or the host's stream)", ("replay",), "host"),
)

PARTS: Mapping[str, SensorPart] = {p.id: p for p in _PARTS}


def part(part_id: str) -> SensorPart:
    """The part named ``part_id``; BadInput naming the known parts when there is none."""
    try:
        return PARTS[part_id]
    except KeyError:
        raise BadInput(f"unknown sensor part '{part_id}' (known parts: {', '.join(sorted(PARTS))})") from None


def external_parts(kind: str | None = None) -> tuple[SensorPart, ...]:
    """The parts a user can wire to a board, optionally those measuring ``kind``, with a driver first."""
    found = [p for p in _PARTS if p.external and (kind is None or kind in p.kinds)]
    return tuple(sorted(found, key=lambda p: (not p.driver, p.id)))


def mcu_family(mcu: str) -> str:
    """The MCU family of a board profile's ``mcu`` ("" when no board glue covers it)."""
    for prefix, family in MCU_FAMILIES.items():
        if mcu.startswith(prefix):
            return family
    return ""


def driver_files() -> tuple[str, ...]:
    """Every driver stem a part declares (each must be ``codegen/runtime/sensors/<stem>.c``)."""
    return tuple(sorted({stem for p in _PARTS for stem in p.drivers.values()}))
