"""The BMI270 driver (detection and refusal, codegen/runtime/sensors/bmi270.c) and the Nano 33 BLE
Sense revision probe (tms_nano33_imu.c) against register-level models of the parts."""
import pytest

from tests.codegen.sensors.models.bmi270 import Bmi270Model
from tests.codegen.sensors.models.lsm9ds1 import Lsm9ds1AccelGyro
from tests.hostmodel import I2CBus, build
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
LSM9DS1, BMI270 = 1, 2


def _driver(chip=None):
    drv = SensorDriver("bmi270")
    drv.chip = chip or Bmi270Model()
    drv.bus.attach(0, 0x68, drv.chip)
    return drv


def test_a_detected_bmi270_is_refused_as_unconfigurable_without_a_write():
    drv = _driver()
    assert drv.init(0x68, rate_hz=100.0, full_scale=4.0, channels=6) == ECONFIG
    assert drv.chip.writes == []
    assert [w for _, _, w, _ in drv.bus.log] == [b"\x00", b"\x21"]   # CHIP_ID, INTERNAL_STATUS
    assert drv.poll() == ECONFIG


def test_a_wrong_chip_id_is_an_identity_error():
    chip = Bmi270Model()
    chip.regs[0x00] = 0x26   # a BMI260
    assert _driver(chip).init(0x68, rate_hz=100.0, channels=6) == EID


def test_a_nack_is_a_bus_error():
    drv = _driver()
    drv.chip.nack = True
    assert drv.init(0x68, rate_hz=100.0, channels=6) == EBUS


PROBE = r"""
#include "sensors/tms_nano33_imu.h"
"""


@pytest.mark.parametrize("parts, want", [
    ({0x6B: Lsm9ds1AccelGyro}, LSM9DS1),     # Rev1
    ({0x68: Bmi270Model}, BMI270),           # Rev2
    ({}, EBUS),                              # no IMU answers
    ({0x6B: lambda: _with(Lsm9ds1AccelGyro(), 0x0F, 0x6A)}, EID),   # something else at 0x6B
    ({0x68: lambda: _with(Bmi270Model(), 0x00, 0x26)}, EID),
])
def test_the_nano33_probe_names_the_revision_by_identity_register(parts, want):
    lib = build(["sensors/tms_nano33_imu.c"], i2c=True, extra_c=PROBE)
    bus = I2CBus()
    for address, make in parts.items():
        bus.attach(0, address, make())
    with lib.attached(i2c=bus):
        assert lib.tms_nano33_imu_probe(0) == want
    assert all(not w[1:] for _, _, w, _ in bus.log)   # reads only: no register written


def _with(chip, reg, value):
    chip.regs[reg] = value
    return chip
