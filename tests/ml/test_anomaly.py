"""Calibrating the reconstruction-error node: errors by the node's own reference, a scale from the
errors of normal windows, and an autoencoder whose int8 reconstruction error separates normal from
off-manifold inputs."""
from __future__ import annotations

import numpy as np
import pytest

from nodes.anomaly import ReconstructionError
from studio.ml.anomaly import calibrate, float_reconstructions, reconstruction_errors
from studio.ml.errors import MLError
from studio.ml.pipeline import Int8Model
from studio.ml.quantize import convert_int8


def test_errors_are_the_nodes_reference_at_scale_one():
    rng = np.random.default_rng(1)
    f, r = rng.normal(size=(5, 12)).astype(np.float32), rng.normal(size=(5, 12)).astype(np.float32)
    node = ReconstructionError()
    want = [node.window_score(f[i], r[i], node.check_props({"metric": "mae"}))[0] for i in range(5)]
    np.testing.assert_array_equal(reconstruction_errors(f, r, "mae"), want)


def test_the_scale_is_the_margin_times_the_percentile_of_normal_errors():
    errors = np.linspace(0.0, 1.0, 101)
    cal = calibrate(errors, percentile=90.0, margin=2.0)
    assert cal.scale == pytest.approx(1.8)
    assert cal.node_props() == {"metric": "mse", "scale": cal.scale, "labels": ["anomaly"]}
    ReconstructionError.check_props(cal.node_props())  # the node accepts them


@pytest.mark.parametrize("errors", [np.zeros(10), np.array([]), np.array([0.1, np.nan])])
def test_calibration_refuses_errors_it_cannot_scale_by(errors):
    with pytest.raises(MLError):
        calibrate(errors)


def test_an_unknown_metric_is_refused_with_the_choices():
    with pytest.raises(MLError, match="mse, mae"):
        reconstruction_errors(np.zeros((1, 2)), np.zeros((1, 2)), "rmse")


@pytest.mark.slow
def test_the_int8_autoencoders_score_separates_off_manifold_inputs():
    from studio.ml.train import build_model, set_seed, train

    rng = np.random.default_rng(21)
    basis = rng.normal(size=(2, 12))
    normal = (rng.normal(size=(200, 2)) @ basis + 0.05 * rng.normal(size=(200, 12))).astype(np.float32)
    set_seed(21)
    ae = build_model("autoencoder", (12,), 0, units=32, bottleneck=4)
    train(ae, normal, None, epochs=100, batch_size=16, seed=21)
    int8 = Int8Model(convert_int8(ae, normal))
    cal = calibrate(reconstruction_errors(normal, int8.scores(normal)))
    # normal data lies in the plane of `basis`; move it straight off that plane
    q, _ = np.linalg.qr(np.concatenate([basis.T, np.random.default_rng(22).normal(size=(12, 10))], axis=1))
    away = q[:, 2:] @ np.random.default_rng(23).normal(size=(10, 50))
    odd = (normal[:50] + 6.0 * (away / np.linalg.norm(away, axis=0)).T).astype(np.float32)
    assert np.mean(reconstruction_errors(normal, int8.scores(normal)) / cal.scale < 1.0) >= 0.98
    assert np.mean(reconstruction_errors(odd, int8.scores(odd)) / cal.scale >= 1.0) >= 0.9
    # the float model's reconstruction scores alike
    assert np.mean(reconstruction_errors(odd, float_reconstructions(ae, odd)) / cal.scale >= 1.0) >= 0.9
