"""Regenerates the vibration anomaly sample: synthetic motor vibration, an int8 autoencoder and its
reconstruction error as the anomaly score.

    python sample_projects/vibration/make_vibration.py        (from the repository root; ~1 minute)

The emulated Cortex-M4F (QEMU mps2-an386) replays ``test/vibration.npy`` — a 3-axis accelerometer
on a motor housing at 1 kHz, in blocks of 2 s where the machine is healthy or faulty — through
window 256 / hop 256 → log-magnitude spectrum (128 bins, 0–496 Hz, per axis) → an int8 autoencoder
trained on healthy vibration only (features in, reconstruction out) → ``model.reconstruction_error``
(mean squared error of the spectrum against the reconstruction, over a scale calibrated on healthy
validation windows so that 1.0 is where "anomalous" begins; see ``studio.ml.anomaly``) → threshold
alert at 1.0 and serial.

Healthy: shaft rotation at 24–30 Hz with a drifting speed, 1×/2×/3× harmonics and the blade-pass
tone (7×) of random amplitudes, broadband noise, gravity on a slightly tilted housing. Faults (never
seen in training): imbalance (1× several times stronger), misalignment (strong axial 2×), a bearing
defect (impacts at 3.1–3.6× ringing a 250–400 Hz resonance) and mechanical looseness (many
harmonics and half-orders). Everything is seeded.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import numpy as np  # noqa: E402

from studio.ml.anomaly import calibrate, float_reconstructions, reconstruction_errors  # noqa: E402
from studio.ml.dataset import evaluate_test_split  # noqa: E402
from studio.ml.pipeline import Int8Model, features_for_stream  # noqa: E402
from studio.ml.quantize import convert_int8, representative_subset  # noqa: E402
from studio.ml.recipe import StageSpec, linear_project, save_with_metrics, write_labels  # noqa: E402
from studio.ml.train import build_model, set_seed, train  # noqa: E402

NAME = "vibration"
LABELS = ("normal", "anomaly")
FAULTS = ("imbalance", "misalignment", "bearing", "looseness")
RATE_HZ = 1000.0
WINDOW = 256
SEGMENT = 4 * WINDOW            # a training recording: 1.024 s, 4 windows
BLOCK = 8 * WINDOW              # a test block: 2.048 s of one machine state
TRAIN_SEGMENTS, VAL_SEGMENTS = 500, 100
SEED = 1000
THRESHOLD = 1.0                 # the score is the error over the calibrated scale: 1.0 = anomalous


def machine(rng: np.random.Generator, n: int, fault: str | None) -> np.ndarray:
    """Vibration (n, 3) in g of a motor housing: x, y radial, z axial (gravity on z)."""
    t = np.arange(n) / RATE_HZ
    f0 = rng.uniform(24.0, 30.0)
    wobble = 1.0 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.2, 1.0) * t + rng.uniform(0, 6.3))
    phase = 2 * np.pi * np.cumsum(f0 * wobble) / RATE_HZ + rng.uniform(0, 6.3)
    amps = {1: rng.uniform(0.04, 0.10), 2: rng.uniform(0.01, 0.03), 3: rng.uniform(0.003, 0.01),
            7: rng.uniform(0.005, 0.015)}
    axial = rng.uniform(0.2, 0.4)
    if fault == "imbalance":
        amps[1] *= rng.uniform(3.0, 6.0)
    x = np.zeros((3, n))
    for k, a in amps.items():
        ph = k * phase + rng.uniform(0, 6.3)
        x[0] += a * np.sin(ph)
        x[1] += a * np.cos(ph) * rng.uniform(0.8, 1.0)
        x[2] += axial * a * np.sin(ph + rng.uniform(0, 6.3))
    if fault == "misalignment":
        x[2] += rng.uniform(0.08, 0.2) * np.sin(2 * phase + rng.uniform(0, 6.3))
        x[0] += rng.uniform(0.03, 0.08) * np.sin(2 * phase + rng.uniform(0, 6.3))
    elif fault == "bearing":
        rate = rng.uniform(3.1, 3.6) * f0
        ring_hz, decay_s = rng.uniform(250.0, 400.0), rng.uniform(0.004, 0.01)
        impacts = np.zeros(n)
        impacts[(np.arange(0, t[-1], 1.0 / rate) * RATE_HZ).astype(int)] = rng.uniform(0.15, 0.4)
        tk = np.arange(int(5 * decay_s * RATE_HZ)) / RATE_HZ
        ring = np.exp(-tk / decay_s) * np.sin(2 * np.pi * ring_hz * tk)
        burst = np.convolve(impacts, ring)[:n]
        x += np.outer(rng.uniform(0.3, 1.0, 3), burst)
    elif fault == "looseness":
        for k in (0.5, 1.5, 2.5, 4, 5, 6, 8, 9, 10):
            x[:2] += rng.uniform(0.01, 0.04) * np.sin(k * phase + rng.uniform(0, 6.3, (2, 1)))
    x += rng.uniform(0.004, 0.012) * rng.normal(size=x.shape)
    tilt = rng.uniform(-0.1, 0.1, 2)
    gravity = np.array([tilt[0], tilt[1], 1.0])[:, None] / np.linalg.norm([tilt[0], tilt[1], 1.0])
    return (x + gravity).T.astype(np.float32)


def project(scale: float = 1.0):
    """replay → window → spectrum → autoencoder → reconstruction error → threshold alert + serial;
    ``scale`` is the calibrated error that scores 1.0."""
    stages = [
        StageSpec("accel", "sensors.replay", {"file": "test/vibration.npy", "rate_hz": RATE_HZ, "channels": 3}),
        StageSpec("window", "dsp.window", {"window": WINDOW, "hop": WINDOW}),
        StageSpec("spectrum", "dsp.spectrum", {"n_fft": 256, "window": "hann", "bins": 128, "log": True,
                                               "log_floor": 0.5}),
        StageSpec("autoencoder", "model.tflite", {"model": f"{NAME}.tflite"}),
    ]
    dataset = {
        "folder": "data",
        "labels": list(LABELS),
        "task": "anomaly",
        "threshold": THRESHOLD,
        "synthetic": "make_vibration.py: seeded synthetic motor vibration; faults only in the test split",
        "test": {"samples": "test/vibration.npy", "segment_samples": 0, "labels": "test/labels.txt"},
    }
    proj = linear_project(NAME, "qemu-mps2-an386", stages, HERE, dataset)
    g = proj.graph
    g.add_node("model.reconstruction_error", {"metric": "mse", "scale": scale, "labels": ["anomaly"]},
               node_id="score", ui={"x": 880, "y": 0})
    g.connect("spectrum", "out", "score", "features")
    g.connect("autoencoder", "scores", "score", "reconstruction")
    g.add_node("outputs.threshold_alert", {"label": "anomaly", "threshold": THRESHOLD, "hysteresis": 0.1},
               node_id="alert", ui={"x": 1100, "y": 0})
    g.connect("score", "scores", "alert", "scores")
    g.add_node("outputs.serial", {}, node_id="serial", ui={"x": 1100, "y": 140})
    g.connect("score", "scores", "serial", "scores")
    return proj


def test_recording(rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """Blocks of 2 s alternating healthy and each fault twice: (T, 3) and one label per window."""
    states = [None, "imbalance", None, "bearing", None, "misalignment", None, "looseness"] * 2
    blocks, labels = [], []
    for state in states:
        blocks.append(machine(rng, BLOCK, state))
        labels.extend([LABELS[1] if state else LABELS[0]] * (BLOCK // WINDOW))
    return np.concatenate(blocks), labels


def main() -> None:
    rng = np.random.default_rng(SEED)
    proj = project()
    shape = (128, 3)
    feats = lambda segs: np.concatenate([features_for_stream(proj, s, shape) for s in segs])  # noqa: E731
    x_train = feats([machine(rng, SEGMENT, None) for _ in range(TRAIN_SEGMENTS)])
    x_val = feats([machine(rng, SEGMENT, None) for _ in range(VAL_SEGMENTS)])
    faulty = {f: feats([machine(rng, SEGMENT, f) for _ in range(25)]) for f in FAULTS}
    recording, test_labels = test_recording(rng)

    (HERE / "test").mkdir(exist_ok=True)
    np.save(HERE / "test" / "vibration.npy", recording)
    write_labels(HERE / "test" / "labels.txt", test_labels)
    write_labels(HERE / "labels.txt", LABELS)

    set_seed(SEED)
    ae = build_model("autoencoder", shape, 0, units=32, bottleneck=8)
    result = train(ae, x_train, None, epochs=40, batch_size=32, validation=(x_val, None), seed=SEED,
                   progress=lambda e, logs: print(f"  epoch {e}: " + ", ".join(f"{k} {v:.4f}" for k, v in logs.items())))
    x_fault = np.concatenate(list(faulty.values()))
    # quantize on what the device will see: mostly healthy windows, some faulty ones
    rep = np.concatenate([representative_subset(x_train, 250, SEED), representative_subset(x_fault, 50, SEED)])
    tflite = convert_int8(ae, rep)
    (HERE / f"{NAME}.tflite").write_bytes(tflite)
    int8 = Int8Model(tflite)

    # the score the device computes: the int8 autoencoder's reconstruction error, calibrated on the
    # healthy validation windows
    int8_errors = lambda x: reconstruction_errors(x, int8.scores(x))  # noqa: E731
    cal = calibrate(int8_errors(x_val))
    x_eval = np.concatenate([x_val, x_fault])
    y_eval = np.concatenate([np.zeros(len(x_val), np.int32), np.ones(len(x_fault), np.int32)])
    float_scores = reconstruction_errors(x_eval, float_reconstructions(ae, x_eval)) / cal.scale
    int8_scores = int8_errors(x_eval) / cal.scale
    float_acc = float(np.mean((float_scores >= THRESHOLD) == y_eval))
    int8_acc = float(np.mean((int8_scores >= THRESHOLD) == y_eval))
    per_fault = {f: round(float(np.mean(int8_errors(x) / cal.scale >= THRESHOLD)), 4) for f, x in faulty.items()}

    proj = project(cal.scale)
    proj.dataset["split"] = {"train": int(x_train.shape[0]), "validation": int(x_eval.shape[0]),
                             "test": len(test_labels)}
    save_with_metrics(proj, {})
    test = evaluate_test_split(proj)
    metrics = {
        "train_windows": int(x_train.shape[0]),
        "validation_windows": int(x_eval.shape[0]),
        "test_windows": test.windows,
        "error_scale_mse": round(cal.scale, 6),
        "train_loss_mse": round(result.loss, 6),
        "normal_mse_p99_int8": round(float(np.percentile(int8_errors(x_val), 99)), 6),
        "float_accuracy_validation": round(float_acc, 4),
        "int8_accuracy_validation": round(int8_acc, 4),
        "int8_detection_rate_by_fault": per_fault,
        "int8_accuracy_test": round(test.accuracy, 4),
        "int8_correct_test": test.correct,
        "model_int8_bytes": len(tflite),
    }
    path = save_with_metrics(proj, metrics)
    print(f"wrote {path}: {metrics}")


if __name__ == "__main__":
    main()
