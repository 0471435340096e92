"""Helpers of the node-catalogue tests: node instances with checked props, input specs, assets."""
from __future__ import annotations

import shutil
from pathlib import Path

from nodes.base import TensorSpec, node_type

MODEL_INPUT = (8, 4, 1)  # the tiny test model of conftest.tiny_models
MODEL_CLASSES = 3


def make(type_id: str, **props):
    """(node instance, checked props) for ``type_id`` with ``props`` over the defaults."""
    cls = node_type(type_id)
    return cls(), cls.check_props(props)


def stream(channels: int, rate_hz: float) -> dict[str, TensorSpec]:
    return {"in": TensorSpec((channels,), "f32", rate_hz)}


def frame(samples: int, channels: int, rate_hz: float = 1.0) -> dict[str, TensorSpec]:
    return {"in": TensorSpec((samples, channels), "f32", rate_hz)}


def copy_into(project: Path, src: Path, name: str | None = None) -> str:
    """Copies ``src`` into the project folder; returns its relative path."""
    rel = name or src.name
    shutil.copyfile(src, project / rel)
    return rel
