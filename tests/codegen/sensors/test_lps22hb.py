"""The LPS22HB driver (codegen/runtime/sensors/lps22hb.c) against the register-level model of the
part (tests/codegen/sensors/models/lps22hb.py) — a model of the datasheet, not the chip."""
import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models.lps22hb import CTRL_REG1, CTRL_REG2, FIFO_CTRL, Lps22hbModel
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
T, P = 1, 4


def _driver(address=0x5C, chip=None):
    drv = SensorDriver("lps22hb")
    drv.chip = chip or Lps22hbModel()
    drv.bus.attach(0, address, drv.chip)
    return drv


@pytest.mark.parametrize("address", [0x5C, 0x5D])
def test_init_resets_then_enables_a_stream_fifo_at_the_rate_on_the_bus_address(address):
    drv = _driver(address)
    assert drv.init(address, rate_hz=25.0, channels=2, quantities=T | P) == OK
    assert drv.chip.writes == [(CTRL_REG2, 0x14), (CTRL_REG2, 0x50), (FIFO_CTRL, 0x40),
                               (CTRL_REG1, 0x32)]  # SWRESET; FIFO_EN; stream; ODR 011 + BDU


@pytest.mark.parametrize("rate_hz, odr_hz", [(0.2, 1.0), (1.0, 1.0), (5.0, 10.0), (25.0, 25.0),
                                             (40.0, 50.0), (75.0, 75.0)])
def test_the_output_data_rate_is_the_first_at_or_above_the_rate(rate_hz, odr_hz):
    drv = _driver()
    assert drv.init(0x5C, rate_hz=rate_hz, channels=1, quantities=P) == OK
    assert drv.chip.odr_hz == odr_hz


@pytest.mark.parametrize("rate_hz, channels, quantities", [(76.0, 1, P), (0.0, 1, P), (1.0, 1, 2),
                                                           (1.0, 1, T | P), (1.0, 0, 0)])
def test_a_rate_or_quantity_the_part_cannot_do_is_a_config_error(rate_hz, channels, quantities):
    assert _driver().init(0x5C, rate_hz=rate_hz, channels=channels, quantities=quantities) == ECONFIG


@settings(max_examples=60, deadline=None)
@given(hpa=st.floats(260.0, 1260.0), degc=st.floats(-40.0, 85.0))
def test_decoded_values_equal_the_physical_values_within_one_lsb(hpa, degc):
    drv = _driver()
    assert drv.init(0x5C, rate_hz=75.0, channels=2, quantities=T | P) == OK
    drv.chip.produce(hpa, degc)
    assert drv.poll() == 1
    ((t, p),) = drv.drain()
    assert abs(t - degc) <= 0.01
    assert abs(p - hpa) <= 1 / 4096 + hpa * 2 ** -23   # one LSB, plus float32's own rounding


def test_pressure_alone_is_one_channel():
    drv = _driver()
    assert drv.init(0x5C, rate_hz=1.0, channels=1, quantities=P) == OK
    drv.chip.produce(1013.25, 20.0)
    assert drv.poll() == 1
    assert drv.drain() == [[pytest.approx(1013.25, abs=1e-3)]]


def test_poll_drains_the_fifo_oldest_first():
    drv = _driver()
    assert drv.init(0x5C, rate_hz=10.0, channels=2, quantities=T | P) == OK
    for i in range(20):
        drv.chip.produce(1000.0 + i, 20.0 + i / 10)
    assert drv.poll() == 20
    assert [round(p) for _, p in drv.drain()] == list(range(1000, 1020))
    assert drv.overruns == 0


def test_a_fifo_overflow_is_counted_and_the_newest_slots_survive():
    drv = _driver()
    assert drv.init(0x5C, rate_hz=10.0, channels=1, quantities=P) == OK
    for i in range(45):
        drv.chip.produce(900.0 + i, 20.0)
    assert drv.poll() == 32
    assert drv.overruns == 1
    assert [round(p) for (p,) in drv.drain()] == list(range(913, 945))


def test_decimation_gives_exactly_the_rate():
    drv = _driver()
    assert drv.init(0x5C, rate_hz=20.0, channels=1, quantities=P) == OK  # ODR 25 Hz
    total = 0
    for _ in range(10):
        for _ in range(25):
            drv.chip.produce(1000.0, 20.0)
        total += drv.poll()
    assert total == 200


def test_a_wrong_who_am_i_is_an_identity_error():
    chip = Lps22hbModel()
    chip.regs[0x0F] = 0xBD  # an LPS25H
    assert _driver(chip=chip).init(0x5C, rate_hz=1.0, channels=1, quantities=P) == EID


def test_a_nack_is_a_bus_error_at_init_and_at_poll():
    drv = _driver()
    assert drv.init(0x5D, rate_hz=1.0, channels=1, quantities=P) == EBUS  # nothing at 0x5D
    assert drv.init(0x5C, rate_hz=1.0, channels=1, quantities=P) == OK
    drv.chip.nack = True
    assert drv.poll() == EBUS


def test_the_24_bit_pressure_count_is_twos_complement():
    # no real pressure is negative, but the output format is signed (an offset in RPDS can take a
    # reading below zero): the decoding must sign-extend bit 23
    drv = _driver()
    assert drv.init(0x5C, rate_hz=1.0, channels=1, quantities=P) == OK
    drv.chip.produce(-12.5, 20.0)
    assert drv.poll() == 1
    assert drv.drain() == [[pytest.approx(-12.5, abs=1 / 4096)]]
