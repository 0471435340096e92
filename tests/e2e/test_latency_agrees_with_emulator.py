"""`check`'s latency estimate for the emulated board agrees within 15% with what the emulated board
reports, per sample project and stage (DSP, model). A correctness check of the estimate and its
calibration (studio/core/latency_calibration.py), not a timing test: under QEMU's -icount the
instruction counts are deterministic. bench/bench_latency.py prints the figures."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from studio.actions import run_emulated
from studio.core.latency_calibration import estimated_stage_us
from studio.core.project import load_project

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROJECTS = sorted((ROOT / "sample_projects").glob("*/*.tinyml"))
EMULATED_BOARD = "qemu-mps2-an386"
TOLERANCE = 0.15


def _check_latency(project: Path) -> dict:
    r = subprocess.run([sys.executable, "-m", "studio", "check", str(project), "--board", EMULATED_BOARD, "--json"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    return json.loads(r.stdout)["latency"]


@pytest.mark.parametrize("path", SAMPLE_PROJECTS, ids=lambda p: p.stem)
def test_check_estimate_agrees_with_the_emulated_board_within_15_percent_per_stage(path, tmp_path):
    project = load_project(path)
    estimate = estimated_stage_us(project.graph, _check_latency(path)["by_node_us"])
    # the first window of an overlapping window fills the whole window: the median is the steady state
    run = run_emulated(project, tmp_path / "fw", count=3).inferences()
    measured = {stage: statistics.median(r[f"{stage}_us"] for r in run) for stage in ("dsp", "model")}
    for stage in ("dsp", "model"):
        assert measured[stage] > 0, stage
        ratio = estimate[stage] / measured[stage]
        assert abs(ratio - 1) <= TOLERANCE, (f"{path.stem} {stage}: estimate {estimate[stage]:.1f} µs, "
                                             f"emulated board {measured[stage]:.1f} µs (ratio {ratio:.3f})")
