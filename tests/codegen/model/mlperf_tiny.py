"""The four MLPerf Tiny architectures, built in Keras with random weights (shared by the tests
and bench/bench_model_compiler.py). TensorFlow is imported only when a builder runs."""
from __future__ import annotations

import numpy as np

from tests.codegen.model.bitexact import keras


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
