"""Fixtures of the node-catalogue tests: a project folder context and (once per session) a tiny
real Keras model with its int8 .tflite made by TensorFlow."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nodes.base import NodeContext
from tests.nodes.node_helpers import MODEL_CLASSES, MODEL_INPUT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def ctx(project: Path) -> NodeContext:
    return NodeContext(project_dir=project)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """A float Keras model (conv, depthwise conv, dense) and its int8 .tflite, made once."""
    import keras

    from nodes.quantize import QuantizeInt8

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(MODEL_INPUT),
        keras.layers.Conv2D(3, (3, 3), padding="same", activation="relu", name="conv"),
        keras.layers.DepthwiseConv2D((3, 3), name="dw"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(MODEL_CLASSES, activation="softmax", name="fc"),
    ])
    root = tmp_path_factory.mktemp("models")
    keras_path = root / "tiny.keras"
    model.save(keras_path)
    rep = np.random.default_rng(0).normal(size=(16,) + MODEL_INPUT).astype(np.float32)
    q = QuantizeInt8()
    tflite = q.convert(keras_path, rep, q.check_props({"n_samples": 16}))
    tflite_path = root / "tiny.tflite"
    tflite_path.write_bytes(tflite)
    lam = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2.0), keras.layers.Dense(2)])
    lambda_path = root / "lambda.keras"
    lam.save(lambda_path)
    return {"keras": keras_path, "tflite": tflite_path, "lambda": lambda_path}
