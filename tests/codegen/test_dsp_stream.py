"""Parity of the time-domain DSP C kernels (window, normalize, biquad, downsample) with the numpy
references, on the host through the generated stage code.

Tolerances (measured figures: bench/bench_dsp.py): window and normalize are bit-exact; the biquad is
bit-exact on the host (the same float32 operations in the same order) and asserted to 1e-5 of the
signal peak, which also holds where a compiler fuses multiply-adds; downsample average to 1e-6
relative, because numpy may sum a group in another order.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.emitters.dsp_host import check_signals, node_on_host
from nodes.base import node_type

RATE_HZ = 16000.0


def reference(type_id: str, x: np.ndarray, props: dict) -> np.ndarray:
    return node_type(type_id)().transform(x, props)


@pytest.fixture(scope="module")
def window_stage():
    return node_on_host("dsp.window", {"window": 64, "hop": 24}, (3,), RATE_HZ)


def test_window_frames_equal_the_reference_frames_exactly(window_stage):
    x = np.random.default_rng(0).normal(size=(500, 3)).astype(np.float32)
    np.testing.assert_array_equal(window_stage.run(x), reference("dsp.window", x, window_stage.props))


def test_window_with_hop_longer_than_window_skips_the_samples_between_frames():
    stage = node_on_host("dsp.window", {"window": 10, "hop": 25}, (1,), RATE_HZ)
    x = np.arange(120, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(stage.run(x), reference("dsp.window", x, stage.props))


def test_window_stage_sets_the_writers_frame_ready_flag(window_stage):
    assert "tms_frame_ready = 1;" in window_stage.stage.run
    assert window_stage.stage.mode == "window"


@pytest.mark.parametrize("props", [
    {"mode": "fixed", "scale": 0.3, "offset": -1.7},
    {"mode": "zscore", "mean": 0.25, "std": 3.0},
    {"mode": "minmax", "min": -2.0, "max": 5.0},
    {"mode": "frame_minmax"},
], ids=lambda p: p["mode"])
def test_normalize_frame_equals_reference_bit_for_bit(props):
    stage = node_on_host("dsp.normalize", props, (200, 2), RATE_HZ)
    for name, x in check_signals(200, 2, RATE_HZ).items():
        got = stage.run(x)[0]
        np.testing.assert_array_equal(got, reference("dsp.normalize", x, stage.props), err_msg=name)


def test_normalize_on_a_stream_scales_each_sample_as_it_comes():
    stage = node_on_host("dsp.normalize", {"mode": "zscore", "mean": 1.0, "std": 0.5}, (3,), RATE_HZ)
    x = np.random.default_rng(1).normal(size=(50, 3)).astype(np.float32)
    assert stage.stage.mode == "sample"
    np.testing.assert_array_equal(stage.run(x), reference("dsp.normalize", x, stage.props))


@pytest.mark.parametrize("kind", ["lowpass", "highpass", "bandpass"])
def test_biquad_stream_keeps_state_across_samples_and_matches_reference(kind):
    props = {"kind": kind, "cutoff_hz": 700.0, "q": 2.0, "stages": 3, "sample_rate_hz": RATE_HZ}
    stage = node_on_host("dsp.biquad", props, (2,), RATE_HZ)
    for name, x in check_signals(1500, 2, RATE_HZ).items():
        got, want = stage.run(x), reference("dsp.biquad", x, stage.props)
        assert np.max(np.abs(got - want)) <= 1e-5 * max(1.0, float(np.max(np.abs(want)))), name


def test_biquad_on_frames_starts_each_frame_from_rest():
    props = {"kind": "lowpass", "cutoff_hz": 50.0, "stages": 2, "sample_rate_hz": 1000.0}
    stage = node_on_host("dsp.biquad", props, (100, 1), 1000.0 / 100)
    frames = np.random.default_rng(2).normal(size=(3, 100, 1)).astype(np.float32)
    got = stage.run(frames)
    for i in range(3):
        want = reference("dsp.biquad", frames[i], stage.props)
        assert np.max(np.abs(got[i] - want)) <= 1e-5 * max(1.0, float(np.max(np.abs(want))))


@pytest.mark.parametrize("method", ["average", "decimate"])
def test_downsample_stream_outputs_once_per_group_like_the_reference(method):
    stage = node_on_host("dsp.downsample", {"factor": 5, "method": method}, (2,), RATE_HZ)
    x = np.random.default_rng(3).normal(size=(103, 2)).astype(np.float32)  # a partial group at the end
    got, want = stage.run(x), reference("dsp.downsample", x, stage.props)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_downsample_stream_names_its_sample_gate():
    stage = node_on_host("dsp.downsample", {"factor": 4}, (1,), RATE_HZ, node_id="ds")
    gate = stage.stage.extra["sample_gate"]
    assert gate == "tms_ds__sample_ready" and f"static int {gate};" in stage.stage.declarations


@pytest.mark.parametrize("method", ["average", "decimate"])
def test_downsample_frame_equals_reference(method):
    stage = node_on_host("dsp.downsample", {"factor": 3, "method": method}, (64, 3), RATE_HZ)
    for name, x in check_signals(64, 3, RATE_HZ).items():
        np.testing.assert_allclose(stage.run(x)[0], reference("dsp.downsample", x, stage.props),
                                   rtol=1e-6, atol=1e-7, err_msg=name)


@settings(max_examples=8, deadline=None)
@given(window=st.integers(1, 40), hop=st.integers(1, 60), channels=st.integers(1, 3), extra=st.integers(0, 90))
def test_window_equals_reference_for_any_window_hop_and_channels(window, hop, channels, extra):
    stage = node_on_host("dsp.window", {"window": window, "hop": hop}, (channels,), RATE_HZ)
    x = np.random.default_rng(window * 1000 + hop).normal(size=(window + extra, channels)).astype(np.float32)
    np.testing.assert_array_equal(stage.run(x).reshape(-1, window, channels),
                                  reference("dsp.window", x, stage.props))


@settings(max_examples=6, deadline=None)
@given(factor=st.integers(2, 9), channels=st.integers(1, 3), samples=st.integers(0, 60),
       method=st.sampled_from(["average", "decimate"]))
def test_stream_downsample_equals_reference_for_any_factor_and_length(factor, channels, samples, method):
    stage = node_on_host("dsp.downsample", {"factor": factor, "method": method}, (channels,), RATE_HZ)
    x = np.random.default_rng(factor * 100 + samples).normal(size=(samples, channels)).astype(np.float32)
    want = reference("dsp.downsample", x, stage.props)
    np.testing.assert_allclose(stage.run(x).reshape(want.shape), want, rtol=1e-6, atol=1e-7)


@settings(max_examples=6, deadline=None)
@given(kind=st.sampled_from(["lowpass", "highpass", "bandpass"]), cutoff_fraction=st.floats(0.01, 0.45),
       q=st.floats(0.3, 8.0), stages=st.integers(1, 8))
def test_biquad_stream_equals_reference_for_any_design(kind, cutoff_fraction, q, stages):
    props = {"kind": kind, "cutoff_hz": cutoff_fraction * 1000.0, "q": q, "stages": stages, "sample_rate_hz": 1000.0}
    stage = node_on_host("dsp.biquad", props, (1,), 1000.0)
    x = np.random.default_rng(stages).uniform(-1.0, 1.0, (300, 1)).astype(np.float32)
    want = reference("dsp.biquad", x, stage.props)
    assert np.max(np.abs(stage.run(x).reshape(want.shape) - want)) <= 1e-5 * max(1.0, float(np.max(np.abs(want))))
