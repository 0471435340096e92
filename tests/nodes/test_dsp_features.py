"""Statistical features against numpy/scipy.stats, and the image nodes against hand-computed cases."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nodes.base import NodeError, TensorSpec
from nodes.dsp import STAT_FEATURES
from tests.nodes.node_helpers import frame, make, stream

ALL_STATS = {name: True for name in STAT_FEATURES}

# ---- statistics ---------------------------------------------------------------------------------


def test_stats_match_numpy_and_scipy():
    node, p = make("dsp.stats", **ALL_STATS)
    x = np.random.default_rng(5).gamma(2.0, size=(200, 3)).astype(np.float32) - 1.5
    out = node.transform(x, p)
    x64 = x.astype(np.float64)
    expected = [x64.mean(0), np.sqrt((x64 ** 2).mean(0)), x64.std(0), x64.min(0), x64.max(0),
                scipy.stats.skew(x64, axis=0), scipy.stats.kurtosis(x64, axis=0),
                np.count_nonzero(np.diff(np.signbit(x64), axis=0), axis=0)]
    np.testing.assert_allclose(out, np.array(expected), rtol=1e-5, atol=1e-6)


def test_stats_count_zero_crossings_with_zero_as_positive():
    node, p = make("dsp.stats", **{n: n == "zero_crossings" for n in STAT_FEATURES})
    x = np.array([1.0, -1.0, 0.0, 2.0, -3.0, -4.0, 5.0])[:, None]
    assert node.transform(x, p)[0, 0] == 4


def test_stats_of_a_flat_frame_have_zero_skew_and_kurtosis():
    node, p = make("dsp.stats", **{n: n in ("skew", "kurtosis") for n in STAT_FEATURES})
    np.testing.assert_array_equal(node.transform(np.full((10, 2), 3.0), p), np.zeros((2, 2)))


def test_stats_output_is_selected_features_by_channels_in_listed_order():
    node, p = make("dsp.stats", mean=False, rms=False, std=False, min=True, max=True, zero_crossings=True)
    assert node.infer(frame(50, 3, 2.0), p, None)["out"] == TensorSpec((3, 3), "f32", 2.0)
    out = node.transform(np.array([[2.0], [-1.0], [5.0]]), p)
    np.testing.assert_array_equal(out[:, 0], [-1.0, 5.0, 2.0])


def test_stats_refuse_an_empty_selection():
    node, p = make("dsp.stats", **{n: False for n in STAT_FEATURES})
    with pytest.raises(NodeError, match="at least one statistic"):
        node.infer(frame(50, 1), p, None)


def test_stats_on_a_stream_ask_for_a_window():
    node, p = make("dsp.stats")
    with pytest.raises(NodeError, match="Window"):
        node.infer(stream(3, 100.0), p, None)


@settings(max_examples=25, derandomize=True, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(2, 40), st.integers(1, 3)),
                  elements=st.floats(-100, 100, width=32)))
def test_stats_moments_agree_with_scipy_on_any_frame(x):
    node, p = make("dsp.stats", **ALL_STATS)
    out = node.transform(x, p)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(out[2], x64.std(0), rtol=1e-4, atol=1e-4)
    spread = x64.std(0) > 1e-3 * (np.abs(x64).max(0) + 1)  # where scipy's moments are well defined
    np.testing.assert_allclose(out[5][spread], scipy.stats.skew(x64[:, spread], axis=0), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(out[6][spread], scipy.stats.kurtosis(x64[:, spread], axis=0),
                               rtol=1e-3, atol=1e-3)


# ---- images -------------------------------------------------------------------------------------

def _image(h, w, c=1, rate=1.0):
    return {"in": TensorSpec((h, w, c), "f32", rate)}


def test_bilinear_upscale_of_a_ramp_matches_half_pixel_hand_values():
    node, p = make("dsp.resize", width=4, height=4, method="bilinear")
    img = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)[:, :, None]
    # half-pixel centres: sources (d + 0.5)/2 − 0.5 → −0.25, 0.25, 0.75, 1.25, clamped to [0, 1]
    r = np.array([0.0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(node.transform(img, p)[:, :, 0], 2 * r[:, None] + r[None, :], atol=1e-6)


def test_nearest_downscale_picks_the_pixel_under_each_centre():
    node, p = make("dsp.resize", width=2, height=2, method="nearest")
    img = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    np.testing.assert_array_equal(node.transform(img, p)[:, :, 0], [[5, 7], [13, 15]])


def test_bilinear_halving_averages_pixel_pairs():
    node, p = make("dsp.resize", width=2, height=1, method="bilinear")
    img = np.array([[[0.0], [2.0], [4.0], [8.0]], [[0.0], [2.0], [4.0], [8.0]]], np.float32)
    np.testing.assert_allclose(node.transform(img, p)[0, :, 0], [1.0, 6.0])


def test_resize_keeps_channels_and_rate():
    node, p = make("dsp.resize", width=32, height=24)
    assert node.infer(_image(96, 96, 3, 5.0), p, None)["out"] == TensorSpec((24, 32, 3), "f32", 5.0)


def test_resize_refuses_a_non_image():
    node, p = make("dsp.resize")
    with pytest.raises(NodeError, match="image") as e:
        node.infer(frame(10, 2), p, None)
    assert e.value.port == "in"


def test_crop_keeps_the_rectangle():
    node, p = make("dsp.crop", x=1, y=2, width=2, height=1)
    img = np.arange(20, dtype=np.float32).reshape(4, 5, 1)
    np.testing.assert_array_equal(node.transform(img, p)[:, :, 0], [[11, 12]])
    assert node.infer(_image(4, 5), p, None)["out"].shape == (1, 2, 1)


def test_crop_refuses_a_rectangle_outside_the_image():
    node, p = make("dsp.crop", x=60, y=0, width=48, height=48)
    with pytest.raises(NodeError, match="leaves the 96×96 input image"):
        node.infer(_image(96, 96), p, None)


def test_grayscale_uses_bt601_weights():
    node, p = make("dsp.grayscale")
    img = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]], np.float32)
    np.testing.assert_allclose(node.transform(img, p)[0, :, 0], [0.299, 0.587, 0.114, 1.0], rtol=1e-6)
    assert node.infer(_image(1, 4, 3), p, None)["out"].shape == (1, 4, 1)


def test_grayscale_refuses_a_one_channel_image():
    node, p = make("dsp.grayscale")
    with pytest.raises(NodeError, match="RGB"):
        node.infer(_image(8, 8, 1), p, None)


@settings(max_examples=20, derandomize=True, deadline=None)
@given(h=st.integers(1, 12), w=st.integers(1, 12), out_h=st.integers(1, 12), out_w=st.integers(1, 12),
       method=st.sampled_from(["nearest", "bilinear"]), value=st.floats(-10, 10, width=32))
def test_resizing_a_flat_image_keeps_it_flat(h, w, out_h, out_w, method, value):
    node, p = make("dsp.resize", width=out_w, height=out_h, method=method)
    out = node.transform(np.full((h, w, 2), value, np.float32), p)
    assert out.shape == (out_h, out_w, 2)
    np.testing.assert_allclose(out, value, rtol=1e-6, atol=1e-6)
