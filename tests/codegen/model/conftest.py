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


def _fit_one_epoch(model, input_shape, classes: int | None, seed: int):
    """One epoch on random data: trained-looking BatchNorm statistics, still tiny and fast."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (32, *input_shape)).astype(np.float32)
    if classes is None:
        y = x
        model.compile(optimizer="adam", loss="mse")
    else:
        y = rng.integers(0, classes, 32)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    return model


def build_ds_cnn():
    """MLPerf Tiny keyword spotting DS-CNN (49x10x1 MFCC input, 12 classes)."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(11)
    x = inp = k.Input((49, 10, 1))
    x = L.Conv2D(64, (10, 4), strides=(2, 2), padding="same")(x)
    x = L.ReLU()(L.BatchNormalization()(x))
    for _ in range(4):
        x = L.DepthwiseConv2D(3, padding="same")(x)
        x = L.ReLU()(L.BatchNormalization()(x))
        x = L.Conv2D(64, 1)(x)
        x = L.ReLU()(L.BatchNormalization()(x))
    x = L.AveragePooling2D((25, 5))(x)
    x = L.Dense(12, activation="softmax")(L.Flatten()(x))
    return _fit_one_epoch(k.Model(inp, x), (49, 10, 1), 12, 11)


def build_fc_autoencoder():
    """MLPerf Tiny anomaly detection FC autoencoder (640 inputs, 8-wide bottleneck)."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(12)
    x = inp = k.Input((640,))
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = L.ReLU()(L.BatchNormalization()(L.Dense(units)(x)))
    x = L.Dense(640)(x)
    return _fit_one_epoch(k.Model(inp, x), (640,), None, 12)


def build_resnet8():
    """MLPerf Tiny image classification ResNet-8 (32x32x3, 10 classes)."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(13)
    inp = k.Input((32, 32, 3))
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(16, 3, padding="same")(inp)))
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        y = L.ReLU()(L.BatchNormalization()(L.Conv2D(filters, 3, strides=stride,
                                                     padding="same")(x)))
        y = L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(y))
        if stride > 1:
            x = L.Conv2D(filters, 1, strides=stride)(x)
        x = L.ReLU()(L.Add()([x, y]))
    x = L.AveragePooling2D(8)(x)
    x = L.Dense(10, activation="softmax")(L.Flatten()(x))
    return _fit_one_epoch(k.Model(inp, x), (32, 32, 3), 10, 13)


def build_mobilenet_v1_025():
    """MLPerf Tiny visual wake words MobileNetV1 alpha 0.25 (96x96x3, 2 classes)."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(14)
    inp = k.Input((96, 96, 3))
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(8, 3, strides=2, padding="same")(inp)))
    for filters, stride in ((16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1),
                            (128, 1), (128, 1), (128, 1), (128, 1), (256, 2), (256, 1)):
        x = L.ReLU()(L.BatchNormalization()(L.DepthwiseConv2D(3, strides=stride,
                                                              padding="same")(x)))
        x = L.ReLU()(L.BatchNormalization()(L.Conv2D(filters, 1)(x)))
    x = L.AveragePooling2D(3)(x)
    x = L.Dense(2, activation="softmax")(L.Flatten()(x))
    return _fit_one_epoch(k.Model(inp, x), (96, 96, 3), 2, 14)


MLPERF_TINY = {
    "ds_cnn": (build_ds_cnn, (49, 10, 1)),
    "fc_autoencoder": (build_fc_autoencoder, (640,)),
    "resnet8": (build_resnet8, (32, 32, 3)),
    "mobilenet_v1_025": (build_mobilenet_v1_025, (96, 96, 3)),
}


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
