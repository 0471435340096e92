"""Anomaly scoring with an autoencoder, fused into one int8 model the device already knows how to run.

An autoencoder trained on normal features reconstructs them well and anomalies badly; the anomaly
measure is the mean squared reconstruction error. The catalogue has no node that compares a
model's output with its input, so ``anomaly_scorer`` builds that comparison into the model:

    features → flatten → autoencoder (last layer negated) → ADD with the input → MUL by itself
             → FULLY_CONNECTED(1) with every weight gain/n and bias −gain·threshold → LOGISTIC

The output is ``sigmoid(gain · (mse − threshold))``: 0.5 at the calibrated threshold, near 1 well
above it. Every op is one the model compiler supports (no SUB, no reduction op the compiler lacks),
so ``outputs.threshold_alert`` (threshold 0.5) watches it directly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.ml.errors import MLError

# gain = SLOPE / threshold: the score climbs from sigmoid(−4) ≈ 0.02 at mse = 0 to 0.98 at twice the
# threshold, steep enough to alert, gentle enough that int8 steps of 1/256 still grade it
SLOPE = 4.0


@dataclass(frozen=True)
class Calibration:
    threshold_mse: float   # the reconstruction error that scores 0.5
    gain: float            # slope of the logistic per unit of mse
    normal_percentile: float


def reconstruction_mse(autoencoder, x: np.ndarray) -> np.ndarray:
    """Mean squared reconstruction error of each feature tensor (float, Keras)."""
    x = np.asarray(x, dtype=np.float32)
    flat = x.reshape(x.shape[0], -1)
    recon = np.asarray(autoencoder.predict(x, verbose=0)).reshape(flat.shape)
    return np.mean((flat - recon) ** 2, axis=1)


def calibrate(autoencoder, normal: np.ndarray, percentile: float = 99.0, margin: float = 1.5) -> Calibration:
    """Threshold = ``margin`` × the ``percentile`` of the error on normal features."""
    errors = reconstruction_mse(autoencoder, normal)
    threshold = float(np.percentile(errors, percentile)) * margin
    if not threshold > 0.0:
        raise MLError("the autoencoder reconstructs the normal features perfectly; nothing to calibrate on")
    return Calibration(threshold, SLOPE / threshold, percentile)


def anomaly_scorer(autoencoder, calibration: Calibration):
    """A Keras model: features → anomaly score (1,) in [0, 1], sharing the autoencoder's weights."""
    import keras
    from keras import layers as L

    if autoencoder.name != "autoencoder":
        raise MLError("anomaly_scorer needs a model built by build_model('autoencoder', ...)")
    shape = tuple(int(d) for d in autoencoder.inputs[0].shape[1:])
    n = math.prod(shape)
    dense = [layer for layer in autoencoder.layers if type(layer).__name__ == "Dense"]
    inputs = keras.Input(shape=shape, name="features")
    flat = L.Flatten()(inputs) if len(shape) > 1 else inputs
    x = flat
    for layer in dense[:-1]:
        x = layer(x)
    last = dense[-1]
    negated = L.Dense(n, name="negated_reconstruction")
    x = negated(x)
    kernel, bias = last.get_weights()
    negated.set_weights([-kernel, -bias])
    error = L.Add(name="error")([flat, x])
    squared = L.Multiply(name="squared_error")([error, error])
    mean = L.Dense(1, activation="sigmoid", name="anomaly")
    score = mean(squared)
    mean.set_weights([np.full((n, 1), calibration.gain / n, np.float32),
                      np.array([-calibration.gain * calibration.threshold_mse], np.float32)])
    return keras.Model(inputs, score, name="anomaly_scorer")
