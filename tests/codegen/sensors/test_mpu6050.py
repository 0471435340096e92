"""The MPU-6050 driver (codegen/runtime/sensors/mpu6050.c) against the register-level model of the
part (tests/codegen/sensors/models/mpu6050.py) — a model of the datasheet, not the chip."""
import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models.mpu6050 import (
    ACCEL_CONFIG, ACCEL_LSB_PER_G, CONFIG, FIFO_EN, GYRO_CONFIG, INT_ENABLE, PWR_MGMT_1, SMPLRT_DIV,
    USER_CTRL, Mpu6050Model)
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
ADDR = 0x68


def _driver(chip=None):
    drv = SensorDriver("mpu6050")
    drv.chip = chip or Mpu6050Model()
    drv.bus.attach(0, ADDR, drv.chip)
    return drv


def test_init_resets_wakes_and_sets_rate_filter_ranges_and_the_fifo():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=100.0, full_scale=4.0, channels=6) == OK
    assert drv.chip.writes == [
        (PWR_MGMT_1, 0x80), (PWR_MGMT_1, 0x01),     # reset; awake on the X-gyro PLL
        (CONFIG, 0x03), (SMPLRT_DIV, 9),            # DLPF 44 Hz; 1 kHz / 10 = 100 Hz
        (GYRO_CONFIG, 0x18), (ACCEL_CONFIG, 0x08),  # 2000 deg/s; 4 g
        (INT_ENABLE, 0x10), (USER_CTRL, 0x04), (USER_CTRL, 0x40), (FIFO_EN, 0x78)]
    assert drv.delays_us[0] >= 100000


@pytest.mark.parametrize("rate_hz, sample_hz", [(1000.0, 1000.0), (500.0, 500.0), (400.0, 500.0),
                                                (119.0, 125.0), (100.0, 100.0), (50.0, 50.0),
                                                (3.0, 1000 / 256)])
def test_the_sample_rate_is_the_first_at_or_above_the_rate_with_a_filter_below_half(rate_hz, sample_hz):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=rate_hz, channels=6) == OK
    assert drv.chip.sample_rate_hz == pytest.approx(sample_hz)
    assert drv.chip.dlpf_bandwidth_hz <= max(sample_hz / 2, 5)


@pytest.mark.parametrize("full_scale, range_g", [(0.0, 2), (2.0, 2), (3.0, 4), (8.0, 8), (16.0, 16)])
def test_the_accelerometer_range_is_the_smallest_covering_full_scale(full_scale, range_g):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=100.0, full_scale=full_scale, channels=6) == OK
    assert drv.chip.accel_range_g == range_g


@pytest.mark.parametrize("rate_hz, full_scale, channels", [(1001.0, 2.0, 6), (0.0, 2.0, 6),
                                                           (100.0, 32.0, 6), (100.0, 2.0, 9)])
def test_what_the_part_cannot_do_is_a_config_error(rate_hz, full_scale, channels):
    assert _driver().init(ADDR, rate_hz=rate_hz, full_scale=full_scale, channels=channels) == ECONFIG


@settings(max_examples=40, deadline=None)
@given(fs=st.sampled_from([2.0, 4.0, 8.0, 16.0]), data=st.data())
def test_decoded_samples_equal_the_physical_values_within_one_lsb(fs, data):
    drv = _driver()
    assert drv.init(ADDR, rate_hz=100.0, full_scale=fs, channels=6) == OK
    accel = data.draw(st.lists(st.floats(-fs * 0.99, fs * 0.99), min_size=3, max_size=3))
    gyro = data.draw(st.lists(st.floats(-1990.0, 1990.0), min_size=3, max_size=3))
    drv.chip.produce(accel, gyro)
    assert drv.poll() == 1
    (got,) = drv.drain()
    lsb = 1 / ACCEL_LSB_PER_G[(drv.chip.regs[ACCEL_CONFIG] >> 3) & 3]
    assert all(abs(w - h) <= lsb for w, h in zip(accel, got[:3]))
    assert all(abs(w - h) <= 1 / 16.4 for w, h in zip(gyro, got[3:]))


def test_poll_drains_the_fifo_oldest_first():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=100.0, channels=6) == OK
    for i in range(80):
        drv.chip.produce([0.01 * i, 0.0, 1.0], [float(i), 0.0, 0.0])
    assert drv.poll() == 80
    got = drv.drain()
    assert [round(s[0] / 0.01) for s in got] == list(range(80))
    assert [round(s[3]) for s in got] == list(range(80))
    assert drv.overruns == 0


def test_a_fifo_overflow_is_counted_and_the_fifo_restarted():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=100.0, channels=3) == OK
    for i in range(90):                 # 1080 bytes into a 1024-byte FIFO
        drv.chip.produce([0.001 * i, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert drv.poll() == 0
    assert drv.overruns == 1024 // 12 + 1
    assert len(drv.chip.fifo) == 0      # FIFO_RESET: the next sets start on a boundary
    drv.chip.produce([0.5, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert drv.poll() == 1
    assert drv.drain()[0][0] == pytest.approx(0.5, abs=1e-4)


def test_decimation_gives_exactly_the_rate():
    drv = _driver()
    assert drv.init(ADDR, rate_hz=119.0, channels=6) == OK   # sample rate 125 Hz
    total = 0
    for _ in range(10):
        for _ in range(25):
            drv.chip.produce([0.0, 0.0, 1.0], [0.0, 0.0, 0.0])
        total += drv.poll()
    assert total == 238                  # 2 s of 125 Hz samples at exactly 119 Hz


def test_a_wrong_who_am_i_is_an_identity_error():
    chip = Mpu6050Model()
    chip.regs[0x75] = 0x70   # an MPU-6500
    drv = _driver(chip)
    assert drv.init(ADDR, rate_hz=100.0, channels=6) == EID
    assert chip.writes == []


def test_a_nack_is_a_bus_error_at_init_and_at_poll():
    drv = _driver()
    drv.chip.nack = True
    assert drv.init(ADDR, rate_hz=100.0, channels=6) == EBUS
    drv.chip.nack = False
    assert drv.init(ADDR, rate_hz=100.0, channels=6) == OK
    drv.chip.nack = True
    assert drv.poll() == EBUS
