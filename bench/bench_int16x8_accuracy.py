"""Accuracy of a small keyword-spotting-style DS-CNN: float vs int8 vs int16x8, and RAM/flash.

    python bench/bench_int16x8_accuracy.py [--epochs 12] [--background 20] [--pattern 1]

The data are synthetic 49x10 "MFCC" maps: each of 8 classes is a faint time-frequency pattern
(amplitude ``--pattern``) on a loud shared background (a slowly varying energy envelope up to
``--background``, and noise), the situation where int8's 256 levels spread over the loud range leave few for the
pattern. Both quantized models are calibrated on the same 200 training maps (the Quantize
node's converter), evaluated with the host reference (TFLite Micro through the firmware's own
feature quantization), and compiled to get the arena and flash the budget charges.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHAPE = (49, 10, 1)


def make_data(n: int, seed: int, background: float, pattern: float, classes: int = 8):
    rng = np.random.default_rng(seed)
    templates = np.random.default_rng(99).normal(0, pattern, (classes, 49, 10))
    y = rng.integers(0, classes, n)
    t = np.linspace(0, 1, 49)[None, :, None]
    envelope = background * np.abs(np.sin(2 * np.pi * (t * rng.uniform(0.5, 2, (n, 1, 1)) + rng.uniform(0, 1, (n, 1, 1)))))
    x = envelope + templates[y] + rng.normal(0, 0.3, (n, 49, 10))
    return x[..., None].astype(np.float32), y


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--background", type=float, default=20.0, help="loud shared envelope's peak")
    ap.add_argument("--pattern", type=float, default=1.0, help="class patterns' amplitude")
    a = ap.parse_args()
    import tensorflow as tf

    from codegen.model.analysis import analyze_tflite
    from studio.ml.pipeline import Int8Model
    from studio.ml.quantize import convert_int8

    k = tf.keras
    L = k.layers
    k.utils.set_random_seed(0)
    x, y = make_data(3000, 1, a.background, a.pattern)
    xt, yt = make_data(1000, 2, a.background, a.pattern)
    model = k.Sequential([k.Input(SHAPE),
                          L.Conv2D(16, (10, 4), strides=2, padding="same", activation="relu"),
                          L.DepthwiseConv2D(3, padding="same", activation="relu"),
                          L.Conv2D(16, 1, activation="relu"),
                          L.DepthwiseConv2D(3, padding="same", activation="relu"),
                          L.Conv2D(16, 1, activation="relu"),
                          L.AveragePooling2D((25, 5)), L.Flatten(), L.Dense(8), L.Softmax()])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=a.epochs, batch_size=64, verbose=0)
    float_acc = float(np.mean(np.argmax(model.predict(xt, verbose=0), 1) == yt))
    rep = x[np.random.default_rng(0).permutation(len(x))[:200]]
    print(f"{'model':10s} {'accuracy':>9s} {'arena B':>8s} {'flash B':>8s}")
    print(f"{'float':10s} {100 * float_acc:8.1f}%")
    for kind in ("int8", "int16"):
        tflite = convert_int8(model, rep, activations=kind)
        acc = float(np.mean(np.argmax(Int8Model(tflite).scores(xt), 1) == yt))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.tflite"
            path.write_bytes(tflite)
            s = analyze_tflite(path)
        label = "int16x8" if kind == "int16" else "int8"
        print(f"{label:10s} {100 * acc:8.1f}% {s.arena_bytes:8d} {s.flash_bytes:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
