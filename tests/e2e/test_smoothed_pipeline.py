"""A smoother between the model and the outputs, end to end: the gesture sample on the emulated
board with its scores averaged over 3 inferences and a debounce of 2 — every window's label and
smoothed scores equal the host reference, which runs Smoother.reference over the whole stream."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.actions import evaluate_emulated
from studio.core.project import load_project
from studio.core.validate import validate_project
from studio.ml.pipeline import host_inference, pipeline_plan

ROOT = Path(__file__).resolve().parents[2]
GESTURE = ROOT / "sample_projects" / "gesture" / "gesture.tinyml"


def smoothed(props: dict):
    project = load_project(GESTURE)
    g = project.graph
    g.disconnect(next(e for e in g.edges if e.dst == "serial"))
    g.add_node("outputs.smoother", props, node_id="smooth")
    g.connect("classifier", "scores", "smooth", "scores")
    g.connect("smooth", "scores", "serial", "scores")
    project.board_id = "qemu-mps2-an386"
    return project


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    return evaluate_emulated(smoothed({"mode": "average", "windows": 3, "debounce": 2}),
                             tmp_path_factory.mktemp("smooth-emu"))


def test_every_smoothed_window_on_the_emulated_board_agrees_with_the_host(evaluation):
    assert evaluation["windows"] == evaluation["host_windows"] > 100
    assert evaluation["agreement"] == 1.0 and evaluation["max_score_diff"] <= 1e-5


def test_the_smoother_changes_what_is_reported(evaluation):
    project = smoothed({"mode": "average", "windows": 3, "debounce": 2})
    plain = load_project(GESTURE)
    split = project.dataset["test"]
    assert split  # the emulated board plays the recorded test split
    plan = pipeline_plan(project)
    assert [s.node_id for s in plan.after_model()] == ["smooth"]
    from codegen.project_firmware import replay_data

    samples = replay_data(project, validate_project(project))
    a, b = host_inference(project, samples), host_inference(plain, samples)
    assert len(a) == len(b) and any(x.scores != y.scores for x, y in zip(a, b))


def test_a_smoother_without_a_model_before_it_is_refused_at_generate(tmp_path):
    from codegen.project_firmware import generate
    from studio.core.errors import BadInput

    project = smoothed({"mode": "majority"})
    project.graph.add_node("outputs.smoother", {}, node_id="early")
    project.graph.connect("imu", "out", "early", "scores")     # 3 raw axes: valid scores, but no model yet
    assert validate_project(project).ok
    with pytest.raises(BadInput, match="early: the smoother steadies the model's scores"):
        generate(project, tmp_path / "fw")
