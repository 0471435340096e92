"""The anomaly scorer: the autoencoder's reconstruction error, fused into one model, as a 0–1 score."""
from __future__ import annotations

import numpy as np
import pytest

from codegen.model.analysis import analyze_tflite
from studio.ml.anomaly import anomaly_scorer, calibrate, reconstruction_mse
from studio.ml.pipeline import Int8Model
from studio.ml.quantize import convert_int8
from studio.ml.train import build_model, set_seed, train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(21)
    basis = rng.normal(size=(2, 12))
    normal = (rng.normal(size=(200, 2)) @ basis + 0.05 * rng.normal(size=(200, 12))).astype(np.float32)
    set_seed(21)
    ae = build_model("autoencoder", (12,), 0, units=32, bottleneck=4)
    train(ae, normal, None, epochs=100, batch_size=16, seed=21)
    return ae, normal, calibrate(ae, normal), basis


def test_the_score_is_the_logistic_of_the_reconstruction_error_around_the_threshold(trained):
    ae, normal, cal, _ = trained
    scorer = anomaly_scorer(ae, cal)
    mse = reconstruction_mse(ae, normal)
    want = 1.0 / (1.0 + np.exp(-cal.gain * (mse - cal.threshold_mse)))
    np.testing.assert_allclose(scorer.predict(normal, verbose=0)[:, 0], want, atol=1e-4)


def test_off_manifold_inputs_score_above_one_half_and_normal_ones_below(trained):
    ae, normal, cal, basis = trained
    scorer = anomaly_scorer(ae, cal)
    # normal data lies in the plane of `basis`; move it straight off that plane
    q, _ = np.linalg.qr(np.concatenate([basis.T, np.random.default_rng(22).normal(size=(12, 10))], axis=1))
    away = q[:, 2:] @ np.random.default_rng(23).normal(size=(10, 50))
    odd = (normal[:50] + 6.0 * (away / np.linalg.norm(away, axis=0)).T).astype(np.float32)
    assert np.mean(scorer.predict(normal, verbose=0)[:, 0] < 0.5) >= 0.98
    assert np.mean(scorer.predict(odd, verbose=0)[:, 0] >= 0.5) >= 0.9


def test_the_int8_scorer_uses_only_ops_the_model_compiler_supports(trained):
    ae, normal, cal, _ = trained
    tflite = convert_int8(anomaly_scorer(ae, cal), normal)
    summary = analyze_tflite(tflite)
    assert not summary.unsupported and "LOGISTIC" in summary.ops and "ADD" in summary.ops
    assert Int8Model(tflite).scores(normal[:3]).shape == (3, 1)
