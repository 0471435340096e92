"""Where spectral DSP runs in fixed point: decided once (nodes.base.arithmetic_for, recorded on the
plan by validation) from the board's FPU, and read alike by the host executor, the cost and the
latency estimate."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nodes.base import FIXED, FLOAT, Mode, RunState, node_type
from studio.core.boards import boards
from studio.core.host import run_to_features
from studio.core.project import load_project
from studio.core.validate import validate_project

KWS = Path(__file__).resolve().parents[2] / "sample_projects" / "kws" / "kws.tinyml"


def _clip() -> np.ndarray:
    rng = np.random.default_rng(3)
    t = np.arange(16000) / 16000.0
    x = 0.3 * np.sin(2 * np.pi * 440.0 * t) * (t > 0.3) * (t < 0.7) + rng.normal(0.0, 0.01, t.size)
    return x.astype(np.float32)[:, None]


def test_the_plan_runs_mfcc_fixed_on_a_board_without_an_fpu_and_float_on_one_with():
    project = load_project(KWS)
    pico = validate_project(project, boards().get("rpi-pico")).plan
    m4f = validate_project(project).plan
    assert pico.stage("mfcc").arithmetic == FIXED and m4f.stage("mfcc").arithmetic == FLOAT
    assert pico.stage("window").arithmetic == FLOAT   # no fixed-point kernel: stays float


def test_host_features_of_a_fixed_plan_are_the_fixed_point_reference():
    project = load_project(KWS)
    plan = validate_project(project, boards().get("rpi-pico")).plan
    x = _clip()
    got = run_to_features(plan, x)[0]
    stage = plan.stage("mfcc")
    want = node_type("dsp.mfcc")().transform(x, stage.props, RunState(Mode.FRAME, (), FIXED))
    flt = node_type("dsp.mfcc")().transform(x, stage.props)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
    assert not np.array_equal(got, flt) and np.max(np.abs(got - flt)) < 0.05 * np.max(np.abs(flt))


def test_kws_is_real_time_on_the_pico_estimate_and_states_the_fixed_point_snr():
    report = validate_project(load_project(KWS), boards().get("rpi-pico"))
    assert report.latency.window_us < report.latency.period_us
    notes = [i.message for i in report.issues if i.node == "mfcc" and i.severity == "info"]
    assert any("fixed point" in m and "SNR" in m and "dB vs float" in m for m in notes)
