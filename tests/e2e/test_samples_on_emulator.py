"""Every sample project on the emulated board: device labels agree with the host reference on every
window, device accuracy equals host int8 accuracy, alerts equal their numpy reference."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.actions import evaluate_emulated
from studio.core.project import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["kws", "digits", "vibration"])
def test_sample_runs_on_the_emulated_board_exactly_like_the_host(name, tmp_path):
    result = evaluate_emulated(load_project(ROOT / "sample_projects" / name / f"{name}.tinyml"), tmp_path / "fw")
    assert result["windows"] == result["host_windows"] == result["device_windows"] > 0
    assert result["agreement"] == 1.0
    assert result["device_accuracy"] == result["host_accuracy"]
    assert result["max_score_diff"] <= 1e-5
    assert result["exit_code"] == 0
    assert result["alerts_agree"] in (None, True)
