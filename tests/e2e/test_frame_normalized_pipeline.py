"""Frame-wise normalization around the window on the emulated board: the device equals the one host
executor (``studio.core.host``), whether Normalize(frame_minmax) scales each sample before the window
(its tensor there is one sample) or each frame after it."""
from __future__ import annotations

from pathlib import Path

import pytest

from nodes.base import Mode
from studio.actions import evaluate_emulated
from studio.core.project import load_project
from studio.core.validate import validate_project

ROOT = Path(__file__).resolve().parents[2]
GESTURE = ROOT / "sample_projects" / "gesture" / "gesture.tinyml"
OUTPUT_STEP = 1 / 256  # the gesture model's int8 output scale


def normalized(where: str):
    """The gesture sample with Normalize(frame_minmax) inserted before or after its window."""
    project = load_project(GESTURE)
    g = project.graph
    src, dst = ("imu", "window") if where == "before" else ("window", "spectrum")
    g.disconnect(next(e for e in g.edges if e.src == src and e.dst == dst))
    g.add_node("dsp.normalize", {"mode": "frame_minmax"}, node_id="norm")
    g.connect(src, "out", "norm", "in")
    g.connect("norm", "out", dst, "in")
    project.board_id = "qemu-mps2-an386"
    return project


@pytest.mark.parametrize("where, mode", [("before", Mode.SAMPLE), ("after", Mode.FRAME)])
def test_frame_minmax_around_the_window_runs_on_the_device_exactly_like_the_host(where, mode, tmp_path):
    project = normalized(where)
    assert validate_project(project).plan.stage("norm").mode is mode
    evaluation = evaluate_emulated(project, tmp_path / "fw")
    assert evaluation["windows"] == evaluation["host_windows"] == evaluation["device_windows"] > 100
    # Same meaning on both sides: every window's label agrees. The float32 kernels match their
    # references to a tested tolerance, not bit for bit, so a feature on a quantization boundary may
    # land one int8 step apart (seen: 1 window of 399 before the window): at most one output step.
    assert evaluation["agreement"] == 1.0
    assert evaluation["max_score_diff"] <= OUTPUT_STEP + 1e-6
