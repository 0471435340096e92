"""The LSM9DS1 driver (codegen/runtime/sensors/lsm9ds1.c) against the register-level model of the
part (tests/codegen/sensors/models/lsm9ds1.py) — a model of the datasheet, not the chip."""
import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models.lsm9ds1 import (
    ACCEL_G_PER_LSB, CTRL_REG1_G, CTRL_REG6_XL, CTRL_REG8, CTRL_REG9, FIFO_CTRL, Lsm9ds1AccelGyro,
    Lsm9ds1Mag)
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
AG, MAG = 0x6B, 0x1E


def _driver(chip=None, mag=None):
    drv = SensorDriver("lsm9ds1")
    drv.chip = chip or Lsm9ds1AccelGyro()
    drv.mag = mag or Lsm9ds1Mag()
    drv.bus.attach(0, AG, drv.chip)
    drv.bus.attach(0, MAG, drv.mag)
    return drv


def test_init_resets_then_sets_bdu_odr_range_and_a_continuous_fifo():
    drv = _driver()
    assert drv.init(AG, rate_hz=119.0, full_scale=4.0, channels=6) == OK
    assert drv.chip.writes == [
        (CTRL_REG8, 0x05),          # SW_RESET with IF_ADD_INC kept
        (CTRL_REG8, 0x44),          # BDU + IF_ADD_INC
        (CTRL_REG6_XL, 0x70),       # ODR code 011 (119 Hz), FS_XL 10 (4 g)
        (CTRL_REG1_G, 0x78),        # ODR_G 011 (119 Hz), FS_G 11 (2000 dps)
        (CTRL_REG9, 0x02),          # FIFO_EN
        (FIFO_CTRL, 0xC0),          # continuous mode
    ]
    assert drv.delays_us and drv.delays_us[0] >= 10000
    assert drv.mag.writes == []  # 6 channels: the magnetometer is left alone


@pytest.mark.parametrize("rate_hz, odr_hz", [(1.0, 14.9), (14.9, 14.9), (50.0, 59.5), (100.0, 119.0),
                                             (119.0, 119.0), (200.0, 238.0), (400.0, 476.0),
                                             (952.0, 952.0)])
def test_the_output_data_rate_is_the_first_at_or_above_the_rate(rate_hz, odr_hz):
    drv = _driver()
    assert drv.init(AG, rate_hz=rate_hz, channels=6) == OK
    assert drv.chip.odr_hz == odr_hz
    assert drv.chip.regs[CTRL_REG6_XL] >> 5 == drv.chip.regs[CTRL_REG1_G] >> 5


@pytest.mark.parametrize("rate_hz", [0.0, -5.0, 953.0, 4000.0])
def test_a_rate_the_part_cannot_do_is_a_config_error(rate_hz):
    assert _driver().init(AG, rate_hz=rate_hz, channels=6) == ECONFIG


@pytest.mark.parametrize("full_scale, range_g", [(0.0, 2), (2.0, 2), (3.0, 4), (4.0, 4), (8.0, 8),
                                                 (16.0, 16)])
def test_the_accelerometer_range_is_the_smallest_covering_full_scale(full_scale, range_g):
    drv = _driver()
    assert drv.init(AG, rate_hz=119.0, full_scale=full_scale, channels=6) == OK
    assert drv.chip.accel_range_g == range_g
    assert drv.chip.gyro_range_dps == 2000


@pytest.mark.parametrize("full_scale, channels", [(32.0, 6), (4.0, 4), (4.0, 0)])
def test_a_range_or_channel_count_the_part_cannot_do_is_a_config_error(full_scale, channels):
    assert _driver().init(AG, rate_hz=119.0, full_scale=full_scale, channels=channels) == ECONFIG


@settings(max_examples=40, deadline=None)
@given(fs=st.sampled_from([2.0, 4.0, 8.0, 16.0]), data=st.data())
def test_decoded_samples_equal_the_physical_values_within_one_lsb(fs, data):
    drv = _driver()
    assert drv.init(AG, rate_hz=119.0, full_scale=fs, channels=6) == OK
    accel = data.draw(st.lists(st.floats(-fs * 0.99, fs * 0.99), min_size=3, max_size=3))
    gyro = data.draw(st.lists(st.floats(-1990.0, 1990.0), min_size=3, max_size=3))
    drv.chip.produce(accel, gyro)
    assert drv.poll() == 1
    (got,) = drv.drain()
    lsb_g = ACCEL_G_PER_LSB[(drv.chip.regs[CTRL_REG6_XL] >> 3) & 3]
    for want, have in zip(accel, got[:3]):
        assert abs(want - have) <= lsb_g
    for want, have in zip(gyro, got[3:]):
        assert abs(want - have) <= 70e-3


def test_poll_drains_the_fifo_oldest_first():
    drv = _driver()
    assert drv.init(AG, rate_hz=119.0, full_scale=2.0, channels=6) == OK
    for i in range(20):
        drv.chip.produce([i * 0.01, 0.0, 1.0], [i * 1.0, 0.0, 0.0])
    assert drv.poll() == 20
    got = drv.drain()
    assert [round(s[3]) for s in got] == list(range(20))
    assert drv.poll() == 0 and drv.overruns == 0


def test_a_fifo_overflow_is_counted_and_the_newest_sets_survive():
    drv = _driver()
    assert drv.init(AG, rate_hz=119.0, channels=3) == OK
    for i in range(40):
        drv.chip.produce([i * 0.01, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert drv.poll() == 32
    assert drv.overruns == 1
    got = drv.drain()
    assert round(got[0][0] / 0.01) == 8  # sets 0..7 were overwritten in the chip
    assert len(got[0]) == 3


def test_decimation_gives_exactly_the_rate_from_a_faster_output_data_rate():
    drv = _driver()
    assert drv.init(AG, rate_hz=100.0, channels=6) == OK  # ODR 119 Hz
    total = 0
    for _ in range(119 * 2 // 17):  # two seconds of chip samples, polled every 17 sets
        for _ in range(17):
            drv.chip.produce([0.5, -0.25, 1.0], [10.0, 0.0, -10.0])
        total += drv.poll()
    assert total == 200
    got = drv.drain()
    assert len(got) == 200
    assert all(abs(s[0] - 0.5) < 1e-3 and abs(s[3] - 10.0) < 0.07 for s in got)


def test_decimation_averages_the_chip_samples_it_merges():
    drv = _driver()
    assert drv.init(AG, rate_hz=59.5 / 2, channels=3) == OK  # ODR 59.5 Hz, every second set out
    for v in [0.1, 0.3, 0.5, 0.7]:
        drv.chip.produce([v, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert drv.poll() == 2
    assert [round(s[0], 3) for s in drv.drain()] == [0.2, 0.6]


def test_nine_channels_append_the_magnetometer_in_gauss():
    drv = _driver()
    assert drv.init(AG, rate_hz=119.0, channels=9) == OK
    assert drv.mag.regs[0x22] & 3 == 0 and drv.mag.regs[0x24] & 0x40  # continuous, BDU
    drv.mag.produce([0.25, -0.5, 1.5])
    drv.chip.produce([0.0, 0.0, 1.0], [0.0, 0.0, 0.0])
    drv.chip.produce([0.0, 0.0, 1.0], [0.0, 0.0, 0.0])
    assert drv.poll() == 2
    for s in drv.drain():  # held for every set until the next reading
        assert [round(v, 3) for v in s[6:]] == [0.25, -0.5, 1.5]


@settings(max_examples=30, deadline=None)
@given(gauss=st.lists(st.floats(-3.99, 3.99), min_size=3, max_size=3))
def test_magnetometer_values_equal_the_physical_values_within_one_lsb(gauss):
    drv = _driver()
    assert drv.init(AG, rate_hz=119.0, channels=9) == OK
    drv.mag.produce(gauss)
    drv.chip.produce([0.0, 0.0, 1.0], [0.0, 0.0, 0.0])
    assert drv.poll() == 1
    (got,) = drv.drain()
    assert all(abs(w - h) <= drv.mag.gauss_per_lsb for w, h in zip(gauss, got[6:]))


def test_a_wrong_who_am_i_is_an_identity_error():
    chip = Lsm9ds1AccelGyro()
    chip.regs[0x0F] = 0x6A
    drv = _driver(chip)
    assert drv.init(AG, rate_hz=119.0, channels=6) == EID
    assert chip.writes == []


def test_a_wrong_magnetometer_id_is_an_identity_error():
    mag = Lsm9ds1Mag()
    mag.regs[0x0F] = 0x00
    assert _driver(mag=mag).init(AG, rate_hz=119.0, channels=9) == EID


def test_a_nack_is_a_bus_error_at_init_and_at_poll():
    drv = _driver()
    drv.chip.nack = True
    assert drv.init(AG, rate_hz=119.0, channels=6) == EBUS
    drv.chip.nack = False
    assert drv.init(AG, rate_hz=119.0, channels=6) == OK
    drv.chip.nack = True
    assert drv.poll() == EBUS


def test_an_absent_part_is_a_bus_error():
    drv = _driver()
    assert drv.init(0x6A, rate_hz=119.0, channels=6) == EBUS
