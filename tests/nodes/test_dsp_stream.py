"""Window, normalize, biquad and downsample: shape rules and numpy references."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from nodes import dsp_tables as tables
from nodes.base import NodeError, TensorSpec
from tests.nodes.node_helpers import frame, make, stream

# ---- window -------------------------------------------------------------------------------------


def test_window_turns_a_stream_into_frames_at_rate_over_hop():
    node, p = make("dsp.window", window=50, hop=25)
    assert node.infer(stream(3, 100.0), p, None)["out"] == TensorSpec((50, 3), "f32", 4.0)


def test_window_refuses_an_already_framed_input():
    node, p = make("dsp.window")
    with pytest.raises(NodeError, match="already") as e:
        node.infer(frame(10, 1), p, None)
    assert e.value.port == "in"


def test_window_without_input_names_the_port():
    node, p = make("dsp.window")
    with pytest.raises(NodeError, match="not connected") as e:
        node.infer({}, p, None)
    assert e.value.port == "in"


def test_window_reference_cuts_overlapping_frames():
    node, p = make("dsp.window", window=4, hop=2)
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    frames = node.transform(x, p)
    assert frames.shape == (4, 4, 2)
    np.testing.assert_array_equal(frames[1], x[2:6])
    np.testing.assert_array_equal(frames[3], x[6:10])


@settings(max_examples=30, derandomize=True, deadline=None)
@given(n=st.integers(0, 200), window=st.integers(1, 64), hop=st.integers(1, 64))
def test_window_frame_count_matches_every_start_that_fits(n, window, hop):
    node, p = make("dsp.window", window=window, hop=hop)
    expected = len(range(0, n - window + 1, hop))
    assert tables.frame_count(n, window, hop) == expected
    assert node.transform(np.zeros((n, 1), np.float32), p).shape == (expected, window, 1)


def test_window_cost_holds_one_frame_and_its_state():
    node, p = make("dsp.window", window=100, hop=50)
    out = node.infer(stream(2, 100.0), p, None)
    cost = node.cost(stream(2, 100.0), out, p, None)
    assert cost.detail["output_bytes"] == 100 * 2 * 4
    assert cost.ram_bytes == cost.detail["output_bytes"] + cost.detail["state_bytes"]


# ---- normalize ----------------------------------------------------------------------------------


def test_normalize_fixed_scales_then_offsets():
    node, p = make("dsp.normalize", mode="fixed", scale=2.0, offset=-1.0)
    np.testing.assert_allclose(node.transform(np.array([0.0, 0.5, 1.0]), p), [-1.0, 0.0, 1.0])


def test_normalize_zscore_uses_given_mean_and_std():
    node, p = make("dsp.normalize", mode="zscore", mean=10.0, std=2.0)
    np.testing.assert_allclose(node.transform(np.array([10.0, 14.0, 6.0]), p), [0.0, 2.0, -2.0], atol=1e-6)


def test_normalize_minmax_maps_the_given_range_to_unit():
    node, p = make("dsp.normalize", mode="minmax", min=-2.0, max=2.0)
    np.testing.assert_allclose(node.transform(np.array([-2.0, 0.0, 2.0]), p), [0.0, 0.5, 1.0])


def test_normalize_frame_minmax_spans_unit_range_per_tensor():
    node, p = make("dsp.normalize", mode="frame_minmax")
    y = node.transform(np.array([[3.0, 5.0], [7.0, 4.0]]), p)
    assert y.min() == 0.0 and y.max() == 1.0
    np.testing.assert_allclose(y, [[0.0, 0.5], [1.0, 0.25]])


def test_normalize_frame_minmax_maps_a_flat_frame_to_zero():
    node, p = make("dsp.normalize", mode="frame_minmax")
    np.testing.assert_array_equal(node.transform(np.full((3, 2), 4.0), p), np.zeros((3, 2)))


def test_normalize_refuses_an_empty_minmax_range():
    node, p = make("dsp.normalize", mode="minmax", min=1.0, max=1.0)
    with pytest.raises(NodeError, match="max > min"):
        node.infer(stream(1, 10.0), p, None)


def test_normalize_keeps_the_input_spec():
    node, p = make("dsp.normalize")
    spec = TensorSpec((49, 10), "f32", 2.0)
    assert node.infer({"in": spec}, p, None) == {"out": spec}


# ---- biquad -------------------------------------------------------------------------------------

BUTTERWORTH_Q = 1 / np.sqrt(2)


@pytest.mark.parametrize("kind,btype", [("lowpass", "lowpass"), ("highpass", "highpass")])
def test_biquad_with_butterworth_q_equals_scipy_butterworth(kind, btype):
    ours = tables.biquad_coefficients(kind, 1000.0, BUTTERWORTH_Q, 16000.0)
    b, a = scipy.signal.butter(2, 1000.0, btype=btype, fs=16000.0)
    np.testing.assert_allclose(ours[:3], b, rtol=1e-9)
    np.testing.assert_allclose(ours[3:], a[1:], rtol=1e-9)


@pytest.mark.parametrize("q", [0.5, 2.0, 5.0])
def test_biquad_lowpass_gain_at_cutoff_is_q(q):
    c = tables.biquad_coefficients("lowpass", 50.0, q, 400.0)
    _, h = scipy.signal.freqz(c[:3], np.r_[1.0, c[3:]], worN=[50.0], fs=400.0)
    assert abs(h[0]) == pytest.approx(q, rel=1e-9)


def test_biquad_bandpass_has_unit_gain_at_its_centre():
    c = tables.biquad_coefficients("bandpass", 3000.0, 3.0, 16000.0)
    _, h = scipy.signal.freqz(c[:3], np.r_[1.0, c[3:]], worN=[3000.0, 300.0], fs=16000.0)
    assert abs(h[0]) == pytest.approx(1.0, rel=1e-9)
    assert abs(h[1]) < 0.1


def test_biquad_highpass_blocks_dc():
    c = tables.biquad_coefficients("highpass", 20.0, 0.7, 1000.0)
    assert abs(c[:3].sum() / (1.0 + c[3:].sum())) < 1e-12


@pytest.mark.parametrize("kind", tables.BIQUAD_KINDS)
def test_biquad_reference_matches_scipy_lfilter_cascade(kind):
    node, p = make("dsp.biquad", kind=kind, cutoff_hz=40.0, q=0.9, stages=2, sample_rate_hz=200.0)
    x = np.random.default_rng(1).normal(size=(300, 2)).astype(np.float32)
    c = node.coefficients(p).astype(np.float64)
    expected = x.astype(np.float64)
    for _ in range(2):
        expected = scipy.signal.lfilter(c[:3], np.r_[1.0, c[3:]], expected, axis=0)
    np.testing.assert_allclose(node.transform(x, p), expected, rtol=1e-4, atol=1e-5)


def test_biquad_refuses_a_stream_at_another_rate():
    node, p = make("dsp.biquad", sample_rate_hz=16000.0)
    with pytest.raises(NodeError, match="100 Hz.*set sample_rate_hz to 100") as e:
        node.infer(stream(3, 100.0), p, None)
    assert e.value.port == "in"


def test_biquad_refuses_a_cutoff_at_or_above_nyquist():
    node, p = make("dsp.biquad", cutoff_hz=50.0, sample_rate_hz=100.0)
    with pytest.raises(NodeError, match="below half the sample rate"):
        node.infer(stream(1, 100.0), p, None)


def test_biquad_refuses_an_image():
    node, p = make("dsp.biquad")
    with pytest.raises(NodeError, match="stream"):
        node.infer({"in": TensorSpec((8, 8, 1), "f32", 1.0)}, p, None)


def test_biquad_cost_counts_state_per_stage_and_channel():
    node, p = make("dsp.biquad", stages=3, sample_rate_hz=100.0, cutoff_hz=10.0)
    out = node.infer(stream(6, 100.0), p, None)
    c = node.cost(stream(6, 100.0), out, p, None)
    assert c.detail["state_bytes"] == 2 * 4 * 3 * 6
    assert c.ops == 9 * 3 * 6


# ---- downsample ---------------------------------------------------------------------------------


def test_downsample_divides_the_stream_rate():
    node, p = make("dsp.downsample", factor=4)
    assert node.infer(stream(2, 400.0), p, None)["out"] == TensorSpec((2,), "f32", 100.0)


def test_downsample_shortens_a_frame():
    node, p = make("dsp.downsample", factor=3)
    assert node.infer(frame(10, 2, 5.0), p, None)["out"] == TensorSpec((3, 2), "f32", 5.0)


def test_downsample_refuses_a_frame_shorter_than_the_factor():
    node, p = make("dsp.downsample", factor=8)
    with pytest.raises(NodeError, match="shorter than the factor"):
        node.infer(frame(4, 1), p, None)


def test_downsample_average_takes_group_means():
    node, p = make("dsp.downsample", factor=2, method="average")
    np.testing.assert_allclose(node.transform(np.array([1.0, 3.0, 5.0, 9.0, 100.0]), p), [[2.0], [7.0]])


def test_downsample_decimate_keeps_first_of_each_group():
    node, p = make("dsp.downsample", factor=3, method="decimate")
    np.testing.assert_array_equal(node.transform(np.arange(7.0), p), [[0.0], [3.0]])


@settings(max_examples=30, derandomize=True, deadline=None)
@given(kind=st.sampled_from(tables.BIQUAD_KINDS), fraction=st.floats(0.001, 0.499), q=st.floats(0.05, 50.0))
def test_biquad_poles_lie_inside_the_unit_circle_for_any_valid_setting(kind, fraction, q):
    c = tables.biquad_coefficients(kind, fraction * 1000.0, q, 1000.0)
    assert np.all(np.abs(np.roots([1.0, c[3], c[4]])) < 1.0)
