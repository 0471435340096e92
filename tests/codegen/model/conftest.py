"""Real TensorFlow models for the model-compiler tests, built once per session.

Keras models are converted with full-integer post-training quantization (a representative dataset
of random inputs), exactly as users do. TensorFlow is imported inside the fixtures only.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


from tests.codegen.model.bitexact import float_tflite, keras, to_int8_tflite  # noqa: E402
from tests.codegen.model.mlperf_tiny import MLPERF_TINY  # noqa: E402


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tflite_models")


@pytest.fixture(scope="session")
def small_dscnn(model_dir):
    """A small DS-CNN (conv, depthwise, 1x1 conv, avg pool, flatten, dense, softmax)."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(1)
    m = k.Sequential([k.Input((49, 10, 1)),
                      L.Conv2D(8, (10, 4), strides=2, padding="same", activation="relu"),
                      L.DepthwiseConv2D(3, padding="same", activation="relu"),
                      L.Conv2D(8, 1, activation="relu"),
                      L.AveragePooling2D((25, 5)), L.Flatten(), L.Dense(12), L.Softmax()])
    path = model_dir / "small_dscnn.tflite"
    path.write_bytes(to_int8_tflite(m, (49, 10, 1)))
    return path


@pytest.fixture(scope="session")
def float_mlp(model_dir):
    k = keras()
    L = k.layers
    k.utils.set_random_seed(2)
    m = k.Sequential([k.Input((20,)), L.Dense(16, activation="relu"), L.Dense(4)])
    path = model_dir / "float_mlp.tflite"
    path.write_bytes(float_tflite(m))
    return path


@pytest.fixture(scope="session")
def mlperf_models(model_dir):
    """name -> path of the four MLPerf Tiny architectures as int8 .tflite (built lazily)."""
    cache: dict = {}

    def get(name):
        if name not in cache:
            build, shape = MLPERF_TINY[name]
            path = model_dir / f"{name}.tflite"
            path.write_bytes(to_int8_tflite(build(), shape))
            cache[name] = path
        return cache[name]

    return get
