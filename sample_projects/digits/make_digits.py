"""Regenerates the digits sample: scikit-learn's 8×8 handwritten digits, a small CNN pruned and
quantized to int8 by the pipeline's own optimization nodes, the test split.

    python sample_projects/digits/make_digits.py        (from the repository root; needs scikit-learn)

The emulated Cortex-M4F (QEMU mps2-an386) replays ``test/digits.npy`` — the held-out test images,
one 8×8 image (64 pixel counts 0–16, row by row) per sample at 1 Hz — through a fixed scaling to
[0, 1] → float CNN (``models/digits.keras``, 8×8×1 input) → Prune channels (a quarter of the
filters/units, fine-tuned) → Quantize int8 → serial. The float model is trained here; Optimize
(``studio.ml.optimize``, the same code as Run → Optimize model… and ``tinyml-studio optimize``)
prunes, fine-tunes and quantizes it and the device runs ``models/digits.int8.tflite``. The data set
is the UCI optical digits bundled with scikit-learn (1797 images of 43 writers); the split is
stratified and seeded.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import numpy as np  # noqa: E402

from studio.ml.dataset import evaluate_test_split  # noqa: E402
from studio.ml.optimize import Features, optimize_project, with_optimized_model  # noqa: E402
from studio.ml.pipeline import features_for_stream  # noqa: E402
from studio.ml.recipe import StageSpec, linear_project, save_with_metrics, write_labels  # noqa: E402
from studio.ml.train import accuracy, build_model, set_seed, train as fit  # noqa: E402
from studio.ml.workflow import save_keras_atomic  # noqa: E402

NAME = "digits"
LABELS = tuple(str(d) for d in range(10))
SEED = 64
TEST_FRACTION, VAL_FRACTION = 0.2, 0.1
FLOAT_MODEL = f"models/{NAME}.keras"


def stratified_split(y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays (train, validation, test) holding each class in the same proportions."""
    train, val, test = [], [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test, n_val = round(TEST_FRACTION * idx.size), round(VAL_FRACTION * idx.size)
        test.extend(idx[:n_test])
        val.extend(idx[n_test:n_test + n_val])
        train.extend(idx[n_test + n_val:])
    return (np.sort(train), np.sort(val), rng.permutation(np.array(test)))


def project():
    stages = [
        StageSpec("images", "sensors.replay", {"file": "test/digits.npy", "rate_hz": 1.0, "channels": 64}),
        StageSpec("scale", "dsp.normalize", {"mode": "fixed", "scale": 1.0 / 16.0, "offset": 0.0}),
        StageSpec("classifier", "model.keras", {"model": FLOAT_MODEL, "labels": list(LABELS)}),
        StageSpec("prune", "quantize.prune", {"fraction": 0.25, "fine_tune_epochs": 10}),
        StageSpec("int8", "quantize.int8", {"n_samples": 300}),
        StageSpec("serial", "outputs.serial", {}),
    ]
    dataset = {
        "folder": "data",
        "labels": list(LABELS),
        "source": "scikit-learn load_digits (UCI optical recognition of handwritten digits, 8x8)",
        "test": {"samples": "test/digits.npy", "segment_samples": 0, "labels": "test/labels.txt"},
    }
    return linear_project(NAME, "qemu-mps2-an386", stages, HERE, dataset)


def main() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = digits.data.astype(np.float32)  # (1797, 64) counts 0–16
    y = digits.target.astype(np.int32)
    train, val, test = stratified_split(y, np.random.default_rng(SEED))

    (HERE / "test").mkdir(exist_ok=True)
    np.save(HERE / "test" / "digits.npy", pixels[test])
    write_labels(HERE / "test" / "labels.txt", [LABELS[k] for k in y[test]])
    write_labels(HERE / "labels.txt", LABELS)

    proj = project()
    shape = (8, 8, 1)
    x_train = features_for_stream(proj, pixels[train], shape)
    x_val = features_for_stream(proj, pixels[val], shape)
    x_test = features_for_stream(proj, pixels[test], shape)
    set_seed(SEED)
    model = build_model("cnn2d", shape, len(LABELS), filters=8, layers=2, units=32)
    fit(model, x_train, y[train], 40, 32, validation=(x_val, y[val]), seed=SEED,
          progress=lambda e, logs: print(f"  epoch {e}/40: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(logs.items()))))
    save_keras_atomic(model, HERE / FLOAT_MODEL)
    float_test = accuracy(model, x_test, y[test])

    # the pipeline's optimization nodes: prune + fine-tune, int8 calibrated on training features
    outcome = optimize_project(proj, progress=lambda f, text: print(f"  [{f:4.0%}] {text}"), seed=SEED,
                               features=Features(x_train, y[train], x_val, y[val], "validation"))
    for w in outcome.warnings:
        print(f"warning: {w}")
    proj = with_optimized_model(proj, outcome)
    proj.dataset["split"] = {"train": int(train.size), "validation": int(val.size), "test": int(test.size)}
    save_with_metrics(proj, {})
    result = evaluate_test_split(proj)
    (p,) = outcome.prunes
    metrics = {
        "train_windows": int(train.size),
        "validation_windows": int(val.size),
        "test_windows": result.windows,
        "float_accuracy_test_unpruned": round(float_test, 4),
        "float_accuracy_validation_unpruned": round(p.accuracy_before, 4),
        "float_accuracy_validation": round(outcome.float_accuracy, 4),
        "int8_accuracy_validation": round(outcome.int8_accuracy, 4),
        "int8_accuracy_test": round(result.accuracy, 4),
        "int8_correct_test": result.correct,
        "prune_units_before": list(p.units_before),
        "prune_units_after": list(p.units_after),
        "prune_macs_before": p.macs_before,
        "prune_macs_after": p.macs_after,
        "prune_int8_bytes_before": p.flash_bytes_before,
        "prune_int8_bytes_after": p.flash_bytes_after,
        "model_int8_bytes": (HERE / outcome.int8_model).stat().st_size,
        "device_arena_bytes": outcome.device["arena_bytes"],
        "device_flash_bytes": outcome.device["flash_bytes"],
    }
    path = save_with_metrics(proj, metrics)
    print(f"wrote {path}: {metrics}")


if __name__ == "__main__":
    main()
