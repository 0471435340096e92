"""Energy per inference and battery life, from the board's currents and the pipeline's duty cycle.

The core is active for the window's work and sleeps for the rest of the period:
P_avg = V · (I_active · t_active + I_sleep · (T − t_active)) / T, and life ≈ V·C / P_avg
(seed 003: a CR2032, 3 V and 240 mAh, lasts about 150 days at 200 µW).
"""
from __future__ import annotations

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


@dataclass(frozen=True)
class EnergyEstimate:
    energy_per_inference_uj: float
    average_power_uw: float
    battery: Battery
    battery_life_days: float
    duty_cycle: float

    def to_json(self) -> dict[str, Any]:
        return {"energy_per_inference_uj": round(self.energy_per_inference_uj, 3),
                "average_power_uw": round(self.average_power_uw, 3),
                "duty_cycle": round(self.duty_cycle, 5),
                "battery": self.battery.name, "battery_capacity_mah": self.battery.capacity_mah,
                "battery_voltage_mv": self.battery.voltage_mv,
                "battery_life_days": round(self.battery_life_days, 2)}

    def describe(self) -> str:
        life = (f"{self.battery_life_days / 365:.1f} years" if self.battery_life_days > 730
                else f"{self.battery_life_days:.0f} days")
        return (f"energy {self.energy_per_inference_uj:.1f} µJ per inference, average "
                f"{self.average_power_uw / 1000:.2f} mW: about {life} on a {self.battery.name}")


def estimate_energy(board: Board, active_us: float, period_us: float,
                    battery: Battery | None = None) -> EnergyEstimate:
    battery = battery or BATTERIES[DEFAULT_BATTERY]
    v = board.supply_mv / 1000.0
    duty = min(1.0, active_us / period_us) if period_us > 0 else 1.0
    active_w = v * board.active_current_ua * 1e-6
    sleep_w = v * board.sleep_current_ua * 1e-6
    avg_w = active_w * duty + sleep_w * (1.0 - duty)
    energy_uj = active_w * active_us  # W · µs = µJ
    life_h = (battery.energy_mwh / 1000.0) / avg_w if avg_w > 0 else float("inf")
    return EnergyEstimate(energy_uj, avg_w * 1e6, battery, life_h / 24.0, duty)
