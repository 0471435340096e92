"""The LIS3MDL driver (codegen/runtime/sensors/lis3mdl.c) against the register-level model of the
part (tests/codegen/sensors/models/lis3mdl.py) — a model of the datasheet, not the chip."""
import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models.lis3mdl import (
    CTRL_REG1, CTRL_REG2, CTRL_REG3, CTRL_REG4, CTRL_REG5, LSB_PER_GAUSS, Lis3mdlModel)
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
ADDR = 0x1E


def _driver(chip=None):
    drv = SensorDriver("lis3mdl")
    drv.chip = chip or Lis3mdlModel()
    drv.bus.attach(0, ADDR, drv.chip)
    return drv


def test_init_resets_then_sets_mode_rate_range_bdu_and_continuous_conversion():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=80.0, full_scale=8.0, channels=3) == OK
    assert drv.chip.writes == [(CTRL_REG2, 0x04), (CTRL_REG1, 0x7C), (CTRL_REG2, 0x20),
                               (CTRL_REG4, 0x0C), (CTRL_REG5, 0x40), (CTRL_REG3, 0x00)]


@pytest.mark.parametrize("rate_hz, odr_hz", [(0.5, 0.625), (1.0, 1.25), (10.0, 10.0), (50.0, 80.0),
                                             (100.0, 155.0), (200.0, 300.0), (500.0, 560.0),
                                             (1000.0, 1000.0)])
def test_the_output_data_rate_is_the_first_at_or_above_the_rate(rate_hz, odr_hz):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=rate_hz, channels=3) == OK
    assert drv.chip.odr_hz == odr_hz
    assert (drv.chip.regs[CTRL_REG4] >> 2) & 3 == (drv.chip.regs[CTRL_REG1] >> 5) & 3


@pytest.mark.parametrize("full_scale, range_gauss", [(0.0, 4), (4.0, 4), (5.0, 8), (12.0, 12),
                                                     (16.0, 16)])
def test_the_range_is_the_smallest_covering_full_scale_in_gauss(full_scale, range_gauss):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=10.0, full_scale=full_scale, channels=3) == OK
    assert drv.chip.range_gauss == range_gauss


@pytest.mark.parametrize("rate_hz, full_scale, channels", [(1001.0, 4.0, 3), (10.0, 17.0, 3),
                                                           (10.0, 4.0, 6), (0.0, 4.0, 3)])
def test_what_the_part_cannot_do_is_a_config_error(rate_hz, full_scale, channels):
    assert _driver().init(ADDR, rate_hz=rate_hz, full_scale=full_scale, channels=channels) == ECONFIG


@settings(max_examples=50, deadline=None)
@given(fs=st.sampled_from([4.0, 8.0, 12.0, 16.0]), data=st.data())
def test_decoded_values_equal_the_physical_values_within_one_lsb(fs, data):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=80.0, full_scale=fs, channels=3) == OK
    gauss = data.draw(st.lists(st.floats(-fs * 0.99, fs * 0.99), min_size=3, max_size=3))
    drv.chip.produce(gauss)
    assert drv.poll() == 1
    (got,) = drv.drain()
    lsb = 1 / LSB_PER_GAUSS[(drv.chip.regs[CTRL_REG2] >> 5) & 3]
    assert all(abs(w - h) <= lsb for w, h in zip(gauss, got))


def test_a_sample_overwritten_unread_is_counted():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=80.0, channels=3) == OK
    drv.chip.produce([0.1, 0.2, 0.3])
    drv.chip.produce([0.4, 0.5, 0.6])
    assert drv.poll() == 1
    assert drv.overruns == 1
    assert drv.drain()[0] == pytest.approx([0.4, 0.5, 0.6], abs=2e-4)
    assert drv.poll() == 0 and drv.overruns == 1


def test_decimation_gives_exactly_the_rate():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=100.0, channels=3) == OK  # ODR 155 Hz
    total = 0
    for _ in range(310):
        drv.chip.produce([0.2, 0.0, -0.2])
        total += drv.poll()
    assert total == 200


def test_a_wrong_who_am_i_is_an_identity_error():
    chip = Lis3mdlModel()
    chip.regs[0x0F] = 0x40
    assert _driver(chip).init(ADDR, rate_hz=10.0, channels=3) == EID


def test_a_nack_is_a_bus_error_at_init_and_at_poll():
    drv = _driver()
    drv.chip.nack = True
    assert drv.init(ADDR, rate_hz=10.0, channels=3) == EBUS
    drv.chip.nack = False
    assert drv.init(ADDR, rate_hz=10.0, channels=3) == OK
    drv.chip.nack = True
    assert drv.poll() == EBUS
