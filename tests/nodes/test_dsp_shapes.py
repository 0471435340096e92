"""What ``infer`` promises is what ``reference`` makes: the shape codegen allocates equals the shape
the numpy truth produces, for every DSP node and many settings."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nodes.base import NodeError, TensorSpec
from tests.nodes.node_helpers import frame, make

RNG = np.random.default_rng(8)

FRAME_CASES = [
    ("dsp.normalize", {"mode": "frame_minmax"}, (30, 2)),
    ("dsp.biquad", {"sample_rate_hz": 100.0, "cutoff_hz": 7.0, "kind": "bandpass"}, (40, 3)),
    ("dsp.downsample", {"factor": 3}, (31, 2)),
    ("dsp.stats", {"skew": True, "kurtosis": True, "zero_crossings": True}, (50, 4)),
    ("dsp.spectrum", {"n_fft": 64, "bins": 12, "log": True}, (50, 2)),
    ("dsp.mfe", {"sample_rate_hz": 8000.0, "n_mels": 16, "n_fft": 256, "frame_length": 200,
                 "frame_stride": 80, "fmax_hz": 0.0}, (1000, 1)),
    ("dsp.mfcc", {}, (16000, 1)),
]


@pytest.mark.parametrize("type_id,props,shape", FRAME_CASES, ids=[c[0] for c in FRAME_CASES])
def test_frame_reference_shape_equals_inferred_shape(type_id, props, shape):
    node, p = make(type_id, **props)
    spec = node.infer(frame(*shape), p, None)["out"]
    assert node.transform(RNG.normal(size=shape).astype(np.float32), p).shape == spec.shape


IMAGE_CASES = [
    ("dsp.resize", {"width": 17, "height": 9, "method": "bilinear"}, (20, 30, 3)),
    ("dsp.resize", {"width": 40, "height": 41, "method": "nearest"}, (20, 30, 1)),
    ("dsp.crop", {"x": 3, "y": 4, "width": 10, "height": 5}, (20, 30, 3)),
    ("dsp.grayscale", {}, (20, 30, 3)),
]


@pytest.mark.parametrize("type_id,props,shape", IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
def test_image_reference_shape_equals_inferred_shape(type_id, props, shape):
    node, p = make(type_id, **props)
    spec = node.infer({"in": TensorSpec(shape, "f32", 1.0)}, p, None)["out"]
    assert node.transform(RNG.uniform(size=shape).astype(np.float32), p).shape == spec.shape


@settings(max_examples=20, derandomize=True, deadline=None)
@given(window=st.integers(256, 4000), frame_length=st.integers(16, 512), frame_stride=st.integers(1, 400),
       n_fft=st.sampled_from([256, 512, 1024]), n_mels=st.integers(4, 40), n_mfcc=st.integers(1, 13))
def test_mfcc_reference_shape_equals_inferred_shape_for_any_valid_setting(window, frame_length, frame_stride,
                                                                          n_fft, n_mels, n_mfcc):
    node, p = make("dsp.mfcc", sample_rate_hz=16000.0, frame_length=frame_length, frame_stride=frame_stride,
                   n_fft=n_fft, n_mels=n_mels, n_mfcc=n_mfcc, fmin_hz=0.0, fmax_hz=8000.0)
    try:
        spec = node.infer(frame(window, 1), p, None)["out"]
    except NodeError:
        assume(False)  # settings the node refuses are covered by the refusal tests
    x = RNG.uniform(-1, 1, window).astype(np.float32)
    out = node.transform(x, p)
    assert out.shape == spec.shape
    assert np.all(np.isfinite(out))
