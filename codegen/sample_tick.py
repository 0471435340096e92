"""The sample tick the generated firmware sleeps between: SysTick period, wraps and samples per tick.

``tms_power.c`` makes SysTick (shared with the cycle counter of ``tms_timer.c``) wrap once per tick,
so the core can WFI until the next tick. A tick delivers ``samples_per_tick`` samples, as a sensor
FIFO or a DMA half-buffer would (``studio.core.energy.samples_per_wake``: one per tick up to
``MAX_WAKE_HZ``, blocks above), so the energy estimate and the firmware wake equally often. SysTick
counts 24 bits, so a tick longer than 2^24 cycles (under 1.5 Hz at 25 MHz) is split into several
equal wraps. The tick is rounded to whole cycles here (``rate_error``) and by ``tms_timer.c`` to
whole SysTick ticks: on the emulated board one is 40 cycles (instructions), e.g. 16 kHz in blocks of
640 is 1,000,000 cycles = 25,000 ticks every 40 ms, exact.

A board whose SysTick stops asleep (the nRF52840) counts the same period on a slower clock that runs
on (``tick_clock_hz``: its RTC at 32,768 Hz): ``tick_counts`` of them a tick, a fraction the C
carries from tick to tick (``board/nrf52840_rtc_tick.c``), so the average period is the same.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from studio.core.energy import samples_per_wake
from studio.core.errors import BadInput

SYSTICK_MAX_CYCLES = 1 << 24
MIN_CYCLES_PER_TICK = 2


@dataclass(frozen=True)
class SampleTick:
    rate_hz: float
    cycles_per_wrap: int
    wraps_per_tick: int
    samples_per_tick: int
    clock_hz: int
    tick_clock_hz: int = 0   # 0: SysTick on the core clock; else the clock the board's tick counts

    @property
    def tick_counts(self) -> Fraction:
        """Counts of ``tick_clock_hz`` per tick (a fraction: its remainder is carried over)."""
        return Fraction(self.cycles_per_wrap * self.wraps_per_tick * self.tick_clock_hz, self.clock_hz)

    @property
    def tick_hz(self) -> float:
        return self.clock_hz / (self.cycles_per_wrap * self.wraps_per_tick)

    @property
    def rate_error(self) -> float:
        """How far the paced sample rate is from ``rate_hz`` (relative)."""
        return self.tick_hz * self.samples_per_tick / self.rate_hz - 1.0

    @property
    def comment(self) -> str:
        wraps = f" x {self.wraps_per_tick} wraps" if self.wraps_per_tick > 1 else ""
        block = f", {self.samples_per_tick} samples a tick" if self.samples_per_tick > 1 else ""
        if self.tick_clock_hz:
            counts = self.tick_counts
            whole, frac = divmod(counts.numerator, counts.denominator)
            part = f" {frac}/{counts.denominator}" if frac else ""
            return (f"{self.rate_hz:g} Hz{block}: RTC compare every {whole}{part} counts of {self.tick_clock_hz} Hz "
                    f"(the fraction carried over: {self.rate_error * 100:+.3f} % on average)")
        return (f"{self.rate_hz:g} Hz{block}: SysTick every {self.cycles_per_wrap} cycles{wraps} "
                f"({self.rate_error * 100:+.3f} %)")


def sample_tick(clock_hz: int, rate_hz: float, tick_clock_hz: int = 0) -> SampleTick:
    """The SysTick settings that deliver samples at ``rate_hz`` on a ``clock_hz`` core (the same
    period counted on ``tick_clock_hz`` where the board's tick uses another clock)."""
    if not (rate_hz > 0 and math.isfinite(rate_hz)):
        raise BadInput(f"the sample rate must be a positive number of Hz, not {rate_hz}")
    block = samples_per_wake(rate_hz)
    cycles = clock_hz * block / rate_hz
    if cycles < MIN_CYCLES_PER_TICK:
        raise BadInput(f"a {rate_hz:g} Hz sample rate is faster than the {clock_hz / 1e6:g} MHz core can tick")
    wraps = max(1, math.ceil(cycles / SYSTICK_MAX_CYCLES))
    per_wrap = min(SYSTICK_MAX_CYCLES, max(MIN_CYCLES_PER_TICK, round(cycles / wraps)))
    return SampleTick(float(rate_hz), per_wrap, wraps, block, clock_hz, tick_clock_hz)
