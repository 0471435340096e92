"""A temperature pipeline on the emulated board whose sensor reads QEMU's TMP105 through the firmware's
driver (tests/e2e/test_emulated_i2c.py): Environment (temperature) -> window -> stats (mean, min, max),
no model, so each inference line's scores are the window's temperatures.

With no sensor parameters the node reads the board's own part (the emulated board's TMP105, which
validation resolves to its driver); ``**sensor`` names an external part (``source="external"``,
``part``, ``bus``, ``address``) for a real board.
"""
from __future__ import annotations

from pathlib import Path

from studio.core.project import Project, save_project

RATE_HZ = 2.0
WINDOW = 2


def temperature_project(folder: Path, board: str = "qemu-mps2-an386", **sensor) -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    project = Project("i2c-temperature", board, dataset={})
    g = project.graph
    g.add_node("sensors.environment", {"quantities": "temperature", "rate_hz": RATE_HZ, **sensor}, node_id="env")
    g.add_node("dsp.window", {"window": WINDOW, "hop": WINDOW}, node_id="win")
    g.add_node("dsp.stats", {"mean": True, "min": True, "max": True, "rms": False, "std": False}, node_id="stats")
    g.connect("env", "out", "win", "in")
    g.connect("win", "out", "stats", "in")
    save_project(project, folder / "i2c.tinyml")
    return project
