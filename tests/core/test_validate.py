"""Validation: shapes propagate, problems name their node and port, budgets add up per node."""
from __future__ import annotations

import dataclasses

import pytest

from studio.core.errors import GraphError
from studio.core.graph import Edge
from studio.core.validate import RUNTIME_KEY, STACK_KEY, validate


def errors(report):
    return [i for i in report.issues if i.severity == "error"]


def test_connected_chain_is_ok_and_propagates_shapes(chain, board):
    r = validate(chain, board)
    assert r.ok, errors(r)
    assert r.specs[("win", "out")].shape == (50, 3)
    assert r.specs[("win", "out")].rate_hz == 4.0
    assert r.labels == ("a", "b", "c", "d")


def test_unconnected_input_is_an_error_on_that_port(chain, board):
    chain.disconnect(Edge("win", "out", "net", "in"))
    r = validate(chain, board)
    bad = [i for i in errors(r) if i.node == "net"]
    assert bad and bad[0].port == "in" and "not connected" in bad[0].message


def test_downstream_of_a_failed_node_is_not_blamed(chain, board):
    chain.disconnect(Edge("src", "out", "win", "in"))
    r = validate(chain, board)
    assert {i.node for i in errors(r)} == {"win"}


def test_shape_error_names_node_port_and_shape(chain, board):
    chain.add_node("testing.window", node_id="w2")
    chain.connect("win", "out", "w2", "in")
    r = validate(chain, board)
    msg = [i for i in errors(r) if i.node == "w2"][0]
    assert msg.port == "in" and "50×3" in msg.message


def test_ram_budget_is_the_sum_of_nodes_runtime_and_stack(chain, board):
    r = validate(chain, board)
    assert r.ram.used_bytes == sum(r.ram.by_node.values())
    assert r.ram.by_node["win"] == 50 * 3 * 4 * 2
    assert r.ram.by_node[STACK_KEY] == board.stack_bytes and RUNTIME_KEY in r.ram.by_node
    assert r.ram.budget_bytes == board.ram_bytes - board.reserved_ram_bytes


def test_overflowing_ram_is_an_error_naming_the_biggest_node(chain, board):
    chain.set_property("win", "window", 40_000)
    r = validate(chain, board)
    over = [i for i in errors(r) if "RAM" in i.message]
    assert r.ram.over and over and over[0].node == "win"


def test_smaller_board_turns_a_fitting_pipeline_red(chain, board):
    chain.set_property("win", "window", 8000)
    assert validate(chain, board).ok
    tiny = dataclasses.replace(board, ram_bytes=64 * 1024, id="tiny", name="Tiny")
    assert not validate(chain, tiny).ok


def test_pipeline_that_cannot_keep_up_is_flagged(chain, board):
    chain.set_property("net", "units", 200_000)
    slow = dataclasses.replace(board, clock_hz=1_000_000, flash_bytes=10**9)
    r = validate(chain, slow)
    assert any("cannot keep up" in i.message for i in errors(r))


def test_latency_scales_per_sample_work_to_the_window(chain, board):
    r = validate(chain, board)
    # the source works per sample (100 Hz), windows come at 4 Hz: 25 samples per window
    ops_per_s = board.ops_per_cycle * board.clock_hz
    assert abs(r.latency.by_node_us["src"] - 3 * 25 / ops_per_s * 1e6) < 1e-9
    assert r.latency.period_us == 250_000


def test_orphan_node_is_a_warning(chain, board):
    chain.add_node("testing.source", node_id="lonely")
    r = validate(chain, board)
    assert any(i.node == "lonely" and i.severity == "warning" for i in r.issues)


def test_missing_sensor_is_an_error(board):
    from studio.core.graph import Graph
    g = Graph()
    g.add_node("testing.dense", node_id="net")
    assert any("no sensor" in i.message for i in errors(validate(g, board)))


def test_energy_estimate_uses_duty_cycle(chain, board):
    r = validate(chain, board)
    e = r.energy
    assert 0 < e.duty_cycle < 1
    v = board.supply_mv / 1000
    expected_uw = v * (board.active_current_ua * e.duty_cycle + board.sleep_current_ua * (1 - e.duty_cycle))
    assert abs(e.average_power_uw - expected_uw) < 1e-6


def test_json_report_has_the_contract_keys(chain, board):
    j = validate(chain, board).to_json()
    assert {"ok", "board", "ram", "flash", "latency", "energy", "issues"} <= set(j)
    assert {"used_bytes", "budget_bytes", "by_node"} <= set(j["ram"])
    assert {"window_us", "period_us"} <= set(j["latency"])


def test_sample_rate_property_must_match_the_stream_it_came_from(board):
    from studio.core.graph import Graph
    g = Graph()
    g.add_node("sensors.microphone", {"rate_hz": 8000.0}, node_id="mic")
    g.add_node("dsp.window", {"window": 8000, "hop": 8000}, node_id="win")
    g.add_node("dsp.mfe", {"sample_rate_hz": 16000.0, "frame_length": 256, "frame_stride": 128,
                           "n_fft": 256}, node_id="mel")
    g.connect("mic", "out", "win", "in")
    g.connect("win", "out", "mel", "in")
    bad = [i for i in errors(validate(g, board)) if i.node == "mel"]
    assert bad and "8000 Hz" in bad[0].message
    g.set_property("mel", "sample_rate_hz", 8000.0)
    assert not [i for i in errors(validate(g, board)) if i.node == "mel"]


def test_output_label_must_be_one_of_the_models_labels(chain, board):
    chain.add_node("outputs.gpio_led", {"label": "nope"}, node_id="led")
    chain.connect("net", "scores", "led", "scores")
    bad = [i for i in errors(validate(chain, board)) if i.node == "led"]
    assert bad and "nope" in bad[0].message


def test_live_sensor_on_the_emulated_board_needs_a_recording(chain, board, tmp_path):
    from studio.core.project import Project, save_project
    from studio.core.validate import validate_project
    p = Project("p", board.id, chain)
    save_project(p, tmp_path / "p.tinyml")
    bad = [i for i in errors(validate_project(p)) if i.node == "src"]
    assert bad and "no live sensors" in bad[0].message


def test_recording_of_the_emulated_board_counts_in_flash(chain, board, tmp_path):
    import numpy as np
    from studio.core.project import Project, save_project
    from studio.core.validate import RECORDING_KEY, validate_project
    np.save(tmp_path / "rec.npy", np.zeros((1000, 3), np.float32))
    p = Project("p", board.id, chain, dataset={"test": {"samples": "rec.npy"}})
    save_project(p, tmp_path / "p.tinyml")
    r = validate_project(p)
    assert r.ok and r.flash.by_node[RECORDING_KEY] == 1000 * 3 * 4


def test_float_dsp_on_a_core_without_fpu_pays_the_soft_float_factor(board):
    import dataclasses
    from studio.core.graph import Graph
    from studio.core.validate import SOFT_FLOAT_SLOWDOWN
    g = Graph()
    g.add_node("sensors.accelerometer", node_id="imu")
    g.add_node("dsp.window", {"window": 128, "hop": 64}, node_id="win")
    g.add_node("dsp.stats", {}, node_id="stats")   # float only (spectral nodes go fixed point there)
    g.connect("imu", "out", "win", "in")
    g.connect("win", "out", "stats", "in")
    with_fpu = validate(g, board).latency.by_node_us
    without = validate(g, dataclasses.replace(board, fpu=False)).latency.by_node_us
    assert abs(without["stats"] / with_fpu["stats"] - SOFT_FLOAT_SLOWDOWN) < 1e-9
    assert without["imu"] == with_fpu["imu"]  # a sensor is not float DSP


# ---- fan-out and a two-input node: an autoencoder's reconstruction error -------------------------

def _anomaly(chain, units=150, alert_label="anomaly"):
    """src → win → net (an 'autoencoder' of 150 outputs) and win → score ← net; score → alert."""
    chain.set_property("net", "units", units)
    chain.set_property("net", "labels", [f"class{i}" for i in range(units)])
    chain.disconnect(Edge("net", "scores", "out", "in"))
    chain.remove_node("out")
    chain.add_node("model.reconstruction_error", {"scale": 0.5}, node_id="score")
    chain.connect("win", "out", "score", "features")
    chain.connect("net", "scores", "score", "reconstruction")
    chain.add_node("outputs.threshold_alert", {"label": alert_label, "threshold": 1.0}, node_id="alert")
    chain.connect("score", "scores", "alert", "scores")
    return chain


def test_one_output_feeds_two_nodes_and_a_two_input_node_gets_both(chain, board):
    r = validate(_anomaly(chain), board)
    assert r.ok, errors(r)
    assert r.specs[("score", "scores")].shape == (1,)
    assert r.costs["score"].ram_bytes == 4


def test_outputs_after_the_score_check_the_scores_label_not_the_models(chain, board):
    r = validate(_anomaly(chain), board)
    assert r.labels == ("anomaly",)
    assert r.node_labels["score"] == ("anomaly",) and len(r.node_labels["net"]) == 150


def test_an_alert_watching_a_model_label_after_the_score_is_an_error_listing_the_scores_label(chain, board):
    r = validate(_anomaly(chain, alert_label="class3"), board)
    bad = [i for i in errors(r) if i.node == "alert"]
    assert bad and "'class3'" in bad[0].message and "anomaly" in bad[0].message


@pytest.mark.parametrize("label, ok", [("class3", True), ("anomaly", False)])
def test_an_alert_on_the_model_beside_the_score_checks_the_models_labels(chain, board, label, ok):
    g = _anomaly(chain)
    g.add_node("outputs.threshold_alert", {"label": label}, node_id="model_alert")
    g.connect("net", "scores", "model_alert", "scores")
    r = validate(g, board)
    label_errors = [i for i in errors(r) if i.node == "model_alert" and "different scores" not in i.message]
    assert bool(label_errors) != ok
    # the firmware has one result per inference: two alerts reading the model and the score are
    # refused on both, whatever their labels
    assert {i.node for i in errors(r) if "outputs read different scores" in i.message} == {"alert", "model_alert"}


def test_a_reconstruction_of_the_wrong_size_is_an_error_on_that_port(chain, board):
    r = validate(_anomaly(chain, units=4), board)
    bad = [i for i in errors(r) if i.node == "score"]
    assert bad and bad[0].port == "reconstruction" and "150 values" in bad[0].message
    assert not [i for i in errors(r) if i.node == "alert"]  # downstream of a failed node: not blamed


def test_a_missing_reconstruction_is_an_error_naming_the_port(chain, board):
    g = _anomaly(chain)
    g.disconnect(Edge("net", "scores", "score", "reconstruction"))
    r = validate(g, board)
    bad = [i for i in errors(r) if i.node == "score"]
    assert bad and bad[0].port == "reconstruction" and "not connected" in bad[0].message


def test_a_second_edge_into_a_taken_input_is_refused_by_the_graph(chain):
    g = _anomaly(chain)
    with pytest.raises(GraphError, match="input 'features' of 'score' is already fed by 'win'"):
        g.connect("net", "scores", "score", "features")


def test_a_hostile_project_feeding_one_input_twice_is_an_error(chain, board):
    g = _anomaly(chain)
    g._load_edge(Edge("net", "scores", "score", "features"))  # as a loaded file may, past the edit checks
    r = validate(g, board)
    bad = [i for i in errors(r) if i.node == "score"]
    assert bad and bad[0].port == "features" and "fed by several nodes" in bad[0].message


def test_integer_samples_into_the_score_are_an_error_on_that_port(chain, board):
    g = _anomaly(chain)
    g.disconnect(Edge("win", "out", "score", "features"))
    g.add_node("testing.intsource", node_id="ints")
    g._load_edge(Edge("ints", "out", "score", "features"))
    r = validate(g, board)
    bad = [i for i in errors(r) if i.node == "score"]
    assert bad and bad[0].port == "features" and "i16" in bad[0].message
