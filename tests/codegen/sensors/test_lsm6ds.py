"""The LSM6DSL and LSM6DS3 drivers (codegen/runtime/sensors/lsm6dsl.c, lsm6ds3.c, sharing
tms_st_lsm6ds.h) against register-level models of the parts (tests/codegen/sensors/models/lsm6ds.py)
— models of the datasheets, not the chips."""
import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models.lsm6ds import (
    ACCEL_G_PER_LSB, CTRL1_XL, CTRL2_G, CTRL3_C, FIFO_CTRL3, FIFO_CTRL5, LSM6DS3, LSM6DSL, Lsm6dsModel)
from tests.hostmodel.sensor import SensorDriver

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
ADDR = 0x6A
PARTS = pytest.mark.parametrize("part", [LSM6DSL, LSM6DS3], ids=lambda p: p.name)


def _driver(part, chip=None):
    drv = SensorDriver(part.name, capacity=1024)
    drv.chip = chip or Lsm6dsModel(part)
    drv.bus.attach(0, ADDR, drv.chip)
    return drv


@PARTS
def test_init_resets_then_sets_bdu_odr_range_and_a_continuous_fifo(part):
    drv = _driver(part)
    assert drv.init(ADDR, rate_hz=104.0, full_scale=8.0, channels=6) == OK
    assert drv.chip.writes == [
        (CTRL3_C, 0x05),            # SW_RESET with IF_INC kept
        (CTRL3_C, 0x44),            # BDU + IF_INC
        (CTRL1_XL, 0x4C),           # ODR 0100 (104 Hz), FS_XL 11 (8 g)
        (CTRL2_G, 0x4C),            # ODR 0100, FS_G 11 (2000 dps)
        (FIFO_CTRL3, 0x09),         # gyro and accel in the FIFO, undecimated
        (FIFO_CTRL5, 0x26),         # ODR_FIFO 0100, continuous
    ]


@PARTS
@pytest.mark.parametrize("rate_hz, odr_hz", [(1.0, 12.5), (12.5, 12.5), (25.0, 26.0), (50.0, 52.0),
                                             (100.0, 104.0), (200.0, 208.0), (416.0, 416.0),
                                             (800.0, 833.0), (1660.0, 1660.0)])
def test_the_output_data_rate_is_the_first_at_or_above_the_rate(part, rate_hz, odr_hz):
    drv = _driver(part)
    assert drv.init(ADDR, rate_hz=rate_hz, channels=6) == OK
    assert drv.chip.odr_hz == odr_hz
    assert (drv.chip.regs[FIFO_CTRL5] >> 3) & 0xF == drv.chip.regs[CTRL1_XL] >> 4


@PARTS
@pytest.mark.parametrize("rate_hz", [0.0, 1661.0, 6660.0])
def test_a_rate_the_driver_cannot_carry_is_a_config_error(part, rate_hz):
    assert _driver(part).init(ADDR, rate_hz=rate_hz, channels=6) == ECONFIG


@PARTS
@pytest.mark.parametrize("full_scale, range_g", [(0.0, 2), (2.0, 2), (4.0, 4), (6.0, 8), (16.0, 16)])
def test_the_accelerometer_range_is_the_smallest_covering_full_scale(part, full_scale, range_g):
    drv = _driver(part)
    assert drv.init(ADDR, rate_hz=104.0, full_scale=full_scale, channels=6) == OK
    assert drv.chip.accel_range_g == range_g and drv.chip.gyro_range_dps == 2000


@PARTS
@pytest.mark.parametrize("full_scale, channels", [(17.0, 6), (2.0, 9), (2.0, 1)])
def test_a_range_or_channel_count_the_part_cannot_do_is_a_config_error(part, full_scale, channels):
    assert _driver(part).init(ADDR, rate_hz=104.0, full_scale=full_scale, channels=channels) == ECONFIG


@PARTS
@settings(max_examples=30, deadline=None)
@given(fs=st.sampled_from([2.0, 4.0, 8.0, 16.0]), data=st.data())
def test_decoded_samples_equal_the_physical_values_within_one_lsb(part, fs, data):
    drv = _driver(part)
    assert drv.init(ADDR, rate_hz=104.0, full_scale=fs, channels=6) == OK
    accel = data.draw(st.lists(st.floats(-fs * 0.99, fs * 0.99), min_size=3, max_size=3))
    gyro = data.draw(st.lists(st.floats(-1990.0, 1990.0), min_size=3, max_size=3))
    drv.chip.produce(accel, gyro)
    assert drv.poll() == 1
    (got,) = drv.drain()
    lsb = ACCEL_G_PER_LSB[(drv.chip.regs[CTRL1_XL] >> 2) & 3]
    assert all(abs(w - h) <= lsb for w, h in zip(accel, got[:3]))
    assert all(abs(w - h) <= 70e-3 for w, h in zip(gyro, got[3:]))


@PARTS
def test_poll_drains_the_fifo_oldest_first_accel_then_gyro_channels(part):
    drv = _driver(part)
    assert drv.init(ADDR, rate_hz=104.0, channels=6) == OK
    for i in range(50):
        drv.chip.produce([0.01 * i, -0.5, 1.0], [float(i), 2.0, -3.0])
    assert drv.poll() == 50
    got = drv.drain()
    assert [round(s[0] / 0.01) for s in got] == list(range(50))
    assert [round(s[3]) for s in got] == list(range(50))
    assert all(abs(s[1] + 0.5) < 1e-3 and abs(s[5] + 3.0) < 0.07 for s in got)
    assert drv.overruns == 0 and drv.poll() == 0


@PARTS
def test_a_fifo_overflow_is_counted_and_poll_realigns_on_the_next_whole_set(part):
    drv = _driver(part)
    assert drv.init(ADDR, rate_hz=104.0, channels=3) == OK
    sets = part.fifo_words // 6 + 30
    for i in range(sets):
        drv.chip.produce([0.001 * i, 0.0, 0.0], [0.0, 0.0, 0.0])
    whole = part.fifo_words // 6      # the FIFO keeps the newest words; the oldest set is partial
    assert part.fifo_words % 6 != 0 and drv.chip.pattern != 0
    assert drv.poll() == whole
    assert drv.overruns == 1
    got = drv.drain()
    assert [round(s[0] / 0.001) for s in got] == list(range(sets - whole, sets))


@PARTS
def test_decimation_gives_exactly_the_rate_from_a_faster_output_data_rate(part):
    drv = _driver(part)
    assert drv.init(ADDR, rate_hz=100.0, channels=6) == OK  # ODR 104 Hz
    total = 0
    for _ in range(8):
        for _ in range(52):
            drv.chip.produce([0.25, 0.0, 1.0], [5.0, 0.0, 0.0])
        total += drv.poll()
    assert total == 400                   # 4 s of chip samples (416) at exactly 100 Hz
    assert len(drv.drain()) == 400


@PARTS
def test_a_wrong_who_am_i_is_an_identity_error(part):
    other = LSM6DS3 if part is LSM6DSL else LSM6DSL
    drv = _driver(part, Lsm6dsModel(other))
    assert drv.init(ADDR, rate_hz=104.0, channels=6) == EID
    assert drv.chip.writes == []


@PARTS
def test_a_nack_is_a_bus_error_at_init_and_at_poll(part):
    drv = _driver(part)
    drv.chip.nack = True
    assert drv.init(ADDR, rate_hz=104.0, channels=6) == EBUS
    drv.chip.nack = False
    assert drv.init(ADDR, rate_hz=104.0, channels=6) == OK
    drv.chip.nack = True
    assert drv.poll() == EBUS
