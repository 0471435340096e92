"""The firmware's sleep: the emulated board's measured busy share against the energy estimate's duty
cycle, and the battery life, per sample project.

Each sample project is validated for the emulated Cortex-M4F (QEMU mps2-an386, 25 MHz) and run
there; the firmware sleeps (WFI) between its sample ticks and prints per inference a ``power`` line:
``busy_us`` of ``window_us`` (the core's cycle counter; asleep = the time in WFI until each tick).
Printed per sample: the estimate's duty cycle (``studio/core/energy.py``: the latency estimate's work
plus the wake-ups, over the inference period), the measured busy share in the steady state (every
window after the first) and their ratio, the average current and battery life both give on the
project's battery at the emulated board's currents, the estimate's life on the project's own board,
and the run's wall time.

Run: python bench/bench_sleep.py [--samples kws,digits,...] [--windows N]
A figure, not a test (tests/e2e/test_firmware_sleeps.py checks the agreement).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.project_firmware import resolve_board  # noqa: E402
from studio.actions import run_emulated  # noqa: E402
from studio.core.boards import boards  # noqa: E402
from studio.core.energy import BATTERIES, estimate_energy  # noqa: E402
from studio.core.project import load_project  # noqa: E402
from studio.core.validate import validate_project  # noqa: E402
from studio.device.protocol import SleepTally  # noqa: E402

SAMPLES = ("kws", "digits", "vibration", "gesture")


def measure(name: str, out: Path, windows: int | None) -> dict:
    project = load_project(ROOT / "sample_projects" / name / f"{name}.tinyml")
    board = resolve_board(project, emulate=True)
    estimate = validate_project(project, board).energy
    own = validate_project(project, boards().get(project.board_id)).energy
    start = time.monotonic()
    outcome = run_emulated(project, out, count=windows)
    wall_s = time.monotonic() - start
    tally = SleepTally(from_seq=1)
    for message in outcome.messages:
        tally.add(message)
    busy = tally.busy_fraction
    measured = estimate_energy(board, busy * estimate.period_us, estimate.period_us,
                               BATTERIES.get(project.battery))  # the measured duty at the same currents
    return {"name": name, "board": project.board_id, "estimate": estimate, "own": own, "busy": busy,
            "windows": tally.reports, "measured": measured, "wall_s": wall_s}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default=",".join(SAMPLES))
    ap.add_argument("--windows", type=int, default=None, help="inference windows run per sample (default: all)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sleep-") as tmp:
        for name in args.samples.split(","):
            rows.append(measure(name, Path(tmp) / name, args.windows))
    print("emulated board (QEMU mps2-an386, 25 MHz; the emulated profile's currents), steady state:")
    print(f"{'sample':10} {'windows':>7} {'est. duty':>10} {'measured':>10} {'ratio':>6} "
          f"{'est. I avg':>11} {'meas. I avg':>11} {'est. life':>10} {'meas. life':>10} {'battery':>8} {'wall':>6}")
    for r in rows:
        e, m = r["estimate"], r["measured"]
        print(f"{r['name']:10} {r['windows']:>7} {e.duty_cycle:>10.3%} {r['busy']:>10.3%} "
              f"{e.duty_cycle / r['busy']:>6.3f} {e.average_current_ua:>9.1f}µA {m.average_current_ua:>9.1f}µA "
              f"{e.battery_life_days:>9.1f}d {m.battery_life_days:>9.1f}d {e.battery.name:>8} {r['wall_s']:>5.1f}s")
    print("\non each project's own board (estimate only):")
    for r in rows:
        o = r["own"]
        print(f"{r['name']:10} {r['board']:18} duty {o.duty_cycle:.3%}, average {o.average_current_ua:.1f} µA: "
              f"{o.battery_life_days:.1f} days on a {o.battery.name}" + (f" ({'; '.join(o.notes)})" if o.notes else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
