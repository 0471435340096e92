"""A small real project with an imported dataset, for the Data panel and import tests: the gesture
template (accelerometer 100 Hz → window 128 → log spectrum) and three classes of 1.28 s CSV clips
whose spectra differ (slow wave, fast wave, noise), imported with the real importer."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.core.project import load_project, save_project
from studio.core.templates import new_project
from studio.ml.importer import apply_import, plan_import

CLASSES = ("slow", "fast", "noise")


def write_clips(folder: Path, per_class: int = 12, length: int = 128, seed: int = 0,
                classes: tuple[str, ...] = CLASSES) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(length) / 100.0
    for label in classes:
        (folder / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            if label == "slow":
                clip = np.stack([np.sin(2 * np.pi * (2 + k) * t + rng.uniform(0, 6)) for k in range(3)], 1)
            elif label == "fast":
                clip = np.stack([np.sin(2 * np.pi * (20 + k) * t + rng.uniform(0, 6)) for k in range(3)], 1)
            else:
                clip = rng.standard_normal((length, 3))
            clip = clip + 0.05 * rng.standard_normal(clip.shape)
            rows = ["x,y,z"] + [",".join(f"{v:.5f}" for v in row) for row in clip]
            (folder / label / f"{label}_{i:02d}.csv").write_text("\n".join(rows) + "\n")
    return folder


def gesture_project(tmp: Path, per_class: int = 12) -> Path:
    path = new_project(tmp / "gest", "gesture", "nano33ble", "gest")
    project = load_project(path)
    plan = plan_import(project, write_clips(tmp / "recordings", per_class), (0.8, 0.1, 0.1), 0)
    assert not plan.problems, plan.problems
    apply_import(project, plan)
    save_project(project)
    return path
