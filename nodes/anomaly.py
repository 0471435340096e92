"""Anomaly scoring after an autoencoder: the reconstruction error as its own node.

An autoencoder trained on normal features reconstructs them well and anomalies badly.
``model.reconstruction_error`` compares what the model was given (``features``) with what it gave
back (``reconstruction``: the model's dequantized ``scores``) and outputs one score, the mean
squared (``mse``) or mean absolute (``mae``) error divided by ``scale``. Set ``scale`` to the error
at which "anomalous" begins: the score is then 1.0 there, and an ``outputs.threshold_alert`` with
threshold 1.0 watches it.

Arithmetic (``reference`` is the truth the C kernel codegen/runtime/anomaly/reconstruction_error.c
is tested against, bit for bit): float32 throughout, as the device holds both tensors. Each term —
the square or absolute value of the difference — is rounded to float32 and added to a float32 sum
in element order; the sum is divided by the element count, then by ``scale`` (as float32). The C
kernel rounds each term before adding it, so a compiler's fused multiply-add cannot change it.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from nodes.base import Mode, Role, RunState, Cost, NodeError, NodeType, Param, Port, TensorSpec, register, require_dtype

METRICS = ("mse", "mae")

# C code of the kernel and its call (bytes; arm-none-eabi-gcc -Os: 70 for a Cortex-M4F, more with
# software float on a Cortex-M0+).
CODE_BYTES = 120
# Arithmetic operations per value: the difference, its square or absolute value, the add (the
# emulated Cortex-M4F executes about 13 instructions per value, 0.23 ops per instruction:
# tests/codegen/test_reconstruction_error.py).
OPS_PER_ELEMENT = 3


@register
class ReconstructionError(NodeType):
    type_id = "model.reconstruction_error"
    role = Role.POST
    title = "Reconstruction error (anomaly score)"
    doc = ("The anomaly score of an autoencoder: the mean squared (mse) or absolute (mae) difference "
           "between the features the model was given and its reconstruction, divided by `scale`. "
           "Set `scale` to the error at which \"anomalous\" begins (the score is 1.0 there).")
    inputs = [Port("features", ("f32",), "what the autoencoder was given (the model's input features)"),
              Port("reconstruction", ("f32",), "the autoencoder's dequantized output (its scores)")]
    outputs = [Port("scores", ("f32",), "the anomaly score (1,)")]
    params = [
        Param("metric", str, "mse", choices=METRICS, doc="mse: mean squared error; mae: mean absolute error"),
        Param("scale", float, 1.0, min=1e-12, max=1e12,
              doc="the error that scores 1.0: the error at which 'anomalous' begins"),
        Param("labels", list, ["anomaly"], kind="labels", doc="the name of the one score"),
    ]
    kernel = "anomaly/reconstruction_error"

    def infer(self, inputs, p, ctx):
        features, reconstruction = inputs.get("features"), inputs.get("reconstruction")
        for name, spec in (("features", features), ("reconstruction", reconstruction)):
            if spec is None:
                raise NodeError(f"input '{name}' is not connected", port=name)
            require_dtype(spec, ("f32",), name)
        if reconstruction.elements != features.elements:
            raise NodeError(f"the reconstruction is {reconstruction.describe()} ({reconstruction.elements} "
                            f"values) but the features are {features.describe()} ({features.elements} "
                            "values); connect the autoencoder's output, which reconstructs its input",
                            port="reconstruction")
        labels = p["labels"]
        if len(labels) != 1 or not labels[0]:
            raise NodeError(f"give exactly one label for the score (not {len(labels)}), e.g. 'anomaly'",
                            port="scores")
        rate = reconstruction.rate_hz or features.rate_hz
        return {"scores": TensorSpec((1,), "f32", rate)}

    def cost(self, inputs, outputs, p, ctx):
        n = inputs["features"].elements
        out_bytes = outputs["scores"].bytes
        return Cost(ram_bytes=out_bytes, flash_bytes=CODE_BYTES, ops=OPS_PER_ELEMENT * n + 2,
                    detail={"output_bytes": out_bytes, "code_bytes": CODE_BYTES})

    def labels(self, p, ctx):
        return list(p["labels"])

    def reference(self, inputs, p, state=None):
        """After the model: the (N, 1) scores of N windows' features and reconstructions; in a
        frame: the (1,) score of one window."""
        if state is not None and state.mode is Mode.POST:
            return {"scores": self.scores(inputs["features"], inputs["reconstruction"], p)}
        return {"scores": self.window_score(inputs["features"], inputs["reconstruction"], p)}

    def window_score(self, features: np.ndarray, reconstruction: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
        """The score (1,) float32 of one window, exactly as the C kernel computes it."""
        f = np.asarray(features, dtype=np.float32).reshape(-1)
        r = np.asarray(reconstruction, dtype=np.float32).reshape(-1)
        if f.size != r.size or f.size == 0:
            raise NodeError(f"features ({f.size} values) and reconstruction ({r.size} values) must be "
                            "non-empty and of equal size")
        d = f - r
        terms = d * d if p["metric"] == "mse" else np.abs(d)
        total = np.add.accumulate(terms, dtype=np.float32)[-1]  # in element order, as the C loop adds
        return np.array([total / np.float32(f.size) / np.float32(p["scale"])], dtype=np.float32)

    def scores(self, features: np.ndarray, reconstruction: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
        """``reference`` of each window: (N, ...) features and reconstructions → (N, 1) scores."""
        f = np.asarray(features, dtype=np.float32)
        r = np.asarray(reconstruction, dtype=np.float32)
        if f.shape[0] != r.shape[0]:
            raise NodeError(f"{f.shape[0]} feature windows but {r.shape[0]} reconstructions")
        if f.shape[0] == 0:
            return np.zeros((0, 1), np.float32)
        return np.stack([self.window_score(a, b, p) for a, b in zip(f, r)])
