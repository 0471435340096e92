"""Whole pipelines of catalogue nodes through the real graph model and validator: the node rules
compose (shapes flow, costs add up, labels reach the report)."""
from __future__ import annotations

import pytest

from nodes.base import NodeContext, TensorSpec
from studio.core.boards import boards
from studio.core.graph import Graph
from studio.core.validate import validate
from tests.nodes.node_helpers import copy_into


def _chain(g: Graph, *nodes: tuple[str, str, dict, str, str]) -> None:
    for node_id, type_id, props, _in, _out in nodes:
        g.add_node(type_id, props, node_id=node_id)
    for (a, _, _, _, a_out), (b, _, _, b_in, _) in zip(nodes, nodes[1:]):
        g.connect(a, a_out, b, b_in)


def test_keyword_spotting_front_end_gives_49_by_10_mfccs_twice_a_second():
    g = Graph()
    _chain(g, ("mic", "sensors.microphone", {"rate_hz": 16000.0}, "", "out"),
           ("win", "dsp.window", {"window": 16000, "hop": 8000}, "in", "out"),
           ("mfcc", "dsp.mfcc", {}, "in", "out"))
    report = validate(g, boards().get("qemu-mps2-an386"))
    assert [i.message for i in report.issues if i.severity == "error"] == []
    assert report.specs[("mfcc", "out")] == TensorSpec((49, 10), "f32", 2.0)
    assert 0 < report.latency.by_node_us["mfcc"] < report.latency.period_us


@pytest.mark.slow
def test_motion_pipeline_with_a_tflite_model_validates_with_its_labels(tmp_path, tiny_models):
    rel = copy_into(tmp_path, tiny_models["tflite"])
    g = Graph()
    _chain(g, ("imu", "sensors.accelerometer", {"axes": 1, "rate_hz": 100.0}, "", "out"),
           ("lp", "dsp.biquad", {"cutoff_hz": 20.0, "sample_rate_hz": 100.0}, "in", "out"),
           ("win", "dsp.window", {"window": 32, "hop": 16}, "in", "out"),
           ("net", "model.tflite", {"model": rel, "labels": ["idle", "walk", "run"]}, "in", "scores"),
           ("smooth", "outputs.smoother", {"windows": 3}, "scores", "scores"),
           ("out", "outputs.serial", {}, "scores", ""))
    board = boards().get("qemu-mps2-an386")
    report = validate(g, board, NodeContext(tmp_path, board.info()))
    assert [i.message for i in report.issues if i.severity == "error"] == []
    assert report.labels == ("idle", "walk", "run")
    assert set(report.ram.by_node) >= {"imu", "lp", "win", "net", "smooth", "out"}
    assert report.ram.by_node["net"] > report.ram.by_node["smooth"]
