"""model.reconstruction_error: two inputs of equal size, one anomaly score, a reference the C follows."""
from __future__ import annotations

import math

import numpy as np
import pytest

from codegen.emit_anomaly import emit_reconstruction_error
from nodes.base import NodeError, TensorSpec
from tests.nodes.node_helpers import make

TYPE = "model.reconstruction_error"


def specs(n_features=(128, 3), n_recon=(384,), rate=3.9):
    return {"features": TensorSpec(n_features, "f32", rate), "reconstruction": TensorSpec(n_recon, "f32", rate)}


def test_the_score_is_one_value_at_the_window_rate():
    node, p = make(TYPE)
    assert node.infer(specs(), p, None) == {"scores": TensorSpec((1,), "f32", 3.9)}


def test_features_and_reconstruction_may_differ_in_shape_but_not_in_size():
    node, p = make(TYPE)
    assert node.infer(specs((8, 4), (32,)), p, None)["scores"].shape == (1,)


def test_a_reconstruction_of_another_size_is_refused_on_its_port():
    node, p = make(TYPE)
    with pytest.raises(NodeError, match=r"reconstruction is 10 f32.*\(10 values\).*384 values") as e:
        node.infer(specs((128, 3), (10,)), p, None)
    assert e.value.port == "reconstruction"


@pytest.mark.parametrize("port", ["features", "reconstruction"])
def test_each_unconnected_input_is_named(port):
    node, p = make(TYPE)
    inputs = specs()
    del inputs[port]
    with pytest.raises(NodeError, match=f"input '{port}' is not connected") as e:
        node.infer(inputs, p, None)
    assert e.value.port == port


def test_integer_features_are_refused_on_their_port():
    node, p = make(TYPE)
    inputs = specs()
    inputs["features"] = TensorSpec((384,), "i8", 1.0)
    with pytest.raises(NodeError, match="input 'features' is i8") as e:
        node.infer(inputs, p, None)
    assert e.value.port == "features"


@pytest.mark.parametrize("labels", [[], ["a", "b"], [""]])
def test_the_score_needs_exactly_one_label(labels):
    node, p = make(TYPE, labels=labels)
    with pytest.raises(NodeError, match="exactly one label"):
        node.infer(specs(), p, None)


@pytest.mark.parametrize("props, message", [({"scale": 0.0}, "scale"), ({"scale": -1.0}, "scale"),
                                            ({"metric": "rmse"}, "metric"), ({"scale": float("nan")}, "scale")])
def test_bad_properties_are_refused_with_their_name(props, message):
    with pytest.raises(NodeError, match=f"property '{message}'"):
        make(TYPE, **props)


def test_labels_default_to_anomaly():
    node, p = make(TYPE)
    assert node.labels(p, None) == ["anomaly"]


def _sequential(f, r, metric):
    """An independent computation: a Python loop of float32 scalars, one rounding per operation."""
    total = np.float32(0.0)
    for a, b in zip(np.asarray(f, np.float32).ravel(), np.asarray(r, np.float32).ravel()):
        d = np.float32(a - b)
        total = np.float32(total + (np.float32(d * d) if metric == "mse" else np.float32(abs(d))))
    return total


@pytest.mark.parametrize("metric", ["mse", "mae"])
def test_reference_is_the_mean_error_over_the_scale_summed_in_element_order(metric):
    rng = np.random.default_rng(4)
    f = rng.normal(size=(128, 3)).astype(np.float32)
    r = (f.ravel() + 0.1 * rng.normal(size=384)).astype(np.float32)
    node, p = make(TYPE, metric=metric, scale=0.02)
    got = node.window_score(f, r, p)
    assert got.dtype == np.float32 and got.shape == (1,)
    assert got[0] == _sequential(f, r, metric) / np.float32(384) / np.float32(0.02)
    d = f.ravel().astype(np.float64) - r
    loose = np.mean(d * d) if metric == "mse" else np.mean(np.abs(d))
    assert math.isclose(float(got[0]), loose / 0.02, rel_tol=1e-5)


def test_a_perfect_reconstruction_scores_zero_and_the_scale_error_scores_one():
    node, p = make(TYPE, scale=0.25)
    f = np.full(16, 2.0, np.float32)
    assert node.window_score(f, f, p)[0] == 0.0
    assert node.window_score(f, f - np.float32(0.5), p)[0] == 1.0  # mse 0.25 over scale 0.25


def test_scores_of_many_windows_are_the_reference_of_each():
    rng = np.random.default_rng(5)
    f = rng.normal(size=(6, 8, 2)).astype(np.float32)
    r = rng.normal(size=(6, 16)).astype(np.float32)
    node, p = make(TYPE, metric="mae")
    got = node.scores(f, r, p)
    assert got.shape == (6, 1)
    assert all(got[i, 0] == node.window_score(f[i], r[i], p)[0] for i in range(6))


def test_reference_refuses_tensors_of_different_sizes():
    node, p = make(TYPE)
    with pytest.raises(NodeError, match="equal size"):
        node.window_score(np.zeros(4, np.float32), np.zeros(5, np.float32), p)


@pytest.mark.parametrize("metric", ["mse", "mae"])
def test_estimated_ram_equals_the_emitted_stage(metric):
    node, p = make(TYPE, metric=metric)
    inputs = specs()
    outputs = node.infer(inputs, p, None)
    cost = node.cost(inputs, outputs, p, None)
    stage = emit_reconstruction_error("score", p, inputs, {"features": "tms_buf_spec_out",
                                                           "reconstruction": "tms_buf_ae_scores"})
    assert cost.ram_bytes == stage.ram_bytes == 4
    assert cost.flash_bytes - cost.detail["code_bytes"] == stage.flash_bytes == 0


def test_work_grows_with_the_number_of_values():
    node, p = make(TYPE)
    small, big = specs((16,), (16,)), specs()
    assert node.cost(big, node.infer(big, p, None), p, None).ops > \
        node.cost(small, node.infer(small, p, None), p, None).ops
