"""Model nodes against a real tiny Keras model and its int8 .tflite (made once per session)."""
from __future__ import annotations

import pytest

from codegen.model.analysis import analyze_tflite
from nodes.base import NodeContext, NodeError, TensorSpec
from nodes.sensors import content_sha256
from tests.nodes.node_helpers import MODEL_CLASSES, copy_into, make

pytestmark = pytest.mark.slow

FEATURES = {"in": TensorSpec((8, 4), "f32", 2.0)}  # 32 values, the model input is 1×8×4×1


@pytest.fixture
def tflite_rel(project, tiny_models):
    return copy_into(project, tiny_models["tflite"])


@pytest.fixture
def keras_rel(project, tiny_models):
    return copy_into(project, tiny_models["keras"])


# ---- .tflite ----------------------------------------------------------------------------------


def test_tflite_gives_scores_per_class_at_the_feature_rate(ctx, tflite_rel):
    node, p = make("model.tflite", model=tflite_rel)
    assert node.infer(FEATURES, p, ctx) == {"scores": TensorSpec((MODEL_CLASSES,), "f32", 2.0)}


def test_tflite_refuses_features_of_another_size_naming_both_shapes(ctx, tflite_rel):
    node, p = make("model.tflite", model=tflite_rel)
    with pytest.raises(NodeError, match=r"49×10 f32.*490 values.*1×8×4×1 \(32 values\)") as e:
        node.infer({"in": TensorSpec((49, 10), "f32", 2.0)}, p, ctx)
    assert e.value.port == "in"


def test_tflite_refuses_a_label_count_that_differs_from_its_outputs(ctx, tflite_rel):
    node, p = make("model.tflite", model=tflite_rel, labels=["yes", "no"])
    with pytest.raises(NodeError, match="2 labels given but the model has 3 outputs") as e:
        node.infer(FEATURES, p, ctx)
    assert e.value.port == "scores"


def test_tflite_without_labels_names_classes_by_index(ctx, tflite_rel):
    node, p = make("model.tflite", model=tflite_rel)
    assert node.labels(p, ctx) == ["class0", "class1", "class2"]


def test_tflite_passes_on_given_labels(ctx, tflite_rel):
    node, p = make("model.tflite", model=tflite_rel, labels=["a", "b", "c"])
    assert node.labels(p, ctx) == ["a", "b", "c"]


def test_tflite_cost_is_the_compilers_plan(ctx, tflite_rel, project):
    node, p = make("model.tflite", model=tflite_rel)
    out = node.infer(FEATURES, p, ctx)
    cost = node.cost(FEATURES, out, p, ctx)
    s = analyze_tflite(project / tflite_rel)
    assert s.macs > 0
    assert cost.ops == 2 * s.macs
    assert cost.flash_bytes == s.flash_bytes
    assert cost.ram_bytes == s.arena_bytes + 32 + MODEL_CLASSES + 4 * MODEL_CLASSES


def test_tflite_summary_is_cached_by_content(ctx, tflite_rel, project):
    node, p = make("model.tflite", model=tflite_rel)
    node.infer(FEATURES, p, ctx)
    assert ("tflite", content_sha256(project / tflite_rel, ctx)) in ctx.cache


def test_tflite_reports_an_unreadable_model(ctx, project):
    (project / "junk.tflite").write_bytes(b"\x00" * 64)
    node, p = make("model.tflite", model="junk.tflite")
    with pytest.raises(NodeError, match="junk.tflite"):
        node.infer(FEATURES, p, ctx)


def test_tflite_runs_a_float_model_as_float(ctx, project, tiny_models):
    import keras
    import tensorflow as tf

    model = keras.saving.load_model(str(tiny_models["keras"]), safe_mode=True, compile=False)
    (project / "float.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    node, p = make("model.tflite", model="float.tflite")
    assert node.infer(FEATURES, p, ctx) == {"scores": TensorSpec((MODEL_CLASSES,), "f32", 2.0)}
    cost = node.cost(FEATURES, node.infer(FEATURES, p, ctx), p, ctx)
    s = analyze_tflite(project / "float.tflite")
    assert s.float_model and cost.ram_bytes == s.arena_bytes + 4 * MODEL_CLASSES


def test_tflite_refuses_a_keras_file(ctx, keras_rel):
    node, p = make("model.tflite", model=keras_rel)
    with pytest.raises(NodeError, match="reads .tflite"):
        node.infer(FEATURES, p, ctx)


def test_tflite_without_a_model_is_a_slot_that_asks_for_one():
    node, p = make("model.tflite")
    assert node.infer(FEATURES, p, NodeContext())["scores"].shape == (2,)
    assert "no model yet" in node.warnings(p, NodeContext())[0]
    with pytest.raises(NodeError, match="choose a model file"):
        node.summary(p, NodeContext())


# ---- Keras -------------------------------------------------------------------------------------


def test_keras_summary_counts_conv_depthwise_and_dense_macs(ctx, keras_rel):
    node, p = make("model.keras", model=keras_rel)
    s = node.summary(p, ctx)
    # conv 8×4×3 outputs × 3×3×1; depthwise (valid) 6×2×3 × 3×3; dense 3 × 36
    assert [layer.macs for layer in s.layers] == [864, 324, 0, 108]
    assert s.macs == 1296
    assert s.params == 30 + 30 + 111
    assert (s.weight_count, s.bias_count) == (162, 9)
    assert s.input_shape == (8, 4, 1) and s.output_shape == (3,)


def test_keras_largest_activation_pair_is_the_depthwise_layer(ctx, keras_rel):
    node, p = make("model.keras", model=keras_rel)
    assert node.summary(p, ctx).activation_pair_bytes == 96 + 36


def test_keras_cost_is_an_int8_estimate(ctx, keras_rel):
    node, p = make("model.keras", model=keras_rel)
    out = node.infer(FEATURES, p, ctx)
    cost = node.cost(FEATURES, out, p, ctx)
    assert cost.ops == 2 * 1296
    assert cost.detail["weight_bytes"] == 162 + 4 * 9


def test_keras_gives_scores_per_class(ctx, keras_rel):
    node, p = make("model.keras", model=keras_rel, labels=["x", "y", "z"])
    assert node.infer(FEATURES, p, ctx)["scores"].shape == (3,)
    assert node.labels(p, ctx) == ["x", "y", "z"]


def test_keras_refuses_features_of_another_size(ctx, keras_rel):
    node, p = make("model.keras", model=keras_rel)
    with pytest.raises(NodeError, match="8×4×1 \\(32 values\\)"):
        node.infer({"in": TensorSpec((31,), "f32", 1.0)}, p, ctx)


def test_keras_refuses_a_lambda_layer(ctx, project, tiny_models):
    rel = copy_into(project, tiny_models["lambda"])
    node, p = make("model.keras", model=rel)
    with pytest.raises(NodeError, match="Lambda layer"):
        node.summary(p, ctx)


def test_keras_refuses_a_file_that_is_not_a_model(ctx, project):
    (project / "fake.keras").write_bytes(b"PK not really a zip")
    node, p = make("model.keras", model="fake.keras")
    with pytest.raises(NodeError, match="not a readable Keras model"):
        node.summary(p, ctx)


def test_keras_reads_the_legacy_h5_format(ctx, project, tiny_models):
    import keras

    model = keras.saving.load_model(tiny_models["keras"], compile=False)
    model.save(project / "tiny.h5")
    node, p = make("model.keras", model="tiny.h5")
    assert node.summary(p, ctx).macs == 1296


def test_keras_features_can_be_any_shape_with_the_same_count(ctx, keras_rel):
    node, p = make("model.keras", model=keras_rel)
    assert node.infer({"in": TensorSpec((32,), "f32", 1.0)}, p, ctx)["scores"].rate_hz == 1.0


def test_keras_refuses_a_lambda_layer_in_an_h5_file(ctx, project, tiny_models):
    import keras

    model = keras.saving.load_model(tiny_models["lambda"], compile=False, safe_mode=False)
    model.save(project / "lambda.h5")
    node, p = make("model.keras", model="lambda.h5")
    with pytest.raises(NodeError, match="Lambda layer"):
        node.summary(p, ctx)


def test_keras_refuses_a_model_with_a_free_time_axis(ctx, project):
    import keras

    model = keras.Sequential([keras.Input((None, 4)), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(2)])
    model.save(project / "free.keras")
    node, p = make("model.keras", model="free.keras")
    with pytest.raises(NodeError, match="unknown dimension"):
        node.summary(p, ctx)


def test_the_model_flash_charged_follows_the_cores_kernel_build():
    """The MAC kernels' SMLAD path is built only for Arm cores with the DSP extension: a
    Cortex-M0+ (or a non-Arm core) is charged the plain kernels' smaller code."""
    from pathlib import Path

    from nodes.base import BoardInfo, NodeContext, TensorSpec
    from nodes.model import TfliteModel

    folder = Path(__file__).resolve().parents[2] / "sample_projects" / "gesture"
    props = TfliteModel.check_props({"model": "gesture.tflite"})
    flash = {}
    for cpu, dsp in (("cortex-m4f", True), ("cortex-m0plus", False), ("xtensa-lx7", True)):
        ctx = NodeContext(folder, BoardInfo("b", cpu, 64_000_000, True, dsp))
        node = TfliteModel()
        inputs = {"in": TensorSpec((32, 3), "f32", 1.0)}
        outputs = node.infer(inputs, props, ctx)
        flash[cpu] = node.cost(inputs, outputs, props, ctx).flash_bytes
    s = TfliteModel().summary(props, NodeContext(folder))
    assert flash["cortex-m4f"] == s.flash_bytes
    assert flash["cortex-m0plus"] == flash["xtensa-lx7"] == s.flash_bytes_without_dsp < s.flash_bytes


def test_tflite_int16x8_cost_charges_two_bytes_per_activation_and_io_value(ctx, tiny_models, project):
    import numpy as np

    from tests.nodes.node_helpers import MODEL_INPUT

    node8, p8 = make("quantize.int8", n_samples=8)
    node16, p16 = make("quantize.int8", activations="int16", n_samples=8)
    rep = np.random.default_rng(0).normal(size=(8,) + MODEL_INPUT).astype(np.float32)
    (project / "m16.tflite").write_bytes(node16.convert(tiny_models["keras"], rep, p16))
    (project / "m8.tflite").write_bytes(node8.convert(tiny_models["keras"], rep, p8))
    node, _ = make("model.tflite")
    costs = {}
    for name in ("m8", "m16"):
        p = make("model.tflite", model=f"{name}.tflite")[1]
        costs[name] = node.cost(FEATURES, node.infer(FEATURES, p, ctx), p, ctx)
    s8, s16 = analyze_tflite(project / "m8.tflite"), analyze_tflite(project / "m16.tflite")
    assert s16.lower_bound_bytes == 2 * s8.lower_bound_bytes
    assert costs["m16"].ram_bytes == s16.arena_bytes + 2 * (32 + MODEL_CLASSES) + 4 * MODEL_CLASSES
    assert costs["m16"].ram_bytes > costs["m8"].ram_bytes
