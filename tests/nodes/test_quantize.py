"""Quantize nodes: pass-through shapes, float16 needing an FPU, the retired dynamic range, representative
data, conversion."""
from __future__ import annotations

import numpy as np
import pytest

from codegen.model.analysis import analyze_tflite
from nodes.base import NodeError, TensorSpec
from tests.nodes.node_helpers import MODEL_INPUT, make

SCORES = {"scores": TensorSpec((3,), "f32", 2.0)}


def test_int8_passes_scores_through(ctx):
    node, p = make("quantize.int8")
    assert node.infer(SCORES, p, ctx) == SCORES


def test_int8_refuses_an_unconnected_input(ctx):
    node, p = make("quantize.int8")
    with pytest.raises(NodeError, match="not connected") as e:
        node.infer({}, p, ctx)
    assert e.value.port == "scores"


def test_retired_dynamic_range_says_why_and_what_to_use_instead(ctx):
    node, p = make("quantize.dynamic_range")
    with pytest.raises(NodeError, match="removed.*Replace this node with Quantize int8") as e:
        node.infer(SCORES, p, ctx)
    assert e.value.port == "scores"


def test_retired_dynamic_range_is_not_in_the_palette():
    from nodes.base import node_type

    assert node_type("quantize.dynamic_range").retired
    assert not getattr(node_type("quantize.float16"), "retired", False)


def test_float16_passes_scores_through_on_a_core_with_an_fpu(ctx):
    from nodes.base import BoardInfo, NodeContext

    node, p = make("quantize.float16")
    m4f = NodeContext(ctx.project_dir, BoardInfo("m4f", "cortex-m4", 64_000_000, True, True))
    assert node.infer(SCORES, p, m4f) == SCORES


def test_float16_is_refused_on_a_core_without_an_fpu(ctx):
    from nodes.base import BoardInfo, NodeContext

    node, p = make("quantize.float16")
    m0 = NodeContext(ctx.project_dir, BoardInfo("m0", "cortex-m0plus", 48_000_000, False, False))
    with pytest.raises(NodeError, match="no FPU.*Quantize int8") as e:
        node.infer(SCORES, p, m0)
    assert e.value.port == "scores"


def test_int8_with_a_file_source_needs_a_file(ctx):
    node, p = make("quantize.int8", representative="file")
    with pytest.raises(NodeError, match="choose a .npy file"):
        node.infer(SCORES, p, ctx)


def test_int8_reads_the_first_n_representative_samples(ctx, project):
    np.save(project / "rep.npy", np.arange(40, dtype=np.float64).reshape(10, 4))
    node, p = make("quantize.int8", representative="file", representative_file="rep.npy", n_samples=3)
    rep = node.representative(p, ctx)
    assert rep.dtype == np.float32 and rep.shape == (3, 4)


def test_int8_refuses_a_pickled_representative_file(ctx, project):
    np.save(project / "rep.npy", np.array([object()], dtype=object), allow_pickle=True)
    node, p = make("quantize.int8", representative="file", representative_file="rep.npy")
    with pytest.raises(NodeError, match="pickled"):
        node.infer(SCORES, p, ctx)


def test_int8_refuses_a_representative_file_without_a_sample_axis(ctx, project):
    np.save(project / "rep.npy", np.zeros(5))
    node, p = make("quantize.int8", representative="file", representative_file="rep.npy")
    with pytest.raises(NodeError, match=r"\(samples, feature dims"):
        node.infer(SCORES, p, ctx)


def test_int8_costs_nothing_beyond_the_model(ctx):
    node, p = make("quantize.int8")
    assert node.cost(SCORES, SCORES, p, ctx).ram_bytes == 0


@pytest.mark.slow
def test_int8_conversion_has_int8_input_and_output(tiny_models):
    s = analyze_tflite(tiny_models["tflite"])  # made by QuantizeInt8.convert in the session fixture
    assert [t.dtype for t in s.inputs + s.outputs] == ["int8", "int8"]
    assert s.inputs[0].scale and s.unsupported == ()


@pytest.mark.slow
def test_int8_per_tensor_conversion_has_one_scale_per_weight_tensor(tiny_models):
    import tensorflow as tf

    node, p = make("quantize.int8", per_channel=False, n_samples=8)
    rep = np.random.default_rng(0).normal(size=(8,) + MODEL_INPUT).astype(np.float32)
    per_tensor = node.convert(tiny_models["keras"], rep, p)

    def max_scales(model: bytes) -> int:
        interp = tf.lite.Interpreter(model_content=model)
        return max(len(d["quantization_parameters"]["scales"]) for d in interp.get_tensor_details())

    assert max_scales(per_tensor) == 1
    assert max_scales(tiny_models["tflite"].read_bytes()) == 3  # per channel: the 3 conv filters


@pytest.mark.slow
def test_int8_conversion_refuses_samples_of_another_size(tiny_models):
    node, p = make("quantize.int8")
    with pytest.raises(NodeError, match="5 values each.*takes 32"):
        node.convert(tiny_models["keras"], np.zeros((4, 5), np.float32), p)


@pytest.mark.slow
def test_float16_export_stores_half_precision_weights(tiny_models):
    import tensorflow as tf

    node, p = make("quantize.float16")
    interp = tf.lite.Interpreter(model_content=node.convert(tiny_models["keras"], p))
    assert any(d["dtype"] == np.float16 for d in interp.get_tensor_details())


@pytest.mark.slow
def test_int16_activations_option_converts_to_int16x8_that_compiles(tiny_models):
    import tensorflow as tf

    node, p = make("quantize.int8", activations="int16", n_samples=8)
    rep = np.random.default_rng(0).normal(size=(8,) + MODEL_INPUT).astype(np.float32)
    model = node.convert(tiny_models["keras"], rep, p)
    s = analyze_tflite(model)
    assert [t.dtype for t in s.inputs + s.outputs] == ["int16", "int16"]
    assert s.unsupported == ()
    types = {d["dtype"] for d in tf.lite.Interpreter(model_content=model).get_tensor_details()}
    assert np.int8 in types and np.int64 in types  # int8 weights, int64 biases


def test_int16_activations_option_refuses_other_widths():
    with pytest.raises(NodeError):
        make("quantize.int8", activations="int4")


def test_recipe_fingerprint_is_unchanged_by_the_default_activations_option():
    from nodes.quantize import QuantizeInt8, recipe_fingerprint

    before = {k: v for k, v in QuantizeInt8.defaults().items() if k != "activations"}
    with_default = QuantizeInt8.check_props({})
    int16 = QuantizeInt8.check_props({"activations": "int16"})
    step = "quantize.int8"
    assert recipe_fingerprint("f", [(step, before)]) == recipe_fingerprint("f", [(step, with_default)])
    assert recipe_fingerprint("f", [(step, int16)]) != recipe_fingerprint("f", [(step, with_default)])
