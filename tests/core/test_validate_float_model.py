"""A float32 .tflite in a pipeline: its budget is the compiler's float plan (4 bytes per
activation and per weight), a core without an FPU refuses it, and a float model over the RAM
budget that int8 would bring inside it gets an info naming the bytes int8 saves."""
from __future__ import annotations

import dataclasses

import pytest

from codegen.model.analysis import analyze_tflite
from nodes.base import NodeContext
from studio.core.validate import validate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The same small CNN as a float32 and as a full-integer int8 .tflite (input 8x4x1)."""
    import tensorflow as tf

    k = tf.keras
    k.utils.set_random_seed(1)
    model = k.Sequential([k.Input((8, 4, 1)), k.layers.Conv2D(32, 3, padding="same", activation="relu"),
                          k.layers.Conv2D(16, 3, padding="same", activation="relu"),
                          k.layers.Flatten(), k.layers.Dense(3), k.layers.Softmax()])
    root = tmp_path_factory.mktemp("float_models")
    (root / "float.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([tf.random.normal((1, 8, 4, 1))] for _ in range(8))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    (root / "int8.tflite").write_bytes(conv.convert())
    return root


def _pipeline(model: str):
    from studio.core.graph import Graph

    g = Graph()
    g.add_node("testing.source", {"channels": 4, "rate_hz": 10.0}, node_id="src")
    g.add_node("testing.window", {"window": 8, "hop": 8}, node_id="win")
    g.add_node("model.tflite", {"model": model}, node_id="net")
    g.add_node("testing.sink", node_id="out")
    g.connect("src", "out", "win", "in")
    g.connect("win", "out", "net", "in")
    g.connect("net", "scores", "out", "in")
    return g


def test_float_arena_is_four_times_the_int8_arena_of_the_same_graph(models):
    f32, i8 = analyze_tflite(models / "float.tflite"), analyze_tflite(models / "int8.tflite")
    assert f32.float_model and not i8.float_model
    assert f32.arena_bytes == 4 * i8.arena_bytes
    assert f32.int8_arena_bytes == i8.arena_bytes


def test_float_weights_cost_four_bytes_each_in_flash(models):
    from codegen.model.compiler import load_program

    program, _ = load_program(models / "float.tflite")
    s = analyze_tflite(models / "float.tflite")
    assert program.const_bytes() == 4 * s.params
    assert s.flash_bytes > program.const_bytes()  # plus the float kernels' code


def test_float_model_budget_is_the_float_plan(models, board):
    r = validate(_pipeline("float.tflite"), board, NodeContext(project_dir=models))
    assert r.ok, [i.message for i in r.issues if i.severity == "error"]
    s = analyze_tflite(models / "float.tflite")
    assert r.ram.by_node["net"] == s.arena_bytes + 4 * 3  # arena + the float scores, no int8 copies
    assert r.flash.by_node["net"] == s.flash_bytes


def test_float_model_is_refused_on_a_core_without_an_fpu(models, board):
    no_fpu = dataclasses.replace(board, fpu=False, id="m0", name="M0")
    r = validate(_pipeline("float.tflite"), no_fpu, NodeContext(project_dir=models))
    bad = [i for i in r.issues if i.severity == "error" and i.node == "net"]
    assert bad and "FPU" in bad[0].message and "int8" in bad[0].message


def test_float_model_over_ram_says_int8_would_fit_and_the_bytes_saved(models, board):
    ctx = NodeContext(project_dir=models)
    fits = validate(_pipeline("float.tflite"), board, ctx)
    # int8: a quarter of the arena, plus the int8 input and output copies the firmware keeps
    saving = (analyze_tflite(models / "float.tflite").arena_bytes
              - analyze_tflite(models / "int8.tflite").arena_bytes - 32 - 3)
    small = dataclasses.replace(board, ram_bytes=board.reserved_ram_bytes + fits.ram.used_bytes - saving // 2)
    r = validate(_pipeline("float.tflite"), small, ctx)
    assert r.ram.over
    hint = [i for i in r.issues if i.severity == "info" and i.node == "net"]
    assert hint and f"saves {saving} bytes of RAM" in hint[0].message


def test_float_model_latency_uses_the_float_kernels_figures(models, board):
    f32 = validate(_pipeline("float.tflite"), board, NodeContext(project_dir=models))
    i8 = validate(_pipeline("int8.tflite"), board, NodeContext(project_dir=models))
    ratio = f32.latency.by_node_us["net"] / i8.latency.by_node_us["net"]
    assert 1.3 < ratio < 2.0  # float32 MACs cost about 1.7x int8's on the M4F (bench_float_model)
