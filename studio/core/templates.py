"""Project templates: a new project's pipeline for a common job, with DSP defaults an expert picks.

Each template is a chain sensor → DSP → model slot → output(s). The model slot is a
``model.tflite`` node with no file yet (validation warns "no model yet"); ``tinyml-studio train
--use`` (or Run → Train… in the editor) fills it and writes the dataset's labels onto it.

- ``kws``: microphone at 16 kHz → 1 s windows every 0.5 s → MFCC (40 ms frames every 20 ms,
  40 mel filters 20 Hz–4 kHz, 10 coefficients: the "Hello Edge" keyword-spotting front end).
- ``gesture``: 3-axis accelerometer at 100 Hz, ±4 g → 1.28 s windows every 0.64 s → log spectrum
  (128-point Hann FFT, the 32 bins up to 25 Hz where hand motion lives).
- ``vibration``: 3-axis accelerometer at 800 Hz (within every on-board IMU's output rates: the Nano's
  LSM9DS1 tops out at 952 Hz) → 256-sample windows → log spectrum (the 64 bins up
  to 250 Hz) → a normal/anomaly classifier with a threshold alert on "anomaly".
- ``image``: camera 96×96 RGB → grayscale → 48×48 bilinear resize → model.
- ``blank``: an empty graph on the chosen board.

Qt-free: the CLI's ``new`` verb and the editor's File → New from template… both call ``new_project``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from studio.core.errors import BadInput
from studio.core.graph import Graph
from studio.core.project import SUFFIX, Project, save_project


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    title: str
    description: str


@dataclass(frozen=True)
class _Stage:
    node_id: str
    type_id: str
    props: Mapping[str, Any]


@dataclass(frozen=True)
class _Template:
    info: TemplateInfo
    stages: tuple[_Stage, ...]
    extra_outputs: tuple[_Stage, ...] = ()   # further outputs fed by the model's scores


_SERIAL = _Stage("serial", "outputs.serial", {"print_scores": True, "min_interval_ms": 0})
_SLOT = {"model": "", "labels": []}

_TEMPLATES: dict[str, _Template] = {t.info.name: t for t in (
    _Template(TemplateInfo("kws", "Keyword spotting",
                           "microphone 16 kHz → 1 s window → MFCC (10×49) → model → serial"),
              (_Stage("mic", "sensors.microphone", {"rate_hz": 16000.0, "bits": 16}),
               _Stage("window", "dsp.window", {"window": 16000, "hop": 8000}),
               _Stage("mfcc", "dsp.mfcc", {"sample_rate_hz": 16000.0, "frame_length": 640, "frame_stride": 320,
                                           "n_fft": 1024, "spectrum": "magnitude", "n_mels": 40,
                                           "fmin_hz": 20.0, "fmax_hz": 4000.0, "log_floor": 1e-6,
                                           "n_mfcc": 10}),
               _Stage("classifier", "model.tflite", _SLOT), _SERIAL)),
    _Template(TemplateInfo("gesture", "Gesture recognition",
                           "accelerometer 100 Hz → 1.28 s window → log spectrum (32 bins × 3 axes) → model → serial"),
              (_Stage("imu", "sensors.accelerometer", {"axes": 3, "rate_hz": 100.0, "range_g": 4}),
               _Stage("window", "dsp.window", {"window": 128, "hop": 64}),
               _Stage("spectrum", "dsp.spectrum", {"n_fft": 128, "window": "hann", "bins": 32, "log": True,
                                                   "log_floor": 1e-3}),
               _Stage("classifier", "model.tflite", _SLOT), _SERIAL)),
    _Template(TemplateInfo("vibration", "Vibration anomaly",
                           "accelerometer 800 Hz → 256-sample window → log spectrum (64 bins) → normal/anomaly "
                           "model → alert + serial"),
              (_Stage("accel", "sensors.accelerometer", {"axes": 3, "rate_hz": 800.0, "range_g": 8}),
               _Stage("window", "dsp.window", {"window": 256, "hop": 256}),
               _Stage("spectrum", "dsp.spectrum", {"n_fft": 256, "window": "hann", "bins": 64, "log": True,
                                                   "log_floor": 1e-3}),
               _Stage("classifier", "model.tflite", {"model": "", "labels": ["normal", "anomaly"]}), _SERIAL),
              (_Stage("alert", "outputs.threshold_alert", {"label": "anomaly", "index": 0, "threshold": 0.8,
                                                           "hysteresis": 0.1}),)),
    _Template(TemplateInfo("image", "Image classification",
                           "camera 96×96 RGB → grayscale → resize 48×48 → model → serial"),
              (_Stage("camera", "sensors.camera", {"width": 96, "height": 96, "color": "rgb", "fps": 1.0}),
               _Stage("gray", "dsp.grayscale", {}),
               _Stage("resize", "dsp.resize", {"width": 48, "height": 48, "method": "bilinear"}),
               _Stage("classifier", "model.tflite", _SLOT), _SERIAL)),
    _Template(TemplateInfo("blank", "Blank", "an empty pipeline on the chosen board"), ()),
)}


def list_templates() -> list[TemplateInfo]:
    return [t.info for t in _TEMPLATES.values()]


def _graph(template: _Template) -> Graph:
    graph = Graph()
    prev = None
    for i, st in enumerate(template.stages):
        node = graph.add_node(st.type_id, dict(st.props), node_id=st.node_id, ui={"x": 220 * i, "y": 0})
        if prev is not None:
            out_port = "scores" if prev.spec.category in ("model", "quantize") else "out"
            graph.connect(prev.id, out_port, node.id, node.spec.inputs[0].name)
        prev = node
    model = next((n for n in graph.nodes if n.spec.category == "model"), None)
    for j, st in enumerate(template.extra_outputs):
        node = graph.add_node(st.type_id, dict(st.props), node_id=st.node_id,
                              ui={"x": 220 * (len(template.stages) - 1), "y": 160 * (j + 1)})
        if model is not None:
            graph.connect(model.id, "scores", node.id, node.spec.inputs[0].name)
    return graph


def _project_name(name: str | None, folder: Path) -> str:
    text = name if name is not None else folder.name
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:64]
    if not safe:
        raise BadInput(f"project name {text!r} has no letters or digits; choose one with --name")
    return safe


def new_project(dir: str | os.PathLike, template: str, board_id: str, name: str | None = None) -> Path:
    """Writes a new project from ``template`` into folder ``dir`` (created; an existing project file
    there is never overwritten) and returns the path of its .tinyml file."""
    from studio.core.boards import boards

    if template not in _TEMPLATES:
        raise BadInput(f"unknown template '{template}'; choose one of {', '.join(_TEMPLATES)}")
    boards().get(board_id)  # BoardError (bad input) names the known boards
    folder = Path(dir)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"'{folder}' is a file; choose a folder for the new project")
    project_name = _project_name(name, folder.resolve())
    target = folder / f"{project_name}{SUFFIX}"
    if target.exists():
        raise BadInput(f"'{target}' already exists; choose another folder or --name (nothing was overwritten)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BadInput(f"cannot create '{folder}': {e.strerror or e}") from None
    project = Project(name=project_name, board_id=board_id, graph=_graph(_TEMPLATES[template]))
    return save_project(project, target)


def template_names() -> Sequence[str]:
    return tuple(_TEMPLATES)
