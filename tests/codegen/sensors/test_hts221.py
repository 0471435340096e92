"""The HTS221 driver (codegen/runtime/sensors/hts221.c) against the register-level model of the part
(tests/codegen/sensors/models/hts221.py) — a model of the datasheet, not the chip."""
import pytest
from hypothesis import assume, given, settings, strategies as st

from tests.codegen.sensors.models.hts221 import Calibration, Hts221Model
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
T, H = 1, 2
ADDR = 0x5F


def _driver(chip=None):
    drv = SensorDriver("hts221")
    drv.chip = chip or Hts221Model()
    drv.bus.attach(0, ADDR, drv.chip)
    return drv


def test_init_reads_the_calibration_then_powers_on_with_bdu_at_the_rate():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=7.0, channels=2, quantities=T | H) == OK
    assert drv.chip.writes == [(0x10, 0x1B), (0x20, 0x86)]  # AV_CONF; PD + BDU + ODR 10 (7 Hz)
    reads = [(w, len(r)) for _, _, w, r in drv.bus.log if r]
    assert (bytes([0xB0]), 16) in reads  # 30h..3Fh in one auto-incremented read


@pytest.mark.parametrize("rate_hz, odr_hz", [(0.5, 1.0), (1.0, 1.0), (5.0, 7.0), (7.0, 7.0),
                                             (10.0, 12.5), (12.5, 12.5)])
def test_the_output_data_rate_is_the_first_at_or_above_the_rate(rate_hz, odr_hz):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=rate_hz, channels=1, quantities=T) == OK
    assert drv.chip.odr_hz == odr_hz


@pytest.mark.parametrize("rate_hz, channels, quantities", [(13.0, 2, T | H), (0.0, 1, T), (1.0, 1, 0),
                                                           (1.0, 2, T), (1.0, 1, 4), (1.0, 2, T | 4)])
def test_a_rate_or_quantity_the_part_cannot_do_is_a_config_error(rate_hz, channels, quantities):
    assert _driver().init(ADDR, rate_hz=rate_hz, channels=channels, quantities=quantities) == ECONFIG


cals = st.builds(
    Calibration,
    t0_degc_x8=st.integers(0, 8 * 25), t1_degc_x8=st.integers(8 * 35, 8 * 60),
    t0_out=st.integers(-8000, 0), t1_out=st.integers(2000, 12000),
    h0_rh_x2=st.integers(20, 80), h1_rh_x2=st.integers(120, 180),
    h0_t0_out=st.integers(-12000, -2000), h1_t0_out=st.integers(2000, 12000))


@settings(max_examples=60, deadline=None)
@given(cal=cals, degc=st.floats(-40.0, 120.0), rh=st.floats(0.0, 100.0))
def test_decoded_values_equal_the_physical_values_within_one_count(cal, degc, rh):
    drv = _driver(Hts221Model(cal))
    t_out, h_out = drv.chip.counts(degc, rh)
    assume(-32768 < t_out < 32767 and -32768 < h_out < 32767)  # representable with this calibration
    assert drv.init(ADDR, rate_hz=12.5, channels=2, quantities=T | H) == OK
    drv.chip.produce(degc, rh)
    assert drv.poll() == 1
    (got,) = drv.drain()
    t_count = (cal.t1 - cal.t0) / (cal.t1_out - cal.t0_out)
    h_count = (cal.h1 - cal.h0) / (cal.h1_t0_out - cal.h0_t0_out)
    assert abs(got[0] - degc) <= t_count * 1.01
    assert abs(got[1] - rh) <= h_count * 1.01


@pytest.mark.parametrize("quantities, index", [(T, 0), (H, 1)])
def test_one_quantity_gives_one_channel(quantities, index):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=1.0, channels=1, quantities=quantities) == OK
    drv.chip.produce(21.5, 40.0)
    assert drv.poll() == 1
    (got,) = drv.drain()
    assert got == pytest.approx([[21.5, 40.0][index]], abs=0.02)


def test_humidity_is_limited_to_100_percent():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=1.0, channels=1, quantities=H) == OK
    drv.chip.produce(20.0, 104.0)   # the counts of 104 %RH: the part can report them
    assert drv.poll() == 1
    assert drv.drain() == [[100.0]]


def test_poll_waits_for_a_new_sample_and_reads_each_once():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=1.0, channels=2, quantities=T | H) == OK
    assert drv.poll() == 0
    drv.chip.produce(25.0, 50.0)
    assert drv.poll() == 1
    assert drv.poll() == 0
    assert len(drv.drain()) == 1


def test_decimation_gives_exactly_the_rate():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=5.0, channels=1, quantities=T) == OK  # ODR 7 Hz
    total = 0
    for _ in range(70):
        drv.chip.produce(30.0, 50.0)
        total += drv.poll()
    assert total == 50


def test_a_wrong_who_am_i_is_an_identity_error():
    chip = Hts221Model()
    chip.regs[0x0F] = 0xBD
    assert _driver(chip).init(ADDR, rate_hz=1.0, channels=1, quantities=T) == EID


def test_a_blank_calibration_is_an_identity_error():
    chip = Hts221Model()
    chip.regs[0x30:0x40] = bytes(16)
    assert _driver(chip).init(ADDR, rate_hz=1.0, channels=1, quantities=T) == EID


def test_a_nack_is_a_bus_error_at_init_and_at_poll():
    drv = _driver()
    drv.chip.nack = True
    assert drv.init(ADDR, rate_hz=1.0, channels=1, quantities=T) == EBUS
    drv.chip.nack = False
    assert drv.init(ADDR, rate_hz=1.0, channels=1, quantities=T) == OK
    drv.chip.nack = True
    assert drv.poll() == EBUS
