"""Helpers of the import tests: small projects whose sensor the data must match, and data writers
(soundfile for WAV in every width, Pillow for images) — data made here, never downloaded."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from studio.core.project import save_project
from studio.ml.recipe import StageSpec, linear_project

RATE_HZ = 16000
WINDOW = 1600     # 0.1 s: the shortest clip the microphone pipeline takes


def mic_project(folder: Path, window: int = WINDOW):
    """microphone 16 kHz → window → model slot → serial, saved in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stages = [StageSpec("mic", "sensors.microphone", {"rate_hz": float(RATE_HZ)}),
              StageSpec("window", "dsp.window", {"window": window, "hop": window}),
              StageSpec("model", "model.tflite", {"model": "", "labels": []}),
              StageSpec("serial", "outputs.serial", {})]
    project = linear_project("t", "nano33ble", stages, folder)
    save_project(project)
    return project


def imu_project(folder: Path, rate_hz: float = 100.0, window: int = 16):
    folder.mkdir(parents=True, exist_ok=True)
    stages = [StageSpec("imu", "sensors.accelerometer", {"axes": 3, "rate_hz": rate_hz}),
              StageSpec("window", "dsp.window", {"window": window, "hop": window}),
              StageSpec("model", "model.tflite", {"model": "", "labels": []}),
              StageSpec("serial", "outputs.serial", {})]
    project = linear_project("t", "nano33ble", stages, folder)
    save_project(project)
    return project


def camera_project(folder: Path, width: int = 16, height: int = 12, color: str = "rgb"):
    folder.mkdir(parents=True, exist_ok=True)
    stages = [StageSpec("camera", "sensors.camera", {"width": width, "height": height, "color": color}),
              StageSpec("model", "model.tflite", {"model": "", "labels": []}),
              StageSpec("serial", "outputs.serial", {})]
    project = linear_project("t", "nano33ble", stages, folder)
    save_project(project)
    return project


def tone(freq_hz: float, seconds: float, rate_hz: int, amplitude: float = 0.5, channels: int = 1) -> np.ndarray:
    t = np.arange(int(round(seconds * rate_hz))) / rate_hz
    x = (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1)


def write_wav(path: Path, data: np.ndarray, rate_hz: int = RATE_HZ, subtype: str = "PCM_16") -> Path:
    import soundfile

    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), data, rate_hz, subtype=subtype)
    return path


def wav_tree(root: Path, labels=("hi", "lo"), per_label: int = 10, seconds: float = 0.2,
             rate_hz: int = RATE_HZ, subtype: str = "PCM_16") -> Path:
    for k, label in enumerate(labels):
        for i in range(per_label):
            write_wav(root / label / f"{label}_{i:02d}.wav", tone(300 + 500 * k + 7 * i, seconds, rate_hz),
                      rate_hz, subtype)
    return root


def write_csv(path: Path, data: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ",".join(f"ch{i}" for i in range(data.shape[1]))
    path.write_text(header + "\n" + "".join(",".join(repr(float(v)) for v in row) + "\n" for row in data))
    return path


def write_image(path: Path, pixels: np.ndarray, fmt: str | None = None) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    arr = pixels[:, :, 0] if pixels.shape[2] == 1 else pixels
    Image.fromarray(arr.astype(np.uint8)).save(path, format=fmt)
    return path


def acquisition_json(path: Path, values: np.ndarray, interval_ms: float) -> Path:
    """An Edge Impulse data-acquisition file (unsigned: alg "none")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"protected": {"ver": "v1", "alg": "none"}, "signature": "0" * 64,
           "payload": {"device_type": "TEST", "interval_ms": interval_ms,
                       "sensors": [{"name": f"acc{c}", "units": "m/s2"} for c in "XYZ"[: values.shape[1]]],
                       "values": values.tolist()}}
    path.write_text(json.dumps(doc))
    return path


def tree_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
