"""Regenerates the gesture sample: synthetic IMU data, the dense int8 model, the test split, the project.

    python sample_projects/gesture/make_gesture.py        (from the repository root; ~1 minute)

Arduino Nano 33 BLE Sense, accelerometer (3 axes, 100 Hz) → window 128 (1.28 s), hop 64 →
log-magnitude spectrum (32 bins, 0–24 Hz, per axis) → dense net → serial. Four classes:

- idle: the board held still: gravity, a slow hand drift and physiological tremor (8–12 Hz, tiny);
- wave: side-to-side along one direction at 2–3 Hz, with a second harmonic (the wrist reverses);
- shake: fast back-and-forth at 6–8 Hz along a random direction;
- circle: a circle in a plane, two axes 90° out of phase, at 0.8–1.5 Hz.

Every segment draws its amplitude, frequency (with a slow drift), phase, orientation of the board
(gravity falls on every axis), per-axis bias and sensor noise; readings clip at the ±4 g range.
Everything is seeded: the same script makes the same data.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import numpy as np  # noqa: E402

from studio.ml.pipeline import features_for_stream  # noqa: E402
from studio.ml.recipe import (StageSpec, class_indices, linear_project, save_with_metrics,  # noqa: E402
                              train_and_quantize, write_labels)
from studio.ml.dataset import evaluate_test_split  # noqa: E402

NAME = "gesture"
LABELS = ("idle", "wave", "shake", "circle")
RATE_HZ = 100.0
WINDOW, HOP = 128, 64
SEGMENT = 256                   # 2.56 s per recorded segment → 3 windows
RANGE_G = 4.0
TRAIN_PER_CLASS, VAL_PER_CLASS, TEST_PER_CLASS = 300, 60, 25
SEED = 2024


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation with yaw anywhere and the board tilted up to 60° (held in a hand, not upside down)."""
    yaw, pitch, roll = rng.uniform(-np.pi, np.pi), *rng.uniform(-np.pi / 3, np.pi / 3, 2)
    cz, sz, cy, sy, cx, sx = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    return rz @ ry @ rx


def unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def phase_of(rng: np.random.Generator, t: np.ndarray, f_lo: float, f_hi: float) -> np.ndarray:
    """Instantaneous phase of a motion whose speed drifts ±8 % over the segment."""
    f0 = rng.uniform(f_lo, f_hi)
    drift = 1.0 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t + rng.uniform(0, 2 * np.pi))
    return 2 * np.pi * np.cumsum(f0 * drift) / RATE_HZ + rng.uniform(0, 2 * np.pi)


def smooth_noise(rng: np.random.Generator, n: int, cutoff_hz: float, scale: float) -> np.ndarray:
    """Low-pass noise (3, n): a slow hand drift."""
    spec = np.fft.rfft(rng.normal(size=(3, n)), axis=1)
    freqs = np.fft.rfftfreq(n, 1.0 / RATE_HZ)
    spec[:, freqs > cutoff_hz] = 0
    x = np.fft.irfft(spec, n=n, axis=1)
    return scale * x / (np.std(x) + 1e-9)


def motion(label: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """Acceleration of the hand in world coordinates (3, n), in g, without gravity."""
    t = np.arange(n) / RATE_HZ
    drift = smooth_noise(rng, n, 0.5, rng.uniform(0.005, 0.05))
    tremor = rng.uniform(0.002, 0.01) * np.sin(phase_of(rng, t, 8.0, 12.0)) * unit(rng)[:, None]
    if label == "idle":
        # a still hand fidgets now and then: slow, small, aperiodic movements
        fidget = smooth_noise(rng, n, 2.0, rng.uniform(0.02, 0.12)) if rng.random() < 0.5 else 0.0
        return drift + tremor + fidget
    # a gesture may begin during the recording: it fades in from a random start
    start = rng.uniform(0.0, 0.8) if rng.random() < 0.3 else 0.0
    envelope = np.clip((t - start) / 0.25, 0.0, 1.0)
    if label in ("wave", "shake"):
        lo, hi, amp = (1.6, 3.2, rng.uniform(0.15, 1.0)) if label == "wave" else (5.0, 8.0, rng.uniform(0.3, 1.8))
        ph = phase_of(rng, t, lo, hi)
        along = np.array([1.0, 0.0, 0.0]) if label == "wave" else unit(rng)
        side = unit(rng)
        wave = amp * (np.sin(ph) + rng.uniform(0.05, 0.4) * np.sin(2 * ph + rng.uniform(0, np.pi)))
        moving = along[:, None] * wave + side[:, None] * rng.uniform(0, 0.2) * amp * np.sin(ph)
        return drift + tremor + envelope * moving
    # circle: two orthogonal directions of a random plane, 90° apart (an ellipse when drawn unevenly)
    u = unit(rng)
    v = np.cross(u, unit(rng))
    v /= np.linalg.norm(v)
    amp = rng.uniform(0.15, 0.8)
    ph = phase_of(rng, t, 0.7, 1.8)
    ellipse = rng.uniform(0.4, 1.0)
    return drift + tremor + envelope * amp * (u[:, None] * np.sin(ph) + ellipse * v[:, None] * np.cos(ph))


def segment(label: str, rng: np.random.Generator, n: int = SEGMENT) -> np.ndarray:
    """One recorded segment (n, 3) as the accelerometer reports it, in g."""
    world = motion(label, rng, n) + np.array([0.0, 0.0, 1.0])[:, None]
    board = random_rotation(rng).T @ world
    noise = rng.uniform(0.01, 0.05) * rng.normal(size=board.shape)
    bias = rng.uniform(-0.04, 0.04, size=(3, 1))
    return np.clip(board + noise + bias, -RANGE_G, RANGE_G).T.astype(np.float32)


def make_split(per_class: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    segs, labels = [], []
    for _ in range(per_class):
        for label in LABELS:
            segs.append(segment(label, rng))
            labels.append(label)
    return segs, labels


def project():
    stages = [
        StageSpec("imu", "sensors.accelerometer", {"axes": 3, "rate_hz": RATE_HZ, "range_g": int(RANGE_G)}),
        StageSpec("window", "dsp.window", {"window": WINDOW, "hop": HOP}),
        StageSpec("spectrum", "dsp.spectrum", {"n_fft": 128, "window": "hann", "bins": 32, "log": True,
                                               "log_floor": 1e-3}),
        StageSpec("classifier", "model.tflite", {"model": f"{NAME}.tflite", "labels": list(LABELS)}),
        StageSpec("serial", "outputs.serial", {}),
    ]
    dataset = {
        "folder": "data",
        "labels": list(LABELS),
        "synthetic": "make_gesture.py: seeded synthetic accelerometer segments of 2.56 s",
        "test": {"samples": "test/test.npy", "segment_samples": SEGMENT, "labels": "test/labels.txt"},
    }
    return linear_project(NAME, "nano33ble", stages, HERE, dataset)


def windows_of(proj, segs, labels, shape=None):
    feats, ys = [], []
    for seg, label in zip(segs, labels):
        f = features_for_stream(proj, seg, shape)
        feats.append(f)
        ys.extend([label] * f.shape[0])
    return np.concatenate(feats), ys


def main() -> None:
    rng = np.random.default_rng(SEED)
    train_segs, train_labels = make_split(TRAIN_PER_CLASS, rng)
    val_segs, val_labels = make_split(VAL_PER_CLASS, rng)
    test_segs, test_labels = make_split(TEST_PER_CLASS, rng)

    proj = project()
    shape = (32, 3)  # spectrum bins × axes, before the model exists
    x_train, y_train = windows_of(proj, train_segs, train_labels, shape)
    x_val, y_val = windows_of(proj, val_segs, val_labels, shape)
    _, y_test = windows_of(proj, test_segs, test_labels, shape)

    data = HERE / "data"
    data.mkdir(exist_ok=True)
    np.save(data / "train_x.npy", x_train)
    np.save(data / "train_y.npy", class_indices(y_train, LABELS))
    np.save(data / "val_x.npy", x_val)
    np.save(data / "val_y.npy", class_indices(y_val, LABELS))
    (HERE / "test").mkdir(exist_ok=True)
    np.save(HERE / "test" / "test.npy", np.concatenate(test_segs).astype(np.float32))
    write_labels(HERE / "test" / "labels.txt", y_test)
    write_labels(HERE / "labels.txt", LABELS)

    trained = train_and_quantize("dense", x_train, class_indices(y_train, LABELS), x_val,
                                 class_indices(y_val, LABELS), len(LABELS), epochs=30, batch_size=32,
                                 seed=SEED, units=32, layers=2)
    (HERE / f"{NAME}.tflite").write_bytes(trained.quant.tflite)

    proj.dataset["split"] = {"train": int(x_train.shape[0]), "validation": int(x_val.shape[0]),
                             "test": len(y_test)}
    path = save_with_metrics(proj, {})
    test = evaluate_test_split(proj)
    metrics = {
        "train_windows": int(x_train.shape[0]),
        "validation_windows": int(x_val.shape[0]),
        "test_windows": test.windows,
        "float_accuracy_validation": round(trained.quant.float_accuracy, 4),
        "int8_accuracy_validation": round(trained.quant.int8_accuracy, 4),
        "int8_accuracy_test": round(test.accuracy, 4),
        "int8_correct_test": test.correct,
        "float_accuracy_test": round(float_accuracy_on(proj, trained, test_segs, test_labels, shape), 4),
        "model_int8_bytes": len(trained.quant.tflite),
    }
    save_with_metrics(proj, metrics)
    print(f"wrote {path}: {metrics}")


def float_accuracy_on(proj, trained, segs, labels, shape) -> float:
    """Float accuracy of the Keras model (the one the int8 model came from) on the test windows."""
    x, y = windows_of(proj, segs, labels, shape)
    pred = np.argmax(trained.model.predict(x, verbose=0), axis=-1)
    return float(np.mean(pred == class_indices(y, LABELS)))


if __name__ == "__main__":
    main()
