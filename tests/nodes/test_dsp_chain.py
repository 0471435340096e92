"""Features from recorded samples through a chain of references, as the firmware orders the work."""
from __future__ import annotations

import numpy as np
import pytest

from nodes.base import NodeError
from nodes.dsp_chain import pipeline_features
from tests.nodes.node_helpers import make


def test_window_then_mfcc_equals_mfcc_of_each_sliced_frame():
    win = make("dsp.window", window=4000, hop=2000)
    mfcc = make("dsp.mfcc", sample_rate_hz=8000.0, frame_length=256, frame_stride=128, n_fft=256,
                n_mels=20, fmax_hz=0.0, n_mfcc=6)
    x = np.random.default_rng(6).uniform(-1, 1, (9000, 1)).astype(np.float32)
    out = pipeline_features(x, [win, mfcc])
    assert out.shape == (3, 30, 6)
    np.testing.assert_array_equal(out[2], mfcc[0].reference(x[4000:8000], mfcc[1]))


def test_stream_nodes_run_on_the_whole_stream_before_the_window():
    lp = make("dsp.biquad", cutoff_hz=5.0, sample_rate_hz=100.0)
    win = make("dsp.window", window=50, hop=50)
    x = np.random.default_rng(7).normal(size=(120, 2)).astype(np.float32)
    out = pipeline_features(x, [lp, win])
    filtered = lp[0].reference(x, lp[1])  # state carries across frame boundaries
    np.testing.assert_array_equal(out[1], filtered[50:100])


def test_without_a_window_each_sample_is_a_feature_vector():
    norm = make("dsp.normalize", mode="fixed", scale=2.0)
    out = pipeline_features(np.ones((5, 3), np.float32), [norm])
    assert out.shape == (5, 3) and float(out[0, 0]) == 2.0


def test_a_recording_shorter_than_the_window_is_refused():
    win = make("dsp.window", window=100, hop=10)
    with pytest.raises(NodeError, match="40 samples, fewer than one window of 100"):
        pipeline_features(np.zeros((40, 1), np.float32), [win])


def test_a_batch_of_images_goes_through_image_nodes_one_by_one():
    gray = make("dsp.grayscale")
    resize = make("dsp.resize", width=4, height=3)
    images = np.random.default_rng(10).uniform(size=(2, 6, 8, 3)).astype(np.float32)
    out = pipeline_features(images, [gray, resize])
    assert out.shape == (2, 3, 4, 1)
    np.testing.assert_array_equal(out[1], resize[0].reference(gray[0].reference(images[1], gray[1]), resize[1]))
