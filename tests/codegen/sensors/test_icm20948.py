"""The ICM-20948 driver (codegen/runtime/sensors/icm20948.c) on the host over the I2C shim, against
the register-level chip model in models/icm20948.py (a model, not the chip)."""
from __future__ import annotations

import ctypes

import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models import icm20948 as icm
from tests.hostmodel import I2CBus, build

EXTRA = r"""
#include "sensors/icm20948.h"
static tms_icm20948_t state;
static float ring_values[6 * 4096];
static tms_sample_ring_t ring;
int t_init(uint8_t address, float rate_hz, float full_scale, uint8_t channels)
{
    tms_sensor_bus_t bus = {0u, address, 0xFFu, 0xFFu};
    tms_sensor_config_t cfg = {rate_hz, full_scale, channels, 0u};
    tms_ring_init(&ring, ring_values, 4096u, channels);
    return tms_icm20948_init(&state, &bus, &cfg);
}
int t_poll(void) { return tms_icm20948_poll(&state, &ring); }
int t_pop(float *out) { return tms_ring_pop(&ring, out); }
uint32_t t_count(void) { return tms_ring_count(&ring); }
uint32_t t_overruns(void) { return ring.overruns; }
"""


@pytest.fixture(scope="module")
def lib():
    lib = build(["sensors/icm20948.c", "sensors/tms_sensor.c"], i2c=True, extra_c=EXTRA)
    lib.t_init.argtypes = [ctypes.c_uint8, ctypes.c_float, ctypes.c_float, ctypes.c_uint8]
    lib.t_overruns.restype = ctypes.c_uint32
    return lib


def _start(lib, rate_hz=100.0, full_scale=0.0, channels=6, address=0, chip_address=0x68, chip=None):
    chip = chip or icm.Icm20948Model()
    bus = I2CBus()
    bus.attach(0, chip_address, chip)
    with lib.attached(i2c=bus):
        rc = lib.t_init(address, rate_hz, full_scale, channels)
    return chip, bus, rc


def _run(lib, bus, chip, seconds, poll_every_s):
    """Time passes; the pipeline polls every `poll_every_s`."""
    steps = round(seconds / poll_every_s)
    with lib.attached(i2c=bus):
        for _ in range(steps):
            chip.advance(poll_every_s)
            assert lib.t_poll() >= 0


def _samples(lib, channels):
    out, buf = [], (ctypes.c_float * channels)()
    while lib.t_pop(buf):
        out.append(list(buf))
    return out


def test_init_finds_the_chip_by_who_am_i_and_leaves_it_awake_in_bank_0(lib):
    chip, _, rc = _start(lib)
    assert rc == 0
    assert chip.resets == 1
    assert chip.awake and chip.reg(0, icm.PWR_MGMT_1) & 7 == 1  # auto clock
    assert chip.bank == 0
    assert chip.gyro_on and chip.accel_on


def test_a_chip_that_is_not_an_icm20948_is_refused(lib):
    chip = icm.Icm20948Model()
    chip.regs[(0, icm.WHO_AM_I)] = 0xE0
    _, _, rc = _start(lib, chip=chip)
    assert rc == -11  # TMS_SENSOR_EID


def test_no_chip_at_the_address_is_a_bus_error(lib):
    _, _, rc = _start(lib, chip_address=0x69)
    assert rc == -10  # TMS_SENSOR_EBUS


def test_the_bus_address_names_the_chip(lib):
    chip, _, rc = _start(lib, address=0x69, chip_address=0x69)
    assert rc == 0 and chip.awake


def test_the_accelerometer_range_is_the_nodes_full_scale_and_the_gyroscope_runs_at_2000dps(lib):
    for fs in (2, 4, 8, 16):
        chip, _, _ = _start(lib, full_scale=float(fs))
        assert chip.accel_fs_g == fs and chip.gyro_fs_dps == 2000
        assert chip.reg(2, icm.ACCEL_CONFIG) & 1 and chip.reg(2, icm.GYRO_CONFIG_1) & 1  # DLPF on


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(5.0, 1100.0))
def test_each_sensor_runs_at_its_lowest_output_data_rate_not_below_the_nodes_rate(lib, rate):
    chip, _, rc = _start(lib, rate_hz=rate)
    assert rc == 0
    r = float(ctypes.c_float(rate).value)
    a_div = ((chip.reg(2, icm.ACCEL_SMPLRT_DIV_1) & 0xF) << 8) | chip.reg(2, icm.ACCEL_SMPLRT_DIV_2)
    g_div = chip.reg(2, icm.GYRO_SMPLRT_DIV)
    assert chip.accel_odr_hz >= r * (1 - 1e-6) and 1125.0 / (a_div + 2) < r * (1 + 1e-6)
    assert chip.gyro_odr_hz >= r * (1 - 1e-6)
    assert g_div == 255 or 1100.0 / (g_div + 2) < r * (1 + 1e-6)


def test_an_accelerometer_only_node_leaves_the_gyroscope_off(lib):
    chip, _, rc = _start(lib, channels=3)
    assert rc == 0 and chip.accel_on and not chip.gyro_on


@pytest.mark.parametrize("rate,fs,channels", [(100.0, 3.0, 6), (100.0, 2.0, 4), (2000.0, 2.0, 6),
                                              (0.0, 2.0, 6)])
def test_a_range_rate_or_channel_count_the_part_cannot_do_is_refused(lib, rate, fs, channels):
    chip, _, rc = _start(lib, rate_hz=rate, full_scale=fs, channels=channels)
    assert rc == -12
    assert not chip.awake


def test_samples_are_accel_in_g_then_gyro_in_dps(lib):
    chip, bus, _ = _start(lib, full_scale=4.0)
    chip.accel_g = (0.5, -1.0, 3.9)
    chip.gyro_dps = (100.0, -250.0, 1990.0)
    _run(lib, bus, chip, 0.05, 0.01)
    got = _samples(lib, 6)
    assert got
    for s in got:
        assert s[:3] == pytest.approx([0.5, -1.0, 3.9], abs=1 / 8192)
        assert s[3:] == pytest.approx([100.0, -250.0, 1990.0], abs=1 / 16.4)


def test_values_beyond_the_range_saturate_at_full_scale(lib):
    chip, bus, _ = _start(lib, full_scale=2.0, channels=3)
    chip.accel_g = (-5.0, 5.0, 0.0)
    _run(lib, bus, chip, 0.03, 0.01)
    s = _samples(lib, 3)[-1]
    assert s == pytest.approx([-2.0, 32767 / 16384, 0.0])


def test_poll_without_a_new_sample_delivers_nothing(lib):
    chip, bus, _ = _start(lib)
    _run(lib, bus, chip, 0.02, 0.01)
    _samples(lib, 6)
    with lib.attached(i2c=bus):
        assert lib.t_poll() == 0


@pytest.mark.parametrize("channels", [3, 6])
@pytest.mark.parametrize("rate", [30.0, 50.0, 104.0, 400.0])
def test_the_delivered_rate_is_the_nodes_rate_though_the_odr_differs(lib, rate, channels):
    chip, bus, _ = _start(lib, rate_hz=rate, channels=channels)
    seconds = 4.0
    _run(lib, bus, chip, seconds, 0.5 / chip.gyro_odr_hz)  # polled faster than the ODR
    assert abs(lib.t_count() - rate * seconds) <= 2
    assert lib.t_overruns() == 0


def test_an_accelerometer_only_node_queues_its_samples_in_the_fifo(lib):
    chip, _, _ = _start(lib, channels=3)
    assert chip.reg(0, icm.USER_CTRL) & 0x40                 # FIFO_EN
    assert chip.reg(0, icm.FIFO_EN_2) == 0x10                # accelerometer records only
    assert chip.reg(0, icm.FIFO_MODE) & 1                    # snapshot: records stay whole


def _pause_then_poll(lib, bus, chip, seconds, step_s=0.01):
    """The pipeline is busy (no poll) while the accelerometer's x value counts up every step."""
    for i in range(round(seconds / step_s)):
        chip.accel_g = (i / 1000.0, 0.0, 1.0)
        chip.advance(step_s)
    with lib.attached(i2c=bus):
        return lib.t_poll()


def test_samples_taken_while_the_pipeline_is_busy_arrive_in_order_from_the_fifo(lib):
    chip, bus, _ = _start(lib, rate_hz=1125 / 11, channels=3)  # the ODR itself: no decimation
    pushed = _pause_then_poll(lib, bus, chip, 0.5)
    got = _samples(lib, 3)
    assert pushed == len(got) and abs(len(got) - 0.5 * chip.accel_odr_hz) <= 1
    xs = [s[0] for s in got]
    assert xs == sorted(xs) and xs[-1] > 0.04
    assert lib.t_overruns() == 0


def test_a_pause_longer_than_the_fifo_counts_an_overrun_and_sampling_goes_on(lib):
    chip, bus, _ = _start(lib, rate_hz=1125 / 11, channels=3)
    pushed = _pause_then_poll(lib, bus, chip, 1.5)
    assert chip.fifo_dropped > 0
    assert pushed == icm.FIFO_BYTES // 6                      # the whole records that fit
    assert lib.t_overruns() >= 1
    before = lib.t_overruns()
    _samples(lib, 3)
    _run(lib, bus, chip, 0.5, 0.05)
    assert abs(len(_samples(lib, 3)) - 0.5 * chip.accel_odr_hz) <= 2
    assert lib.t_overruns() == before
