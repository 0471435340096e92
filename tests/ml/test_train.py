"""Training: models build by name and size, a short run reports progress and can be cancelled."""
from __future__ import annotations

import numpy as np
import pytest

from studio.ml.errors import MLError
from studio.ml.train import MODEL_KINDS, build_model, train
from tests.ml.ml_helpers import blobs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kind, shape", [("dense", (8,)), ("cnn1d", (16, 3)), ("dscnn", (49, 10)),
                                         ("cnn2d", (8, 8)), ("autoencoder", (12, 2))])
def test_each_model_kind_builds_for_its_input_shape(kind, shape):
    model = build_model(kind, shape, 4, **({"filters": 4} if kind in ("dscnn", "cnn2d", "cnn1d") else {}))
    assert tuple(model.inputs[0].shape[1:]) == shape
    assert model.outputs[0].shape[-1] == (24 if kind == "autoencoder" else 4)


def test_the_kinds_listed_are_the_kinds_built():
    assert MODEL_KINDS == ("dense", "cnn1d", "dscnn", "cnn2d", "autoencoder")


def test_an_unknown_kind_is_refused_with_the_known_ones():
    with pytest.raises(MLError, match="dense, cnn1d, dscnn, cnn2d, autoencoder"):
        build_model("transformer", (8,), 3)


def test_a_size_option_the_kind_does_not_take_is_refused():
    with pytest.raises(MLError, match="no size option filters"):
        build_model("dense", (8,), 3, filters=8)


def test_one_epoch_on_tiny_data_trains_and_reports_progress_once():
    x, y = blobs(20, seed=11)
    seen = []
    model = build_model("dense", (8,), 3, units=8, layers=1)
    result = train(model, x, y, epochs=1, batch_size=8, progress=lambda e, logs: seen.append((e, sorted(logs))))
    assert seen == [(1, ["accuracy", "loss"])]
    assert result.epochs_run == 1 and not result.cancelled
    assert 0.0 <= result.accuracy <= 1.0 and np.isfinite(result.loss)


def test_training_stops_after_the_epoch_in_which_cancel_is_requested():
    x, y = blobs(20, seed=12)
    epochs = []
    result = train(build_model("dense", (8,), 3, units=8, layers=1), x, y, epochs=10, batch_size=8,
                   progress=lambda e, logs: epochs.append(e), cancelled=lambda: len(epochs) >= 2)
    assert epochs == [1, 2] and result.cancelled and result.epochs_run == 2


def test_validation_accuracy_is_reported_when_validation_data_is_given():
    x, y = blobs(30, seed=13)
    vx, vy = blobs(10, seed=14)
    result = train(build_model("dense", (8,), 3, units=16, layers=1), x, y, epochs=15, batch_size=8,
                   validation=(vx, vy), seed=1)
    assert "val_accuracy" in result.history
    assert result.accuracy == pytest.approx(result.history["val_accuracy"][-1], abs=1e-6)
    assert result.accuracy > 0.9  # three well separated blobs


def test_labels_outside_the_classes_are_refused():
    x, y = blobs(5, seed=15)
    with pytest.raises(MLError, match="class indices 0…2"):
        train(build_model("dense", (8,), 3), x, y + 1, epochs=1)


def test_an_autoencoder_trains_without_labels_and_reports_no_accuracy():
    x, _ = blobs(10, seed=16)
    result = train(build_model("autoencoder", (8,), 0, units=8, bottleneck=2), x, None, epochs=1)
    assert result.accuracy is None and np.isfinite(result.loss)
