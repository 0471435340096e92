"""Fixtures of the studio.ml tests: a short sensor stream and (once per session) a tiny real int8
model made by TensorFlow from separable synthetic data."""
from __future__ import annotations

import numpy as np
import pytest

from tests.ml.ml_helpers import blobs


@pytest.fixture
def stream() -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(300) / 100.0
    x = np.stack([np.sin(2 * np.pi * 3 * t), np.cos(2 * np.pi * 7 * t), np.ones_like(t)], axis=1)
    return (x + 0.1 * rng.normal(size=x.shape)).astype(np.float32)


@pytest.fixture(scope="session")
def tiny_classifier():
    """(keras model, int8 tflite bytes, x_test, y_test): a dense net trained 20 epochs on blobs."""
    from studio.ml.quantize import convert_int8
    from studio.ml.train import build_model, set_seed, train

    x, y = blobs(60, seed=1)
    xt, yt = blobs(30, seed=2)
    set_seed(3)
    model = build_model("dense", (8,), 3, units=16, layers=1)
    train(model, x, y, epochs=20, batch_size=16, seed=3)
    return model, convert_int8(model, x), xt, yt
