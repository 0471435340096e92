"""The HS3003 driver (codegen/runtime/sensors/hs3003.c) against the model of the part's measurement
mode (tests/codegen/sensors/models/hs3003.py) — a model of the datasheet, not the chip."""
import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models.hs3003 import Hs3003Model
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
T, H = 1, 2
ADDR = 0x44


def _driver():
    drv = SensorDriver("hs3003")
    drv.chip = Hs3003Model()
    drv.bus.attach(0, ADDR, drv.chip)
    return drv


def test_init_sends_one_measurement_request_and_nothing_else():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=1.0, channels=2, quantities=T | H) == OK
    assert drv.chip.requests == 1
    assert drv.bus.log == [(0, ADDR, b"", b"")]


@pytest.mark.parametrize("rate_hz, channels, quantities", [(26.0, 2, T | H), (0.0, 2, T | H),
                                                           (1.0, 1, T | H), (1.0, 1, 4), (1.0, 0, 0)])
def test_what_the_part_cannot_do_is_a_config_error(rate_hz, channels, quantities):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=rate_hz, channels=channels, quantities=quantities) == ECONFIG
    assert drv.chip.requests == 0


@settings(max_examples=80, deadline=None)
@given(degc=st.floats(-40.0, 125.0), rh=st.floats(0.0, 100.0))
def test_decoded_values_equal_the_physical_values_within_one_lsb(degc, rh):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=10.0, channels=2, quantities=T | H) == OK
    drv.chip.set_environment(degc, rh)
    drv.chip.complete()
    assert drv.poll() == 1
    ((t, h),) = drv.drain()
    assert abs(t - degc) <= 165 / 16383
    assert abs(h - rh) <= 100 / 16383


def test_a_fetch_before_the_conversion_ends_is_stale_and_gives_nothing():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=10.0, channels=1, quantities=H) == OK
    assert drv.poll() == 0                 # still converting: status 01
    assert drv.chip.requests == 1          # no new request while one is pending
    drv.chip.set_environment(20.0, 33.0)
    drv.chip.complete()
    assert drv.poll() == 1
    assert drv.chip.requests == 2          # the next measurement was requested
    assert drv.poll() == 0                 # its data is not there yet
    assert drv.drain() == [[pytest.approx(33.0, abs=0.01)]]


@pytest.mark.parametrize("quantities, want", [(T, [21.0]), (H, [45.0]), (T | H, [21.0, 45.0])])
def test_quantities_select_the_channels_in_order(quantities, want):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=1.0, channels=len(want), quantities=quantities) == OK
    drv.chip.set_environment(21.0, 45.0)
    drv.chip.complete()
    assert drv.poll() == 1
    assert drv.drain() == [pytest.approx(want, abs=0.011)]


def test_a_nack_is_a_bus_error_at_init_and_at_poll():
    drv = _driver()
    drv.chip.nack = True
    assert drv.init(ADDR, rate_hz=1.0, channels=1, quantities=T) == EBUS
    drv.chip.nack = False
    assert drv.init(ADDR, rate_hz=1.0, channels=1, quantities=T) == OK
    drv.chip.nack = True
    assert drv.poll() == EBUS


def test_no_part_at_the_address_is_a_bus_error():
    drv = _driver()
    assert drv.init(0x45, rate_hz=1.0, channels=1, quantities=T) == EBUS
