"""Measured (the firmware's stage profile on the emulated board) vs estimated (`check`) time per node.

Each sample project runs on the emulated Cortex-M4F (QEMU mps2-an386, 25 MHz, one instruction a
cycle); the firmware times every stage of its first window and of every 16th
(codegen/templates/tms_profile.c.j2). Printed per node: the estimate, the last profile's
measurement, their ratio, and per sample the profile's sum against the inference line's
dsp_us + model_us and the profiler's own cost in that window (taken out of the reported times).

Run: python bench/bench_stage_profile.py [--samples kws,gesture,...]
A figure, not a test (tests/e2e/test_stage_profile.py checks the agreement).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.firmware import PROFILE_EVERY  # noqa: E402
from codegen.project_firmware import resolve_board  # noqa: E402
from studio.actions import run_emulated  # noqa: E402
from studio.core.project import load_project  # noqa: E402
from studio.core.validate import validate_project  # noqa: E402
from studio.device.protocol import StageProfile  # noqa: E402

SAMPLES = ("kws", "digits", "vibration", "gesture")
# kws has no overlap between windows, so its first window is the steady state (and 12 windows in all)
COUNT = {"kws": 2}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default=",".join(SAMPLES))
    args = ap.parse_args()
    print(f"{'sample':<10} {'node':<12} {'estimate µs':>12} {'measured µs':>12} {'meas/est':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.samples.split(","):
            project = load_project(ROOT / "sample_projects" / name / f"{name}.tinyml")
            estimate = validate_project(project, resolve_board(project, emulate=True)).latency.by_node_us
            run = run_emulated(project, Path(tmp) / name, count=COUNT.get(name, PROFILE_EVERY + 2))
            profile = [StageProfile.from_message(m) for m in run.messages if m.kind == "profile"][-1]
            line = next(m for m in run.inferences() if m["seq"] == profile.seq)
            for node, est in estimate.items():
                meas = profile.stages_us.get(node)
                if meas is None:
                    print(f"{name:<10} {node:<12} {est:>12,.1f} {'-':>12} {'-':>9}")
                else:
                    print(f"{name:<10} {node:<12} {est:>12,.1f} {meas:>12,} {meas / est if est else 0:>9.2f}")
            total = line["dsp_us"] + line["model_us"]
            print(f"{'':<10} window #{profile.seq}: stages sum {profile.total_us:,} µs of dsp+model {total:,} µs "
                  f"({profile.total_us / total:.1%}); profiler's own time {profile.overhead_us:,} µs (left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
