"""Helpers of the studio.ml tests: small chain projects and separable synthetic data."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.ml.recipe import StageSpec, linear_project

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_projects"


def chain_project(folder: Path, *middle: StageSpec, sensor: StageSpec | None = None, model_file: str = "",
                  labels: tuple[str, ...] = ()):
    """sensor → middle stages → model.tflite → serial, saved nowhere (folder only resolves assets)."""
    sensor = sensor or StageSpec("imu", "sensors.accelerometer", {"axes": 3, "rate_hz": 100.0})
    stages = [sensor, *middle,
              StageSpec("model", "model.tflite", {"model": model_file, "labels": list(labels)}),
              StageSpec("serial", "outputs.serial", {})]
    return linear_project("t", "qemu-mps2-an386", stages, folder)


def blobs(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian classes in 8 features: (n, 8) float32 and labels."""
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0] * 4 + [0.0] * 4, [0.0] * 4 + [2.0] * 4, [-2.0] * 8])
    y = np.repeat(np.arange(3), n_per_class)
    x = centres[y] + 0.5 * rng.normal(size=(y.size, 8))
    return x.astype(np.float32), y.astype(np.int32)
