"""Structured pruning on Keras 3: fewer units/filters, exact weight copies, smaller int8 models."""
from __future__ import annotations

import numpy as np
import pytest

from studio.ml.errors import MLError
from studio.ml.prune import chain_layers, model_macs, prune_model
from tests.ml.ml_helpers import blobs


def _trained(kind, shape, x, y, **size):
    from studio.ml.train import build_model, set_seed, train

    set_seed(0)
    model = build_model(kind, shape, 3, **size)
    train(model, x, y, epochs=2, batch_size=16, seed=0)
    return model


def _silence_quarter(model) -> None:
    """Zeroes the kernel and bias of the first quarter of every hidden Dense/Conv's units: their
    activations are relu(0) = 0, so removing them must not change the model's output."""
    prunable = [la for la in model.layers if type(la).__name__ in ("Dense", "Conv1D", "Conv2D")]
    for layer in prunable[:-1]:
        kernel, bias = layer.get_weights()
        n = kernel.shape[-1] // 4
        kernel[..., :n] = 0.0
        bias[:n] = 0.0
        layer.set_weights([kernel, bias])


@pytest.fixture(scope="module")
def data():
    return blobs(30, seed=1)


def test_dense_pruning_removes_a_quarter_of_hidden_units_and_costs_less(data):
    x, y = data
    model = _trained("dense", (8,), x, y, units=16, layers=2)
    report = prune_model(model, x, y, fraction=0.25, fine_tune_epochs=1, batch_size=16)
    assert report.units_before == (16, 8, 3) and report.units_after == (12, 6, 3)
    assert report.macs_before == 8 * 16 + 16 * 8 + 8 * 3 and report.macs_after == 8 * 12 + 12 * 6 + 6 * 3
    assert report.params_after < report.params_before
    assert report.flash_bytes_after < report.flash_bytes_before
    assert 0.0 <= report.accuracy_after <= 1.0 and 0.0 <= report.accuracy_before <= 1.0
    assert report.model.count_params() == report.params_after


def _batchnorm_chain(shape):
    import keras

    inp = keras.Input(shape)
    x = keras.layers.Dense(8)(inp)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Dropout(0.1)(x)
    model = keras.Model(inp, keras.layers.Dense(3, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("kind, shape, size", [
    ("dense", (8,), {"units": 16, "layers": 2}),
    ("cnn1d", (8, 1), {"filters": 4, "layers": 2, "kernel": 3, "units": 8}),
    ("cnn2d", (4, 2), {"filters": 4, "layers": 2, "units": 8}),
    ("batchnorm", (8,), {}),
])
def test_pruning_the_weakest_units_copies_the_rest_exactly(data, kind, shape, size):
    from studio.ml.train import build_model, set_seed

    x, _ = data
    x = x.reshape((-1,) + shape)
    set_seed(1)
    model = _batchnorm_chain(shape) if kind == "batchnorm" else build_model(kind, shape, 3, **size)
    _silence_quarter(model)
    y = np.argmax(model.predict(x, verbose=0), axis=-1)
    report = prune_model(model, x, y, fraction=0.25, fine_tune_epochs=0)
    assert report.macs_after < report.macs_before
    assert all(a == b - b // 4 for a, b in zip(report.units_after[:-1], report.units_before[:-1]))
    np.testing.assert_allclose(report.model.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


def test_branching_models_are_refused():
    import keras

    inp = keras.Input((8,))
    a = keras.layers.Dense(4)(inp)
    b = keras.layers.Dense(4)(inp)
    model = keras.Model(inp, keras.layers.Dense(3)(keras.layers.Add()([a, b])))
    with pytest.raises(MLError, match="plain chains"):
        chain_layers(model)


def test_a_layer_used_twice_is_refused():
    import keras

    inp = keras.Input((8,))
    twice = keras.layers.Dense(8)
    shared = keras.Model(inp, twice(twice(inp)))
    with pytest.raises(MLError, match="plain chains"):
        chain_layers(shared)


def test_depthwise_models_are_refused_with_what_is_supported(data):
    from studio.ml.train import build_model

    model = build_model("dscnn", (8, 4), 3, filters=4, blocks=1)
    with pytest.raises(MLError, match="DepthwiseConv2D.*supports chains of Dense, Conv1D, Conv2D"):
        prune_model(model, np.zeros((4, 8, 4), np.float32), np.zeros(4, np.int32))


def test_fraction_outside_zero_to_one_is_refused(data):
    x, y = data
    with pytest.raises(MLError, match="fraction"):
        prune_model(object(), x, y, fraction=1.0)


def test_macs_count_convolution_windows():
    import keras

    inp = keras.Input((10, 2))
    model = keras.Model(inp, keras.layers.Conv1D(4, 3, padding="valid")(inp))
    assert model_macs(model) == 8 * 3 * 2 * 4
