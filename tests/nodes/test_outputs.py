"""Output nodes: they take class scores; alerts and the smoother behave as their references say."""
from __future__ import annotations

import numpy as np
import pytest

from nodes.base import NodeError, TensorSpec
from tests.nodes.node_helpers import make

SCORES = {"scores": TensorSpec((3,), "f32", 2.0)}
LABELS = ["silence", "yes", "no"]


@pytest.mark.parametrize("type_id", ["outputs.serial", "outputs.threshold_alert"])
def test_sinks_take_scores_and_produce_nothing(type_id):
    node, p = make(type_id)
    assert node.infer(SCORES, p, None) == {}


@pytest.mark.parametrize("type_id", ["outputs.serial", "outputs.gpio_led", "outputs.threshold_alert",
                                     "outputs.smoother"])
def test_outputs_refuse_features_that_are_not_scores(type_id):
    node, p = make(type_id, **({"label": "yes"} if type_id == "outputs.gpio_led" else {}))
    with pytest.raises(NodeError, match="class scores") as e:
        node.infer({"scores": TensorSpec((49, 10), "f32", 2.0)}, p, None)
    assert e.value.port == "scores"


def test_serial_work_grows_when_scores_are_printed():
    node, p_all = make("outputs.serial", print_scores=True)
    _, p_top = make("outputs.serial", print_scores=False)
    assert node.cost(SCORES, {}, p_all, None).ops > node.cost(SCORES, {}, p_top, None).ops


def test_led_needs_a_label():
    node, p = make("outputs.gpio_led")
    with pytest.raises(NodeError, match="choose the class label"):
        node.infer(SCORES, p, None)


def test_led_label_must_be_one_of_the_models():
    node, p = make("outputs.gpio_led", label="maybe")
    with pytest.raises(NodeError, match="'maybe'.*silence, yes, no"):
        node.check_labels(p, LABELS)


def test_alert_refuses_an_index_past_the_scores():
    node, p = make("outputs.threshold_alert", index=3)
    with pytest.raises(NodeError, match="index 3 is past the 3 scores"):
        node.infer(SCORES, p, None)


def test_alert_goes_on_at_threshold_and_off_below_the_hysteresis_band():
    node, p = make("outputs.threshold_alert", label="yes", threshold=0.8, hysteresis=0.2)
    yes = [0.1, 0.8, 0.7, 0.61, 0.59, 0.9]
    scores = np.array([[0.0, s, 0.0] for s in yes], np.float32)
    events = node.events(scores, p, LABELS)
    assert [(e["window"], e["state"]) for e in events] == [(1, "on"), (4, "off"), (5, "on")]
    assert events[0]["label"] == "yes" and events[0]["index"] == 1 and events[0]["type"] == "alert"


def test_smoother_passes_the_scores_spec_through():
    node, p = make("outputs.smoother")
    assert node.infer(SCORES, p, None) == SCORES


def test_smoother_average_is_the_mean_of_the_last_windows():
    node, p = make("outputs.smoother", mode="average", windows=2)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], np.float32)
    np.testing.assert_allclose(node.transform(x, p), [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])


def test_smoother_majority_gives_each_class_its_share_of_votes():
    node, p = make("outputs.smoother", mode="majority", windows=3)
    x = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]], np.float32)
    np.testing.assert_allclose(node.transform(x, p)[2:], [[1 / 3, 2 / 3], [0.0, 1.0]])


def test_smoother_debounce_waits_for_a_new_winner_to_repeat():
    node, p = make("outputs.smoother", windows=1, debounce=2)
    x = np.array([[0.9, 0.1], [0.2, 0.8], [0.9, 0.1], [0.1, 0.9], [0.1, 0.9]], np.float32)
    winners = node.transform(x, p).argmax(axis=1)
    assert list(winners) == [0, 0, 0, 0, 1]


def test_smoother_cost_keeps_a_history_of_score_vectors():
    node, p = make("outputs.smoother", mode="average", windows=5)
    c = node.cost(SCORES, SCORES, p, None)
    assert c.detail["state_bytes"] >= 5 * 3 * 4
