"""Energy per inference and battery life, from the board's currents and the duty cycle the firmware has.

The generated firmware sleeps (WFI) between sample ticks (``codegen/runtime/tms_power.c``) on boards
whose profile says ``sleeps_between_samples`` (elsewhere it is counted awake all the time): a tick
delivers one sample, or above ``MAX_WAKE_HZ`` a block of them as a sensor FIFO or DMA half-buffer
would (``samples_per_wake``), and the core is awake for the window's work plus every wake-up. So per
inference period T: t_active = the latency estimate's busy time + wakes · ``WAKE_OVERHEAD_CYCLES`` / clock,
the rest asleep, duty d = t_active / T,
I_avg = I_active · d + I_sleep · (1 − d), P_avg = V_supply · I_avg, and life ≈ V_bat·C / P_avg
(seed 003: a CR2032, 3 V and 240 mAh, lasts about 150 days at 200 µW). The emulated board reports
the same duty cycle as it measures it (the ``power`` protocol line: busy vs elapsed time).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from studio.core.boards import Board


@dataclass(frozen=True)
class Battery:
    name: str
    voltage_mv: int
    capacity_mah: int

    @property
    def energy_mwh(self) -> float:
        return self.voltage_mv / 1000.0 * self.capacity_mah


BATTERIES = {
    "CR2032": Battery("CR2032", 3000, 240),
    "2xAA": Battery("2xAA", 3000, 2500),
    "LiPo-500": Battery("LiPo-500", 3700, 500),
    "18650": Battery("18650", 3600, 3000),
}
DEFAULT_BATTERY = "CR2032"


# The firmware wakes at most this often (every 40 ms): faster sensors deliver blocks of samples per
# wake, as a sensor FIFO with a watermark or a DMA buffer does (100 Hz IMU: 4 samples, 16 kHz audio:
# 640). Fewer wake-ups cost less energy, and on the emulated board each costs ~0.1 ms of wall time.
MAX_WAKE_HZ = 25.0
# Cycles one wake-up costs beyond the pipeline's work: exception entry and exit (12 + 10 on a
# Cortex-M4), the tick handler and tms_wait_for_tick's loop (about 40 instructions).
WAKE_OVERHEAD_CYCLES = 64
# Above this share of the active time spent on wake-ups, the tick overhead dominates: say so.
WAKE_OVERHEAD_NOTE_SHARE = 0.5


def samples_per_wake(rate_hz: float) -> int:
    """Samples each sample tick delivers: 1 up to ``MAX_WAKE_HZ``, else the block that keeps the
    wake rate at or under it (16 kHz: 640)."""
    if rate_hz <= MAX_WAKE_HZ:
        return 1
    return math.ceil(rate_hz / MAX_WAKE_HZ - 1e-9)


@dataclass(frozen=True)
class EnergyEstimate:
    energy_per_inference_uj: float
    average_power_uw: float
    battery: Battery
    battery_life_days: float
    duty_cycle: float
    active_us: float = 0.0            # awake per period: the window's work plus the wake-ups
    period_us: float = 0.0
    wakes_per_period: float = 0.0
    wake_overhead_us: float = 0.0     # of active_us, what the wake-ups take
    average_current_ua: float = 0.0   # at the board's supply
    samples_per_wake: int = 1
    notes: tuple[str, ...] = ()

    @property
    def sleep_us(self) -> float:
        return max(0.0, self.period_us - self.active_us)

    def to_json(self) -> dict[str, Any]:
        return {"energy_per_inference_uj": round(self.energy_per_inference_uj, 3),
                "average_power_uw": round(self.average_power_uw, 3),
                "average_current_ua": round(self.average_current_ua, 3),
                "duty_cycle": round(self.duty_cycle, 5),
                "active_us": round(self.active_us, 3), "sleep_us": round(self.sleep_us, 3),
                "period_us": round(self.period_us, 3),
                "wakes_per_period": round(self.wakes_per_period, 3),
                "wake_overhead_us": round(self.wake_overhead_us, 3),
                "samples_per_wake": self.samples_per_wake,
                "battery": self.battery.name, "battery_capacity_mah": self.battery.capacity_mah,
                "battery_voltage_mv": self.battery.voltage_mv,
                "battery_life_days": round(self.battery_life_days, 2),
                "notes": list(self.notes)}

    @property
    def life_text(self) -> str:
        if math.isinf(self.battery_life_days):
            return "forever"
        days = self.battery_life_days
        if days > 730:
            return f"{days / 365:.1f} years"
        return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"

    def describe(self) -> str:
        return (f"energy {self.energy_per_inference_uj:.1f} µJ per inference; awake {self.duty_cycle:.1%} of the "
                f"time, average {self.average_current_ua / 1000:.3f} mA ({self.average_power_uw / 1000:.2f} mW): "
                f"about {self.life_text} on a {self.battery.name}")


def estimate_energy(board: Board, active_us: float, period_us: float,
                    battery: Battery | None = None, sample_rate_hz: float = 0.0) -> EnergyEstimate:
    """``active_us``: the work per inference period (the latency estimate's window time);
    ``period_us``: the time between inferences; ``sample_rate_hz``: the sensor's rate, which sets
    how often the core wakes (0: unknown, the wake-ups are not counted)."""
    battery = battery or BATTERIES[DEFAULT_BATTERY]
    block = samples_per_wake(sample_rate_hz) if sample_rate_hz > 0 else 1
    # no known rate: the wake-ups are not counted (the work alone sets the duty cycle)
    wakes = (sample_rate_hz / block * period_us / 1e6) if sample_rate_hz > 0 else 0.0
    wake_us = wakes * WAKE_OVERHEAD_CYCLES / board.clock_hz * 1e6
    awake_us = active_us + wake_us
    duty = min(1.0, awake_us / period_us) if period_us > 0 else 1.0
    if not board.sleeps_between_samples:
        duty = 1.0   # the firmware waits for its samples awake
    v = board.supply_mv / 1000.0
    current_ua = board.active_current_ua * duty + board.sleep_current_ua * (1.0 - duty)
    avg_w = v * current_ua * 1e-6
    energy_uj = v * board.active_current_ua * 1e-6 * awake_us  # W · µs = µJ
    life_h = (battery.energy_mwh / 1000.0) / avg_w if avg_w > 0 else float("inf")
    notes: list[str] = []
    if not board.sleeps_between_samples:
        notes.append(f"the firmware for {board.name} does not sleep between samples (its profile's "
                     "sleeps_between_samples): the core is counted awake all the time")
    elif period_us > 0 and awake_us >= period_us:
        notes.append(f"the core cannot sleep: its work ({awake_us / 1000:.1f} ms) fills the whole "
                     f"{period_us / 1000:.1f} ms between inferences")
    elif awake_us > 0 and wake_us / awake_us > WAKE_OVERHEAD_NOTE_SHARE:
        notes.append(f"waking {wakes / period_us * 1e6:,.0f} times a second costs more than the pipeline's "
                     f"work ({wake_us / awake_us:.0%} of the time awake): the tick overhead dominates")
    if block > 1:
        notes.append(f"the sensor's {sample_rate_hz:g} Hz samples are taken {block} at a time (a FIFO or DMA "
                     f"block), so the core wakes {sample_rate_hz / block:g} times a second")
    return EnergyEstimate(energy_uj, avg_w * 1e6, battery, life_h / 24.0, duty, awake_us, period_us, wakes,
                          wake_us, current_ua, block, tuple(notes))
