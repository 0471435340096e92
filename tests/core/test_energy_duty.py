"""The energy estimate's duty cycle: the work per period plus the wake-ups at the sample tick, with
the board's active and sleep currents; every expected value below is worked out by hand."""
import dataclasses

import pytest
from hypothesis import given, strategies as st

from studio.core.energy import (BATTERIES, MAX_WAKE_HZ, WAKE_OVERHEAD_CYCLES, estimate_energy,
                                samples_per_wake)


@pytest.fixture
def mcu(board):
    # 10 MHz, 3 V, 1000 µA awake, 10 µA asleep: round numbers to compute by hand
    return dataclasses.replace(board, clock_hz=10_000_000, supply_mv=3000, active_current_ua=1000,
                               sleep_current_ua=10, sleeps_between_samples=True)


def test_duty_cycle_is_work_plus_wake_ups_over_the_period(mcu):
    # 25 Hz sensor, a window every 1 s: 25 wakes of 64 cycles at 10 MHz = 160 µs; work 9,840 µs
    e = estimate_energy(mcu, active_us=9_840.0, period_us=1_000_000.0, sample_rate_hz=25.0)
    assert e.wakes_per_period == pytest.approx(25.0)
    assert e.wake_overhead_us == pytest.approx(25 * WAKE_OVERHEAD_CYCLES / 10.0)
    assert e.active_us == pytest.approx(10_000.0)
    assert e.duty_cycle == pytest.approx(0.01)
    assert e.sleep_us == pytest.approx(990_000.0)


def test_average_current_weights_active_and_sleep_currents_by_the_duty_cycle(mcu):
    e = estimate_energy(mcu, active_us=9_840.0, period_us=1_000_000.0, sample_rate_hz=25.0)
    # 1000 µA · 0.01 + 10 µA · 0.99 = 19.9 µA; at 3 V that is 59.7 µW
    assert e.average_current_ua == pytest.approx(19.9)
    assert e.average_power_uw == pytest.approx(59.7)


def test_battery_life_is_battery_energy_over_average_power(mcu):
    e = estimate_energy(mcu, active_us=9_840.0, period_us=1_000_000.0, battery=BATTERIES["CR2032"],
                        sample_rate_hz=25.0)
    # 3 V · 240 mAh = 720 mWh; 720 mWh / 0.0597 mW = 12,060.3 h = 502.5 days
    assert e.battery_life_days == pytest.approx(720 / 0.0597 / 24)
    assert e.to_json()["battery"] == "CR2032"
    assert e.to_json()["battery_life_days"] == pytest.approx(502.51, abs=0.01)


def test_energy_per_inference_counts_the_wake_ups_too(mcu):
    e = estimate_energy(mcu, active_us=9_840.0, period_us=1_000_000.0, sample_rate_hz=25.0)
    # 3 V · 1 mA = 3 mW, for the 10 ms awake (work and wake-ups): 30 µJ
    assert e.energy_per_inference_uj == pytest.approx(30.0)


def test_fast_sensors_wake_once_per_block_of_samples(mcu):
    # 16 kHz audio in blocks of 640: 25 wakes a second, 160 µs of wake-ups a second at 10 MHz
    e = estimate_energy(mcu, active_us=0.0, period_us=1_000_000.0, sample_rate_hz=16_000.0)
    assert e.samples_per_wake == 640
    assert e.wakes_per_period == pytest.approx(25.0)
    assert e.wake_overhead_us == pytest.approx(160.0)
    assert any("640 at a time" in n for n in e.notes)


def test_a_core_busy_for_the_whole_period_cannot_sleep(mcu):
    e = estimate_energy(mcu, active_us=1_200.0, period_us=1_000.0, sample_rate_hz=100.0)
    assert e.duty_cycle == 1.0
    assert e.average_current_ua == pytest.approx(1000.0)
    assert any("cannot sleep" in n for n in e.notes)


def test_a_note_when_the_tick_overhead_dominates_the_work(mcu):
    # 1 kHz in blocks of 40, trivial work: 25 wakes · 6.4 µs = 160 µs of wake-ups against 100 µs of work
    e = estimate_energy(mcu, active_us=100.0, period_us=1_000_000.0, sample_rate_hz=1000.0)
    assert any("tick overhead dominates" in n for n in e.notes)
    quiet = estimate_energy(mcu, active_us=100_000.0, period_us=1_000_000.0, sample_rate_hz=1000.0)
    assert not any("dominates" in n for n in quiet.notes)


def test_without_a_known_rate_the_work_alone_sets_the_duty_cycle(mcu):
    e = estimate_energy(mcu, active_us=10_000.0, period_us=1_000_000.0)
    assert e.wake_overhead_us == 0.0 and e.duty_cycle == pytest.approx(0.01)


@given(st.floats(min_value=0.01, max_value=1e6, allow_nan=False))
def test_the_wake_rate_never_exceeds_the_limit_and_blocks_are_as_small_as_it_allows(rate_hz):
    block = samples_per_wake(rate_hz)
    assert block >= 1
    assert rate_hz / block <= MAX_WAKE_HZ * (1 + 1e-9)
    if block > 1:
        assert rate_hz / (block - 1) > MAX_WAKE_HZ


def test_a_board_whose_firmware_does_not_sleep_is_counted_awake_all_the_time(mcu):
    awake = dataclasses.replace(mcu, sleeps_between_samples=False)
    e = estimate_energy(awake, active_us=9_840.0, period_us=1_000_000.0, sample_rate_hz=25.0)
    assert e.duty_cycle == 1.0
    assert e.average_current_ua == pytest.approx(1000.0)
    # 720 mWh / 3 mW = 240 h = 10 days
    assert e.battery_life_days == pytest.approx(10.0)
    assert any("does not sleep" in n for n in e.notes)
