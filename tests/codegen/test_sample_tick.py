"""The SysTick settings of the sample tick the firmware sleeps between (codegen.sample_tick)."""
import pytest
from hypothesis import given, strategies as st

from codegen.sample_tick import SYSTICK_MAX_CYCLES, sample_tick
from studio.core.errors import BadInput


def test_audio_is_ticked_in_blocks_of_16_once_a_millisecond():
    t = sample_tick(25_000_000, 16_000.0)
    assert (t.cycles_per_wrap, t.wraps_per_tick, t.samples_per_tick) == (25_000, 1, 16)
    assert t.rate_error == 0.0


def test_a_period_longer_than_systick_counts_is_split_into_equal_wraps():
    t = sample_tick(25_000_000, 1.0)   # 25 M cycles > 2^24
    assert (t.cycles_per_wrap, t.wraps_per_tick, t.samples_per_tick) == (12_500_000, 2, 1)


@pytest.mark.parametrize("rate_hz", [0.0, -5.0, float("nan"), float("inf")])
def test_a_rate_that_is_not_a_positive_number_is_refused(rate_hz):
    with pytest.raises(BadInput):
        sample_tick(25_000_000, rate_hz)


@given(st.integers(1_000_000, 480_000_000), st.floats(0.05, 100_000.0))
def test_the_tick_fits_systick_and_keeps_the_rate_within_a_tenth_of_a_percent(clock_hz, rate_hz):
    t = sample_tick(clock_hz, rate_hz)
    assert 2 <= t.cycles_per_wrap <= SYSTICK_MAX_CYCLES
    assert abs(t.rate_error) < 1e-3
