"""int16x8 models (TFLite's 16-bit activation mode: int16 activations, int8 weights, int64
biases) compile to C that is bit-exact with TFLite Micro, op by op and as a whole audio model.

Shapes, strides, paddings, activations and calibration ranges come from hypothesis (few
derandomized examples: each converts a model and compiles C). Inputs span the whole int16 range.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.analysis import analyze_tflite
from codegen.model.errors import ModelError
from tests.codegen.model.bitexact import keras, run_both, to_int16x8_tflite, to_int8_tflite

pytestmark = pytest.mark.slow

FEW = settings(max_examples=3, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
ACTS = st.sampled_from([None, "relu", "relu6"])


def _assert_exact(tflite: bytes) -> None:
    ours, ref, program = run_both(tflite, samples=24)
    assert ours.dtype == np.int16 and ref.dtype == np.int16
    assert any(program.graph.tensors[i].dtype == "int16" for i in program.graph.inputs)
    assert ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"max diff {np.abs(ours.astype(int) - ref.astype(int)).max()}"
    assert len(np.unique(ref)) > 1, "degenerate reference output"


def _one_layer(layer, shape, **conv):
    k = keras()
    x = k.Input(shape)
    return to_int16x8_tflite(k.Model(x, layer(x)), shape, **conv)


@FEW
@given(h=st.integers(3, 10), w=st.integers(3, 10), c=st.integers(1, 4), f=st.integers(1, 6),
       kh=st.integers(1, 3), kw=st.integers(1, 3), stride=st.integers(1, 2),
       same=st.booleans(), act=ACTS, scale=st.sampled_from([0.5, 4.0]))
def test_int16x8_conv2d_matches_tflm(h, w, c, f, kh, kw, stride, same, act, scale):
    if not same and (kh > h or kw > w):
        same = True
    k = keras()
    k.utils.set_random_seed(h * 100 + w)
    layer = k.layers.Conv2D(f, (kh, kw), strides=stride, padding="same" if same else "valid",
                            activation=act, bias_initializer="random_normal")
    _assert_exact(_one_layer(layer, (h, w, c), low=-scale, high=scale))


@FEW
@given(h=st.integers(3, 9), w=st.integers(3, 9), c=st.integers(1, 5), mult=st.integers(1, 2),
       k_=st.integers(1, 3), stride=st.integers(1, 2), same=st.booleans(), act=ACTS)
def test_int16x8_depthwise_conv2d_matches_tflm(h, w, c, mult, k_, stride, same, act):
    if not same and k_ > min(h, w):
        same = True
    k = keras()
    k.utils.set_random_seed(h * 10 + c)
    layer = k.layers.DepthwiseConv2D(k_, strides=stride, depth_multiplier=mult,
                                     padding="same" if same else "valid", activation=act,
                                     bias_initializer="random_normal")
    _assert_exact(_one_layer(layer, (h, w, c)))


@FEW
@given(n=st.integers(1, 48), units=st.integers(2, 24), act=ACTS, bias=st.booleans(),
       scale=st.sampled_from([0.1, 1.0, 8.0]))
def test_int16x8_fully_connected_matches_tflm(n, units, act, bias, scale):
    k = keras()
    k.utils.set_random_seed(n + units)
    layer = k.layers.Dense(units, activation=act, use_bias=bias,
                           bias_initializer="random_normal")
    _assert_exact(_one_layer(layer, (n,), low=-scale, high=scale))


@FEW
@given(h=st.integers(2, 9), w=st.integers(2, 9), c=st.integers(1, 4), p=st.integers(1, 3),
       stride=st.integers(1, 2), same=st.booleans(), kind=st.sampled_from(["avg", "max"]))
def test_int16x8_pooling_matches_tflm(h, w, c, p, stride, same, kind):
    if not same and p > min(h, w):
        same = True
    k = keras()
    layer = (k.layers.AveragePooling2D if kind == "avg" else k.layers.MaxPooling2D)(
        p, strides=stride, padding="same" if same else "valid")
    _assert_exact(_one_layer(layer, (h, w, c)))


def _two_inputs(layer, shape, act, scale_b):
    k = keras()
    a, b = k.Input(shape), k.Input(shape)
    y = layer([a, b])
    if act:
        y = k.layers.Activation(act)(y)
    return to_int16x8_tflite(k.Model([a, b], y), shape, input_scales=(1.0, scale_b))


@FEW
@given(shape=st.sampled_from([(7,), (4, 5), (3, 4, 6)]), act=st.sampled_from([None, "relu"]),
       scale_b=st.sampled_from([0.25, 1.0, 3.0]),
       kind=st.sampled_from(["add", "subtract", "multiply"]))
def test_int16x8_add_sub_mul_match_tflm(shape, act, scale_b, kind):
    k = keras()
    layer = {"add": k.layers.Add, "subtract": k.layers.Subtract,
             "multiply": k.layers.Multiply}[kind]()
    _assert_exact(_two_inputs(layer, shape, act, scale_b))


@FEW
@given(kind=st.sampled_from(["maximum", "minimum"]), shape=st.sampled_from([(7,), (3, 4, 6)]))
def test_int16x8_maximum_minimum_match_tflm(kind, shape):
    k = keras()
    layer = k.layers.Maximum() if kind == "maximum" else k.layers.Minimum()
    _assert_exact(_two_inputs(layer, shape, None, 2.0))


@FEW
@given(kind=st.sampled_from(["relu", "relu6", "leaky"]), scale=st.sampled_from([0.5, 4.0, 10.0]))
def test_int16x8_standalone_relu_relu6_and_leaky_relu_match_tflm(kind, scale):
    k = keras()
    layer = {"relu": k.layers.ReLU(), "relu6": k.layers.ReLU(max_value=6.0),
             "leaky": k.layers.LeakyReLU(0.3)}[kind]
    _assert_exact(_one_layer(layer, (30,), low=-scale, high=scale))


@FEW
@given(h=st.integers(2, 8), w=st.integers(2, 8), c=st.integers(1, 6), keepdims=st.booleans())
def test_int16x8_global_average_pooling_mean_matches_tflm(h, w, c, keepdims):
    k = keras()
    _assert_exact(_one_layer(k.layers.GlobalAveragePooling2D(keepdims=keepdims), (h, w, c)))


@FEW
@given(n=st.integers(2, 40), scale=st.sampled_from([0.5, 3.0, 12.0]))
def test_int16x8_softmax_matches_tflm(n, scale):
    k = keras()
    _assert_exact(_one_layer(k.layers.Softmax(), (n,), low=-scale, high=scale))


@FEW
@given(kind=st.sampled_from(["sigmoid", "tanh"]), scale=st.sampled_from([0.5, 2.0, 6.0, 16.0]))
def test_int16x8_logistic_and_tanh_match_tflm(kind, scale):
    k = keras()
    _assert_exact(_one_layer(k.layers.Activation(kind), (40,), low=-scale, high=scale))


@FEW
@given(kind=st.sampled_from(["crop", "permute", "halves", "concat", "pad"]), h=st.integers(3, 7),
       w=st.integers(3, 7), c=st.integers(2, 4))
def test_int16x8_data_movement_ops_match_tflm(kind, h, w, c):
    k = keras()
    L = k.layers
    x = k.Input((h, w, c))
    if kind == "crop":
        y = L.Cropping2D(((1, 0), (0, 1)))(x)
    elif kind == "permute":
        y = L.Permute((2, 1, 3))(x)
    elif kind == "halves":  # two channel slices (STRIDED_SLICE) added
        y = L.Add()([x[:, :, :, :1], x[:, :, :, 1:2]])
    elif kind == "pad":
        y = L.ZeroPadding2D(((1, 2), (0, 1)))(x)
    else:
        y = L.Concatenate()([x, L.MaxPooling2D(1)(x)])
    tflite = to_int16x8_tflite(k.Model(x, y), (h, w, c))
    _assert_exact(tflite)


@FEW
@given(h=st.integers(2, 6), w=st.integers(2, 6), c=st.integers(1, 4), flat=st.booleans())
def test_int16x8_reduce_max_matches_tflite_reference_kernels(h, w, c, flat, tmp_path):
    """TFLM cannot invoke an int16 REDUCE_MAX, so TFLite's BUILTIN_REF kernels are the reference."""
    from codegen.model.compiler import generate_sources, load_program
    from codegen.model.verify import build_host_runner, random_inputs, run_host
    from tests.codegen.model.bitexact import tflite_reference

    k = keras()
    layer = k.layers.GlobalMaxPooling1D() if flat else k.layers.GlobalMaxPooling2D()
    shape = (h * w, c) if flat else (h, w, c)
    tflite = _one_layer(layer, shape)
    path = tmp_path / "m.tflite"
    path.write_bytes(tflite)
    program, name = load_program(path)
    assert [op.name for op in program.ops] == ["REDUCE_MAX"]
    g = program.graph
    x = random_inputs(np.random.default_rng(0), 16, g.tensors[g.inputs[0]].elements, int16=True)
    ours = run_host(build_host_runner(generate_sources(program, name), tmp_path), x,
                    g.tensors[g.outputs[0]].elements)
    ref = tflite_reference(tflite, x)
    assert ref.dtype == np.int16 and np.array_equal(ours, ref)
    assert len(np.unique(ref)) > 1


def _audio_dscnn(seed: int = 1):
    """A small DS-CNN keyword-spotting model on a 49x10 MFCC input."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(seed)
    return k.Sequential([k.Input((49, 10, 1)),
                         L.Conv2D(8, (10, 4), strides=2, padding="same", activation="relu"),
                         L.DepthwiseConv2D(3, padding="same", activation="relu"),
                         L.Conv2D(8, 1, activation="relu"),
                         L.DepthwiseConv2D(3, padding="same", activation="relu"),
                         L.Conv2D(8, 1),
                         L.AveragePooling2D((25, 5)), L.Flatten(), L.Dense(12), L.Softmax()])


def test_int16x8_audio_dscnn_is_bit_exact_end_to_end():
    _assert_exact(to_int16x8_tflite(_audio_dscnn(), (49, 10, 1), low=-4.0, high=4.0))


def test_int16x8_float_io_model_compiles_with_int16_boundary():
    tflite = to_int16x8_tflite(_audio_dscnn(), (49, 10, 1), int_io=False)
    ours, ref, program = run_both(tflite, samples=8)
    g = program.graph
    assert [g.tensors[i].dtype for i in (*g.inputs, *g.outputs)] == ["int16", "int16"]
    assert np.array_equal(ours, ref)


def test_int16x8_arena_charges_two_bytes_per_activation():
    m = _audio_dscnn()
    s8 = analyze_tflite(to_int8_tflite(m, (49, 10, 1)))
    s16 = analyze_tflite(to_int16x8_tflite(m, (49, 10, 1)))
    assert s16.supported and s8.supported
    assert s16.inputs[0].dtype == "int16"
    assert s16.lower_bound_bytes == 2 * s8.lower_bound_bytes
    assert s16.arena_bytes > s8.arena_bytes


def test_int16x8_op_without_an_int16_kernel_is_refused_with_its_name(tmp_path):
    k = keras()
    x = k.Input((6,))
    y = k.layers.UpSampling2D(2)(k.layers.Reshape((3, 2, 1))(x))  # TILE: no int16x8 kernel
    tflite = to_int16x8_tflite(k.Model(x, y), (6,))
    summary = analyze_tflite(tflite)
    assert not summary.supported
    assert "int16 activations (int16x8) is not supported" in summary.unsupported_text
    from codegen.model.compiler import load_program

    path = tmp_path / "m.tflite"
    path.write_bytes(tflite)
    with pytest.raises(ModelError, match="int16x8"):
        load_program(path)


def test_verify_model_checks_an_int16x8_model_on_int16_inputs(tmp_path):
    from codegen.model.verify import TFLM, verify_model

    path = tmp_path / "kws16.tflite"
    path.write_bytes(to_int16x8_tflite(_audio_dscnn(), (49, 10, 1)))
    report = verify_model(path, samples=12)
    assert report.ok and report.mismatches == 0 and report.reference == TFLM


def test_verify_model_uses_tflite_reference_kernels_for_int16_reduce_max(tmp_path):
    from codegen.model.verify import BUILTIN_REF_INT16, verify_model

    k = keras()
    path = tmp_path / "gmp16.tflite"
    path.write_bytes(_one_layer(k.layers.GlobalMaxPooling2D(), (4, 5, 3)))
    report = verify_model(path, samples=12)
    assert report.ok and report.mismatches == 0 and report.reference == BUILTIN_REF_INT16
