"""Calibrating the anomaly score of an autoencoder for the ``model.reconstruction_error`` node.

An autoencoder trained on normal features reconstructs them well and anomalies badly. The pipeline
runs it as a plain model (features in, reconstruction out) followed by ``model.reconstruction_error``,
whose ``reference`` is the one computation of the error (float64 sum of float32 differences, as the
firmware's C). Here: the errors of a set of windows by that reference, and the node's ``scale`` from
the errors of normal windows, so that the score reaches 1.0 where "anomalous" begins.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nodes.anomaly import METRICS, ReconstructionError
from nodes.base import NodeError
from studio.ml.errors import MLError


@dataclass(frozen=True)
class Calibration:
    scale: float             # the error that scores 1.0: the node's ``scale``
    metric: str              # "mse" | "mae", the node's ``metric``
    normal_percentile: float
    margin: float

    def node_props(self, label: str = "anomaly") -> dict:
        """The ``model.reconstruction_error`` properties of this calibration."""
        return {"metric": self.metric, "scale": self.scale, "labels": [label]}


def reconstruction_errors(features: np.ndarray, reconstructions: np.ndarray, metric: str = "mse") -> np.ndarray:
    """The error (N,) of each window, unscaled, exactly as the node and the firmware compute it."""
    if metric not in METRICS:
        raise MLError(f"unknown error metric '{metric}'; choose one of {', '.join(METRICS)}")
    props = ReconstructionError.check_props({"metric": metric, "scale": 1.0})
    try:
        return ReconstructionError().scores(features, reconstructions, props)[:, 0].astype(np.float64)
    except NodeError as e:
        raise MLError(e.message) from None


def float_reconstructions(autoencoder, x: np.ndarray) -> np.ndarray:
    """The float Keras autoencoder's output (N, values) for features (N, ...)."""
    x = np.asarray(x, dtype=np.float32)
    return np.asarray(autoencoder.predict(x, verbose=0), dtype=np.float32).reshape(x.shape[0], -1)


def calibrate(normal_errors: np.ndarray, metric: str = "mse", percentile: float = 99.0,
              margin: float = 1.5) -> Calibration:
    """Scale = ``margin`` × the ``percentile`` of the errors of normal windows."""
    errors = np.asarray(normal_errors, dtype=np.float64)
    if errors.ndim != 1 or errors.size == 0 or not np.all(np.isfinite(errors)):
        raise MLError("calibration needs the finite errors (N,) of at least one normal window")
    scale = float(np.percentile(errors, percentile)) * margin
    if not scale > 0.0:
        raise MLError("the autoencoder reconstructs the normal features perfectly; nothing to calibrate on")
    return Calibration(scale, metric, percentile, margin)
