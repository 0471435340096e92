"""Real TensorFlow models for the model-compiler tests, built once per session.

Keras models are converted with full-integer post-training quantization (a representative dataset
of random inputs), exactly as users do. TensorFlow is imported inside the fixtures only.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def to_int8_tflite(model, input_shape, int_io: bool = True, seed: int = 0,
                   low: float = -1.0, high: float = 1.0) -> bytes:
    """Full-integer PTQ of a Keras model; int8 input/output unless ``int_io`` is False."""
    import tensorflow as tf

    def representative():
        rng = np.random.default_rng(seed)
        for _ in range(16):
            yield [rng.uniform(low, high, (1, *input_shape)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if int_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def float_tflite(model) -> bytes:
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def keras():
    import tensorflow as tf

    return tf.keras


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
