"""A temperature pipeline on the emulated board whose sensor reads QEMU's TMP105 through the firmware's
driver (tests/e2e/test_emulated_i2c.py): Environment (temperature) -> window -> stats (mean, min, max),
no model, so each inference line's scores are the window's temperatures.

Until the sensor catalogue's node parameters (``source``, ``part``, ``bus``, ``address``; the
sensors-core branch) are merged, ``with_binding_params`` adds them to the Environment node type for the
test's duration, as that branch declares them; after the merge it finds them there and adds nothing.
Validation on this branch still wants a recording for a live sensor on the emulated board, so the
project carries a small one that the driver-fed firmware does not embed.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np

from nodes.base import Param
from nodes.sensors import Environment
from studio.core.project import Project, save_project

RATE_HZ = 2.0
WINDOW = 2


@contextmanager
def with_binding_params():
    names = {p.name for p in Environment.params}
    extra = [Param(name, typ, default) for name, typ, default in
             (("source", str, ""), ("part", str, ""), ("bus", str, ""), ("address", int, 0))
             if name not in names]
    saved = Environment.params
    Environment.params = [*saved, *extra]
    try:
        yield
    finally:
        Environment.params = saved


def temperature_project(folder: Path, **sensor) -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "test.npy", np.full((8, 1), 20.0, dtype=np.float32))
    project = Project("i2c-temperature", "qemu-mps2-an386", dataset={"test": {"samples": "test.npy"}})
    g = project.graph
    g.add_node("sensors.environment", {"quantities": "temperature", "rate_hz": RATE_HZ, **sensor}, node_id="env")
    g.add_node("dsp.window", {"window": WINDOW, "hop": WINDOW}, node_id="win")
    g.add_node("dsp.stats", {"mean": True, "min": True, "max": True, "rms": False, "std": False}, node_id="stats")
    g.connect("env", "out", "win", "in")
    g.connect("win", "out", "stats", "in")
    save_project(project, folder / "i2c.tinyml")
    return project
