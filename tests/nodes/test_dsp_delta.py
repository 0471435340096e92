"""dsp.delta: its shape rule and its numpy reference (HTK's regression delta, edges repeated)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nodes.base import NodeContext, NodeError, TensorSpec, node_type

TYPE = "dsp.delta"


def make(**props):
    cls = node_type(TYPE)
    return cls(), cls.check_props(props)


def test_output_holds_input_delta_and_delta_delta_side_by_side():
    node, p = make()
    out = node.infer({"in": TensorSpec((49, 13), "f32", 2.0)}, p, NodeContext())["out"]
    assert out.shape == (49, 39) and out.rate_hz == 2.0


def test_delta_only_output_has_the_input_width():
    node, p = make(order=1, include_input=False)
    assert node.infer({"in": TensorSpec((49, 13), "f32", 2.0)}, p, NodeContext())["out"].shape == (49, 13)


def test_a_single_frame_is_refused_by_name():
    node, p = make()
    with pytest.raises(NodeError, match="at least 2 frames"):
        node.infer({"in": TensorSpec((1, 13), "f32", 2.0)}, p, NodeContext())


def test_a_stream_is_refused():
    node, p = make()
    with pytest.raises(NodeError, match="Window"):
        node.infer({"in": TensorSpec((13,), "f32", 100.0)}, p, NodeContext())


def test_a_ramp_has_its_slope_as_delta_away_from_the_edges_and_no_delta_delta():
    node, p = make(width=2)
    x = (0.5 * np.arange(20, dtype=np.float32))[:, None]
    out = node.transform(x, p)
    np.testing.assert_array_equal(out[:, 0], x[:, 0])
    np.testing.assert_allclose(out[2:-2, 1], 0.5, rtol=1e-6)
    np.testing.assert_allclose(out[4:-4, 2], 0.0, atol=1e-6)


def test_a_constant_has_zero_deltas():
    node, p = make(width=3)
    out = node.transform(np.full((10, 4), 2.5, np.float32), p)
    assert not out[:, 4:].any()


def test_the_edge_frames_are_repeated():
    node, p = make(width=1, order=1, include_input=False)
    x = np.array([[0.0], [1.0], [3.0]], np.float32)
    # d[0] = (x1 - x0) / 2, d[1] = (x2 - x0) / 2, d[2] = (x2 - x1) / 2
    np.testing.assert_allclose(node.transform(x, p)[:, 0], [0.5, 1.5, 1.0], rtol=1e-7)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(2, 12), st.integers(1, 5)),
              elements=st.floats(-100, 100, width=32)), st.integers(1, 4))
def test_the_delta_is_the_float64_regression_to_float32_precision(x, width):
    node, p = make(width=width, order=1, include_input=False)
    t = np.arange(x.shape[0])
    x64 = x.astype(np.float64)
    want = sum(n * (x64[np.minimum(t + n, len(t) - 1)] - x64[np.maximum(t - n, 0)]) for n in range(1, width + 1))
    want /= 2 * sum(n * n for n in range(1, width + 1))
    np.testing.assert_allclose(node.transform(x, p), want, atol=1e-4 * max(1.0, float(np.abs(x).max())))
