"""`check`'s latency estimate against the emulated board's measurement, per sample and stage.

Each sample project is validated for the emulated Cortex-M4F (QEMU mps2-an386, 25 MHz) and run
there; the firmware reports per window ``dsp_cycles``/``model_cycles`` (instructions: one instruction
counts as one cycle of the profile's clock, QEMU -icount shift=0) and ``dsp_us``/``model_us`` at that
clock. Printed per stage: the estimate, the median measurement, their ratio, and the calibration
figures of studio/core/latency_calibration.py measured here: instructions per MAC of the model
(convolution vs fully-connected MACs) and instructions per op of the DSP stage.

Run: python bench/bench_latency.py [--samples kws,digits,...] [--windows N]
A figure, not a test (tests/e2e/test_latency_agrees_with_emulator.py checks the 15% agreement).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.project_firmware import resolve_board  # noqa: E402
from studio.actions import run_emulated  # noqa: E402
from nodes.base import Role  # noqa: E402
from studio.core.latency_calibration import estimated_stage_us, stage_of  # noqa: E402
from studio.core.project import load_project  # noqa: E402
from studio.core.validate import validate_project  # noqa: E402

SAMPLES = ("kws", "digits", "vibration", "gesture")


def compare(name: str, out: Path, windows: int) -> dict:
    project = load_project(ROOT / "sample_projects" / name / f"{name}.tinyml")
    board = resolve_board(project, emulate=True)
    report = validate_project(project, board)
    estimate = estimated_stage_us(project.graph, report.latency.by_node_us)
    run = run_emulated(project, out, count=windows).inferences()
    measured = {"dsp": statistics.median(r["dsp_us"] for r in run),
                "model": statistics.median(r["model_us"] for r in run)}
    cycles = {"dsp": statistics.median(r["dsp_cycles"] for r in run),
              "model": statistics.median(r["model_cycles"] for r in run)}
    macs = fc = ops = 0
    for node_id, cost in report.costs.items():
        node = project.graph.node(node_id)
        if node.spec.role is Role.MODEL:
            macs += cost.detail.get("macs", 0)
            fc += cost.detail.get("fc_macs", 0)
        elif stage_of(node.spec.category) == "dsp":
            ops += cost.ops
    return {"name": name, "clock_hz": board.clock_hz, "estimate": estimate, "measured": measured,
            "cycles": cycles, "macs": macs, "fc_macs": fc, "dsp_ops": ops, "windows": len(run)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default=",".join(SAMPLES))
    ap.add_argument("--windows", type=int, default=4, help="inference windows run per sample")
    args = ap.parse_args()
    print("estimate (check, emulated board) vs measured (emulated board, median per window), µs at 25 MHz")
    print(f"{'sample':<10} {'stage':<6} {'estimate µs':>12} {'measured µs':>12} {'est/meas':>9} "
          f"{'instructions':>13} {'per MAC / op':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.samples.split(","):
            r = compare(name, Path(tmp) / name, args.windows)
            for stage in ("dsp", "model"):
                est, meas = r["estimate"][stage], r["measured"][stage]
                unit = r["macs"] if stage == "model" else r["dsp_ops"]
                per = f"{r['cycles'][stage] / unit:.2f}/{'MAC' if stage == 'model' else 'op'}" if unit else "-"
                ratio = f"{est / meas:.3f}" if meas else "-"
                print(f"{name:<10} {stage:<6} {est:>12,.1f} {meas:>12,.1f} {ratio:>9} "
                      f"{r['cycles'][stage]:>13,.0f} {per:>13}")
            print(f"{'':<10} model MACs {r['macs']:,} (fully connected {r['fc_macs']:,}), "
                  f"DSP ops {r['dsp_ops']:,}, {r['windows']} windows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
