"""float32 models: each op's generated C equals TFLite's interpreter within the stated tolerance
(codegen/model/verify_float.py: |ours - ref| <= 1e-4 + 1e-4 |ref|) on random inputs.

Each example converts a small float model with TensorFlow's converter (no quantization) from a
tf.function with a static batch-1 signature, compiles C, runs it on the host and compares it with
tf.lite.Interpreter; hypothesis picks shapes and options (few derandomized examples).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.compiler import load_program
from codegen.model.errors import ModelError
from codegen.model.verify_float import compare, run_float_both

pytestmark = pytest.mark.slow

FEW = settings(max_examples=3, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def fn_float_tflite(fn, input_shape, float16: bool = False) -> bytes:
    import tensorflow as tf

    spec = tf.TensorSpec((1, *input_shape), tf.float32)
    concrete = tf.function(fn, input_signature=[spec]).get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete], trackable_obj=None)
    if float16:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
    return conv.convert()


def keras_float_tflite(model, float16: bool = False, dynamic_range: bool = False) -> bytes:
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if float16 or dynamic_range:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    if float16:
        conv.target_spec.supported_types = [tf.float16]
    return conv.convert()


def _ops(tflite: bytes) -> set[str]:
    program, _ = load_program(tflite)
    return {op.name for op in program.ops}


def assert_close(tflite: bytes, op: str | None, samples: int = 6, scale: float = 1.0, seed: int = 0):
    if op is not None:
        assert op in _ops(tflite), f"the converter did not emit {op}: {_ops(tflite)}"
    program, _ = load_program(tflite)
    n_in = program.graph.tensors[program.graph.inputs[0]].elements
    x = np.random.default_rng(seed).normal(0, scale, (samples, n_in)).astype(np.float32)
    ours, ref, _ = run_float_both(tflite, x)
    result = compare(ours, ref)
    assert result.ok, result.summary_lines()
    assert np.ptp(ref) > 0, "degenerate reference output"
    return result


def _weights(shape, seed=0):
    return np.random.default_rng(seed).normal(0, 0.5, shape).astype(np.float32)


@FEW
@given(k=st.sampled_from([1, 3]), stride=st.sampled_from([1, 2]), pad=st.sampled_from(["SAME", "VALID"]),
       act=st.sampled_from(["none", "relu", "relu6"]), dil=st.sampled_from([1, 2]))
def test_conv_2d_matches_tflite(k, stride, pad, act, dil):
    import tensorflow as tf

    if dil > 1:
        stride = 1
    w = tf.constant(_weights((k, k, 3, 5)))
    b = tf.constant(_weights((5,), 1))
    acts = {"none": tf.identity, "relu": tf.nn.relu, "relu6": tf.nn.relu6}

    def fn(x):
        y = tf.nn.conv2d(x, w, stride, pad, dilations=dil) + b
        return acts[act](y)

    assert_close(fn_float_tflite(fn, (9, 7, 3)), "CONV_2D")


@FEW
@given(dm=st.sampled_from([1, 2]), stride=st.sampled_from([1, 2]), pad=st.sampled_from(["SAME", "VALID"]))
def test_depthwise_conv_2d_matches_tflite(dm, stride, pad):
    import tensorflow as tf

    w = tf.constant(_weights((3, 3, 4, dm)))
    b = tf.constant(_weights((4 * dm,), 1))
    fn = lambda x: tf.nn.relu(tf.nn.depthwise_conv2d(x, w, [1, stride, stride, 1], pad) + b)
    assert_close(fn_float_tflite(fn, (8, 6, 4)), "DEPTHWISE_CONV_2D")


@FEW
@given(units=st.integers(1, 12), depth=st.integers(1, 40), bias=st.booleans())
def test_fully_connected_matches_tflite(units, depth, bias):
    k = __import__("tensorflow").keras
    model = k.Sequential([k.Input((depth,)), k.layers.Dense(units, use_bias=bias, activation="relu")])
    model.layers[0].set_weights([_weights((depth, units))] + ([_weights((units,), 1)] if bias else []))
    assert_close(keras_float_tflite(model), "FULLY_CONNECTED", scale=2.0)


@FEW
@given(kind=st.sampled_from(["avg", "max"]), f=st.sampled_from([2, 3]), stride=st.sampled_from([1, 2]),
       pad=st.sampled_from(["SAME", "VALID"]))
def test_pooling_matches_tflite(kind, f, stride, pad):
    import tensorflow as tf

    pool = tf.nn.avg_pool2d if kind == "avg" else tf.nn.max_pool2d
    tflite = fn_float_tflite(lambda x: pool(x, f, stride, pad), (7, 6, 3))
    assert_close(tflite, "AVERAGE_POOL_2D" if kind == "avg" else "MAX_POOL_2D")


@FEW
@given(op=st.sampled_from(["ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM"]),
       other=st.sampled_from([(1, 1, 4), (5, 1, 1), (5, 3, 4), (1,)]), relu=st.booleans())
def test_broadcasting_binary_ops_match_tflite(op, other, relu):
    import tensorflow as tf

    c = tf.constant(_weights(other, 2))
    f = {"ADD": tf.add, "SUB": tf.subtract, "MUL": tf.multiply, "MAXIMUM": tf.maximum,
         "MINIMUM": tf.minimum}[op]
    act = tf.nn.relu if relu and op in ("ADD", "SUB", "MUL") else tf.identity
    assert_close(fn_float_tflite(lambda x: act(f(x, c)), (5, 3, 4)), op)


def test_add_of_two_activations_matches_tflite():
    import tensorflow as tf

    w = tf.constant(_weights((1, 1, 4, 4)))
    fn = lambda x: tf.nn.conv2d(x, w, 1, "SAME") + tf.nn.relu(x)
    assert_close(fn_float_tflite(fn, (4, 4, 4)), "ADD")


@FEW
@given(op=st.sampled_from(["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"]),
       axes=st.sampled_from([[1], [1, 2], [3], [0, 2], [1, 2, 3]]), keep=st.booleans())
def test_reductions_match_tflite(op, axes, keep):
    import tensorflow as tf

    f = {"MEAN": tf.reduce_mean, "SUM": tf.reduce_sum, "REDUCE_MAX": tf.reduce_max,
         "REDUCE_MIN": tf.reduce_min}[op]
    axes = [a for a in axes if a > 0] or [1]
    assert_close(fn_float_tflite(lambda x: f(x * 1.5, axis=axes, keepdims=keep), (4, 3, 5)), op)


@FEW
@given(op=st.sampled_from(["LOGISTIC", "TANH", "RELU", "RELU6", "RELU_N1_TO_1", "LEAKY_RELU",
                           "HARD_SWISH"]))
def test_unary_activations_match_tflite(op):
    import tensorflow as tf

    f = {"LOGISTIC": tf.sigmoid, "TANH": tf.tanh, "RELU": tf.nn.relu, "RELU6": tf.nn.relu6,
         "RELU_N1_TO_1": lambda v: tf.clip_by_value(v, -1.0, 1.0),
         "LEAKY_RELU": lambda v: tf.nn.leaky_relu(v, 0.3),
         "HARD_SWISH": lambda v: v * tf.nn.relu6(v + 3.0) / 6.0}[op]
    tflite = fn_float_tflite(f, (6, 7))
    # the converter's pattern matching decides which ops carry the math (a clip may not become
    # RELU_N1_TO_1); whatever it emitted must still run and match TFLite, never skip
    assert_close(tflite, op if op in _ops(tflite) else None, scale=4.0)


@FEW
@given(depth=st.integers(2, 20), beta=st.sampled_from([1.0, 0.5]))
def test_softmax_matches_tflite(depth, beta):
    import tensorflow as tf

    assert_close(fn_float_tflite(lambda x: tf.nn.softmax(x * beta * 3.0), (3, depth)), "SOFTMAX")


@FEW
@given(axis=st.sampled_from([1, 2, 3]), n=st.integers(2, 3))
def test_concatenation_matches_tflite(axis, n):
    import tensorflow as tf

    fn = lambda x: tf.concat([x * float(i + 1) for i in range(n)], axis=axis)
    assert_close(fn_float_tflite(fn, (3, 2, 4)), "CONCATENATION")


def test_pad_matches_tflite():
    import tensorflow as tf

    fn = lambda x: tf.pad(x * 2.0, [[0, 0], [1, 2], [0, 1], [2, 0]])
    assert_close(fn_float_tflite(fn, (3, 4, 2)), "PAD")


@FEW
@given(perm=st.permutations([1, 2, 3]))
def test_transpose_matches_tflite(perm):
    import tensorflow as tf

    fn = lambda x: tf.transpose(x * 2.0, [0, *perm])
    tflite = fn_float_tflite(fn, (2, 3, 4))
    if list(perm) == [1, 2, 3]:
        return  # the identity permutation is folded away by the converter
    assert_close(tflite, "TRANSPOSE")


@FEW
@given(op=st.sampled_from(["STRIDED_SLICE", "SPLIT", "GATHER", "DEPTH_TO_SPACE", "RESIZE_NEAREST_NEIGHBOR",
                           "UNPACK"]))
def test_data_movement_ops_match_tflite(op):
    import tensorflow as tf

    f = {"STRIDED_SLICE": lambda x: x[:, 1:4:2, ::-1, :] * 2.0,
         "SPLIT": lambda x: tf.split(x * 2.0, 2, axis=3)[1],
         "GATHER": lambda x: tf.gather(x * 2.0, [3, 0, 2], axis=2),
         "DEPTH_TO_SPACE": lambda x: tf.nn.depth_to_space(x * 2.0, 2),
         "RESIZE_NEAREST_NEIGHBOR": lambda x: tf.image.resize(x, (8, 6), "nearest") * 2.0,
         "UNPACK": lambda x: tf.unstack(x * 2.0, axis=1)[2]}[op]
    assert_close(fn_float_tflite(f, (4, 4, 4)), op)


def test_whole_small_cnn_matches_tflite():
    k = __import__("tensorflow").keras
    model = k.Sequential([
        k.Input((16, 16, 1)), k.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
        k.layers.DepthwiseConv2D(3, padding="same", activation="relu6"),
        k.layers.Conv2D(12, 1), k.layers.AveragePooling2D(2), k.layers.Flatten(),
        k.layers.Dense(16, activation="tanh"), k.layers.Dense(4), k.layers.Softmax()])
    result = assert_close(keras_float_tflite(model), None, samples=16)
    print(result.summary_lines())


def test_float16_model_reads_half_weights_and_matches_tflite():
    k = __import__("tensorflow").keras
    model = k.Sequential([k.Input((10, 3)), k.layers.Conv1D(6, 3, activation="relu"),
                          k.layers.DepthwiseConv1D(3), k.layers.GlobalAveragePooling1D(), k.layers.Dense(4)])
    tflite = keras_float_tflite(model, float16=True)
    program, _ = load_program(tflite)
    assert "DEQUANTIZE" not in {op.name for op in program.ops}
    assert {program.graph.tensors[op.inputs[1]].dtype for op in program.ops
            if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")} == {"float16"}
    assert_close(tflite, None)


def _dense_pair(float16: bool) -> bytes:
    k = __import__("tensorflow").keras
    model = k.Sequential([k.Input((32,)), k.layers.Dense(64, activation="relu"), k.layers.Dense(8)])
    for layer in model.layers:  # a non-zero bias (the converter drops an all-zero one)
        layer.set_weights([_weights(w.shape, i) for i, w in enumerate(layer.get_weights())])
    return keras_float_tflite(model, float16=float16)


def test_float16_model_stores_half_the_weight_bytes_of_float32():
    p32, _ = load_program(_dense_pair(False))
    p16, _ = load_program(_dense_pair(True))
    weights, biases = 32 * 64 + 64 * 8, 64 + 8
    assert p32.const_bytes() == 4 * (weights + biases)
    assert p16.const_bytes() == 2 * weights + 4 * biases  # biases widened at compile time


def test_float16_weights_cost_no_arena():
    """The kernels expand each weight as they read it: the arena is the float32 model's."""
    p32, _ = load_program(_dense_pair(False))
    p16, _ = load_program(_dense_pair(True))
    assert p16.plan.arena_bytes == p32.plan.arena_bytes == 4 * 64


def test_dynamic_range_model_is_refused_with_a_hint():
    k = __import__("tensorflow").keras
    model = k.Sequential([k.Input((300,)), k.layers.Dense(200), k.layers.Dense(4)])
    with pytest.raises(ModelError, match="dynamic-range"):
        load_program(keras_float_tflite(model, dynamic_range=True))


def test_half_to_float_expansion_is_exact_for_every_bit_pattern(tmp_path):
    import subprocess
    from pathlib import Path

    nn = Path(__file__).resolve().parents[3] / "codegen" / "runtime" / "nn"
    (tmp_path / "main.c").write_text(
        '#include <stdio.h>\n#include "tms_conv_f32.h"\nstatic float f[65536];\n'
        "int main(void)\n{\n    int32_t i;\n    for (i = 0; i < 65536; ++i) {\n"
        "        f[i] = tms_half_to_float((uint16_t)i);\n    }\n"
        "    fwrite(f, sizeof f[0], 65536, stdout);\n    return 0;\n}\n")
    exe = tmp_path / "half"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{nn}", "-o", str(exe),
                    str(tmp_path / "main.c"), str(nn / "tms_conv_f32.c"), "-lm"], check=True)
    ours = np.frombuffer(subprocess.run([str(exe)], capture_output=True, check=True).stdout,
                         dtype=np.uint32)
    ref = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
    nan = np.isnan(ref)
    assert np.array_equal(ours[~nan], ref[~nan].view(np.uint32))
    assert np.isnan(ours.view(np.float32)[nan]).all()


def test_verify_model_compares_a_float_model_within_tolerance(tmp_path):
    from codegen.model import verify_model

    k = __import__("tensorflow").keras
    model = k.Sequential([k.Input((12,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(3),
                          k.layers.Softmax()])
    path = tmp_path / "f.tflite"
    path.write_bytes(keras_float_tflite(model))
    report = verify_model(path, samples=20)
    assert report.ok and report.samples == 20 and report.outputs == 3
    assert report.to_json()["reference"] == "TFLite's float kernels"
    assert report.max_abs_error < 1e-5


@pytest.mark.skipif(__import__("shutil").which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
def test_float_kernel_code_sizes_in_the_budget_are_the_measured_ones(tmp_path):
    import subprocess

    from codegen.model.compiler import RUNTIME_DIR
    from codegen.model.float_ops import FLOAT_OBJECT_BYTES

    for stem, table_bytes in FLOAT_OBJECT_BYTES.items():
        obj = tmp_path / f"{stem}.o"
        subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-mcpu=cortex-m4",
                        "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "-mthumb", "-Os", "-c",
                        str(RUNTIME_DIR / f"{stem}.c"), "-o", str(obj)], check=True, timeout=120)
        sizes = subprocess.run(["arm-none-eabi-size", "-A", str(obj)], capture_output=True, text=True,
                               check=True).stdout
        text = sum(int(line.split()[1]) for line in sizes.splitlines() if line.startswith(".text"))
        assert abs(text - table_bytes) <= 0.1 * table_bytes, (stem, text, table_bytes)
