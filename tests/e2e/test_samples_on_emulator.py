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


def test_vibration_alerts_and_anomaly_scores_on_the_emulated_board_equal_the_host_reference(tmp_path):
    """The reconstruction-error node after the model: its score on the device, its alerts and the
    normal/anomaly decisions equal the host's (numpy DSP + TFLite Micro + the node's reference)."""
    from studio.actions import run_emulated
    from studio.ml.pipeline import host_inference

    project = load_project(ROOT / "sample_projects" / "vibration" / "vibration.tinyml")
    result = evaluate_emulated(project, tmp_path / "fw")
    assert result["alerts_agree"] is True
    assert result["device_accuracy"] == result["host_accuracy"] == project.dataset["metrics"]["int8_accuracy_test"]
    run = run_emulated(project, tmp_path / "fw2")
    alerts = [m.to_json() for m in run.messages if m.kind == "alert"]
    assert {a["state"] for a in alerts} == {"on", "off"} and {a["label"] for a in alerts} == {"anomaly"}
    host = host_inference(project)
    device = run.inferences()
    assert [d["label"] for d in device] == ["anomaly"] * len(host)
    # printed with 5 decimals: the device's float32 score within half a last digit plus its float formatting
    for d, h in zip(device, host):
        assert abs(d["scores"][0] - h.scores[0]) <= 5e-6 + 1e-6 * abs(h.scores[0])
