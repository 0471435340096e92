"""Each supported op, as a one-op int8 model from TensorFlow, is bit-exact with TFLite Micro.

Shapes, strides, dilations, paddings, activations and quantization ranges come from hypothesis
(few derandomized examples: each one converts a model and compiles C).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.codegen.model.bitexact import keras, run_both, to_int8_tflite

pytestmark = pytest.mark.slow

# no shrinking: each example costs a conversion and a C build; the failing example is printed
FEW = settings(max_examples=4, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
ACTS = st.sampled_from([None, "relu", "relu6"])


def _diff(tflite: bytes, samples: int = 32) -> tuple[int, np.ndarray]:
    ours, ref, _ = run_both(tflite, samples)
    assert ours.shape == ref.shape
    return int(np.abs(ours.astype(np.int32) - ref.astype(np.int32)).max()), ref


def _model(inputs, outputs):
    k = keras()
    return k.Model(inputs, outputs)


def _assert_exact(tflite: bytes, tol: int = 0) -> None:
    diff, ref = _diff(tflite)
    assert diff <= tol
    assert len(np.unique(ref)) > 1, "degenerate reference output"


@FEW
@given(h=st.integers(3, 12), w=st.integers(3, 12), c=st.integers(1, 5), f=st.integers(1, 6),
       kh=st.integers(1, 3), kw=st.integers(1, 3), stride=st.integers(1, 2),
       dilation=st.integers(1, 2), same=st.booleans(), act=ACTS, scale=st.sampled_from([0.5, 4.0]))
def test_conv2d_matches_tflm(h, w, c, f, kh, kw, stride, dilation, same, act, scale):
    if stride > 1:
        dilation = 1  # Keras refuses both at once
    if not same and ((kh - 1) * dilation + 1 > h or (kw - 1) * dilation + 1 > w):
        same = True
    k = keras()
    k.utils.set_random_seed(h * 100 + w)
    x = k.Input((h, w, c))
    y = k.layers.Conv2D(f, (kh, kw), strides=stride, dilation_rate=dilation,
                        padding="same" if same else "valid", activation=act,
                        bias_initializer="random_normal")(x)
    _assert_exact(to_int8_tflite(_model(x, y), (h, w, c), low=-scale, high=scale))


@FEW
@given(h=st.integers(3, 10), w=st.integers(3, 10), c=st.integers(1, 6), mult=st.integers(1, 2),
       k_=st.integers(1, 3), stride=st.integers(1, 2), same=st.booleans(), act=ACTS)
def test_depthwise_conv2d_matches_tflm(h, w, c, mult, k_, stride, same, act):
    # Keras 3 exports a dilated depthwise conv as SPACE_TO_BATCH_ND + BATCH_TO_SPACE_ND
    dilation = 1
    if not same and k_ > min(h, w):
        same = True
    k = keras()
    k.utils.set_random_seed(h * 10 + c)
    x = k.Input((h, w, c))
    y = k.layers.DepthwiseConv2D(k_, strides=stride, depth_multiplier=mult,
                                 dilation_rate=dilation, padding="same" if same else "valid",
                                 activation=act, bias_initializer="random_normal")(x)
    _assert_exact(to_int8_tflite(_model(x, y), (h, w, c)))


@FEW
@given(n=st.integers(1, 64), units=st.integers(1, 32), act=ACTS, bias=st.booleans(),
       scale=st.sampled_from([0.1, 1.0, 8.0]))
def test_fully_connected_matches_tflm(n, units, act, bias, scale):
    k = keras()
    k.utils.set_random_seed(n + units)
    x = k.Input((n,))
    y = k.layers.Dense(units, activation=act, use_bias=bias,
                       bias_initializer="random_normal")(x)
    _assert_exact(to_int8_tflite(_model(x, y), (n,), low=-scale, high=scale))


@FEW
@given(h=st.integers(2, 12), w=st.integers(2, 12), c=st.integers(1, 4), p=st.integers(1, 3),
       stride=st.integers(1, 3), same=st.booleans(), kind=st.sampled_from(["avg", "max"]))
def test_pooling_matches_tflm(h, w, c, p, stride, same, kind):
    if p > min(h, w):
        p = min(h, w)
    k = keras()
    x = k.Input((h, w, c))
    layer = k.layers.AveragePooling2D if kind == "avg" else k.layers.MaxPooling2D
    y = layer(p, strides=stride, padding="same" if same else "valid")(x)
    _assert_exact(to_int8_tflite(_model(x, y), (h, w, c)))


def _two_input_tflite(layer, shape_a, shape_b, act=None, scale_b=1.0):
    import tensorflow as tf

    k = keras()
    # named: the representative data is given by name (the calibrator's order is its own)
    a, b = k.Input(shape_a, name="in_a"), k.Input(shape_b, name="in_b")
    y = layer([a, b])
    if act:
        y = k.layers.Activation(act)(y)
    m = k.Model([a, b], y)

    def representative():
        rng = np.random.default_rng(0)
        for _ in range(16):
            yield {"in_a": rng.uniform(-1, 1, (1, *shape_a)).astype(np.float32),
                   "in_b": rng.uniform(-scale_b, scale_b, (1, *shape_b)).astype(np.float32)}

    conv = tf.lite.TFLiteConverter.from_keras_model(m)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


@FEW
@given(shape=st.sampled_from([(7,), (4, 5), (3, 4, 6)]), act=st.sampled_from([None, "relu"]),
       scale_b=st.sampled_from([0.25, 1.0, 3.0]))
def test_add_matches_tflm(shape, act, scale_b):
    k = keras()
    _assert_exact(_two_input_tflite(k.layers.Add(), shape, shape, act, scale_b))


@FEW
@given(shape=st.sampled_from([(7,), (3, 4, 6)]), act=st.sampled_from([None, "relu"]),
       scale_b=st.sampled_from([0.25, 3.0]))
def test_sub_matches_tflm(shape, act, scale_b):
    k = keras()
    _assert_exact(_two_input_tflite(k.layers.Subtract(), shape, shape, act, scale_b))


def test_add_with_broadcast_matches_tflm():
    k = keras()
    _assert_exact(_two_input_tflite(k.layers.Add(), (4, 5, 3), (1, 1, 3)))


@FEW
@given(shape=st.sampled_from([(7,), (4, 5), (3, 4, 6)]), scale_b=st.sampled_from([0.25, 3.0]))
def test_mul_matches_tflm(shape, scale_b):
    k = keras()
    _assert_exact(_two_input_tflite(k.layers.Multiply(), shape, shape, None, scale_b))


@FEW
@given(axis=st.sampled_from([-1, 1, 2]), scale_b=st.sampled_from([1.0, 2.0]))
def test_concatenation_matches_tflm(axis, scale_b):
    k = keras()
    _assert_exact(_two_input_tflite(k.layers.Concatenate(axis=axis), (3, 4, 2), (3, 4, 2),
                                    None, scale_b))


@FEW
@given(n=st.integers(2, 40), scale=st.sampled_from([0.5, 2.0, 8.0, 30.0]))
def test_softmax_within_one_lsb_of_tflm(n, scale):
    k = keras()
    x = k.Input((n,))
    y = k.layers.Softmax()(x)
    _assert_exact(to_int8_tflite(_model(x, y), (n,), low=-scale, high=scale), tol=1)


@FEW
@given(kind=st.sampled_from(["sigmoid", "tanh"]), scale=st.sampled_from([0.5, 3.0, 10.0]))
def test_logistic_and_tanh_within_one_lsb_of_tflm(kind, scale):
    k = keras()
    x = k.Input((64,))
    y = k.layers.Activation(kind)(x)
    _assert_exact(to_int8_tflite(_model(x, y), (64,), low=-scale, high=scale), tol=1)


@FEW
@given(alpha=st.sampled_from([0.01, 0.1, 0.3, 0.7]), scale=st.sampled_from([1.0, 6.0]))
def test_leaky_relu_matches_tflm(alpha, scale):
    k = keras()
    x = k.Input((48,))
    y = k.layers.LeakyReLU(negative_slope=alpha)(x)
    _assert_exact(to_int8_tflite(_model(x, y), (48,), low=-scale, high=scale))


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling_mean_matches_tflm(keepdims):
    k = keras()
    x = k.Input((5, 6, 4))
    y = k.layers.GlobalAveragePooling2D(keepdims=keepdims)(x)
    _assert_exact(to_int8_tflite(_model(x, y), (5, 6, 4)))


def test_mean_with_output_quantization_equal_to_input_matches_tflm():
    """TFLM rounds here too (no truncating shortcut); the converter never makes this case, so
    the output tensor's quantization is patched to the input's in the flatbuffer."""
    from codegen.model.schema import tflite_schema

    k = keras()
    x = k.Input((5, 6, 4))
    y = k.layers.GlobalAveragePooling2D()(x)
    blob = bytearray(to_int8_tflite(_model(x, y), (5, 6, 4)))
    s = tflite_schema()
    sg = s.Model.GetRootAs(blob, 0).Subgraphs(0)
    op = sg.Operators(0)
    q_in = sg.Tensors(op.Inputs(0)).Quantization()
    q_out = sg.Tensors(op.Outputs(0)).Quantization()
    q_out.ScaleAsNumpy()[:] = q_in.ScaleAsNumpy()  # numpy views onto the bytearray
    q_out.ZeroPointAsNumpy()[:] = q_in.ZeroPointAsNumpy()
    _assert_exact(bytes(blob))


@FEW
@given(top=st.integers(0, 2), left=st.integers(0, 2), bottom=st.integers(0, 2))
def test_zero_padding_pad_matches_tflm(top, left, bottom):
    k = keras()
    x = k.Input((4, 5, 3))
    y = k.layers.ZeroPadding2D(((top, bottom), (left, 1)))(x)
    y = k.layers.Conv2D(2, 2)(y)  # keeps PAD from being the trivial output
    _assert_exact(to_int8_tflite(_model(x, y), (4, 5, 3)))


def test_unsupported_op_is_reported_before_any_file_is_written(tmp_path):
    from codegen.model import ModelError, compile_tflite

    import tensorflow as tf

    from tests.codegen.model.bitexact import fn_int8_tflite

    path = tmp_path / "up.tflite"  # ABS: an int8 op TFLite has and the compiler does not
    path.write_bytes(fn_int8_tflite(lambda x: tf.abs(x * 2.0) * 3.0, (4, 4, 2)))
    with pytest.raises(ModelError, match=r"ABS \(op #\d+(, #\d+)*\) is not supported") as err:
        compile_tflite(path, tmp_path / "out")
    assert "op #" in err.value.message and "Supported ops: ADD" in err.value.message
    assert err.value.message.count("Supported ops") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("perm", [(2, 1), (3, 1, 2), (2, 3, 1)])
def test_permute_transpose_matches_tflm(perm):
    k = keras()
    shape = (3, 5) if len(perm) == 2 else (3, 4, 5)
    x = k.Input(shape)
    y = k.layers.Dense(4)(k.layers.Flatten()(k.layers.Permute(perm)(x)))
    _assert_exact(to_int8_tflite(_model(x, y), shape))


@FEW
@given(dilation=st.integers(2, 3), same=st.booleans(), hw=st.sampled_from([(9, 9), (10, 7)]),
       bias=st.booleans())
def test_dilated_depthwise_sandwich_folds_and_matches_tflite_reference(dilation, same, hw, bias):
    """Keras exports it as SPACE_TO_BATCH_ND -> DEPTHWISE -> BATCH_TO_SPACE_ND. TFLM runs that
    graph wrongly (its dynamic-batch intermediate keeps batch 1), so TFLite's reference kernels
    (BUILTIN_REF) are the reference here."""
    from tests.codegen.model.bitexact import tflite_reference

    shape = (*hw, 3)
    if not same and (2 * dilation + 1) > min(hw):
        same = True
    k = keras()
    k.utils.set_random_seed(dilation)
    x = k.Input(shape)
    y = k.layers.DepthwiseConv2D(3, dilation_rate=dilation, padding="same" if same else "valid",
                                 use_bias=bias, bias_initializer="random_normal")(x)
    tfl = to_int8_tflite(_model(x, y), shape)
    ours, _, program = run_both(tfl, 16)
    names = [op.name for op in program.ops]
    assert "SPACE_TO_BATCH_ND" not in names and "BATCH_TO_SPACE_ND" not in names
    dw = next(op for op in program.ops if op.name == "DEPTHWISE_CONV_2D")
    assert dw.options["dilation_h"] == dilation
    x_int = np.random.default_rng(0).integers(-128, 128, size=(16, int(np.prod(shape))))
    ref = tflite_reference(tfl, x_int.astype(np.int8))
    assert np.array_equal(ours, ref) and len(np.unique(ref)) > 1


def test_flatten_and_reshape_are_aliases_and_exact():
    k = keras()
    x = k.Input((4, 4, 2))
    y = k.layers.Conv2D(3, 3, padding="same")(x)
    y = k.layers.Flatten()(y)
    y = k.layers.Reshape((6, 8))(y)
    y = k.layers.Dense(5)(k.layers.Flatten()(y))
    tfl = to_int8_tflite(_model(x, y), (4, 4, 2))
    diff, _ = _diff(tfl)
    _, _, program = run_both(tfl, 2)
    assert diff == 0
    assert "SHAPE" not in [op.name for op in program.ops]


def test_dense_on_3d_input_folds_its_tensordot_shape_subgraph():
    from codegen.model import analyze_tflite

    k = keras()
    x = k.Input((6, 8))
    y = k.layers.Dense(5)(x)
    s = analyze_tflite(to_int8_tflite(_model(x, y), (6, 8)))
    # TFLM itself cannot run this graph (no REDUCE_PROD kernel); we fold it away
    assert s.unsupported == ()
    assert s.ops == ("RESHAPE", "FULLY_CONNECTED", "RESHAPE")


def test_per_tensor_weight_quantization_matches_tflm():
    import tensorflow as tf

    k = keras()
    k.utils.set_random_seed(8)
    x = k.Input((8, 8, 3))
    y = k.layers.Conv2D(5, 3, activation="relu6")(x)
    y = k.layers.DepthwiseConv2D(3, padding="same")(y)
    y = k.layers.Dense(7, activation="relu")(k.layers.Flatten()(y))

    def representative():
        rng = np.random.default_rng(0)
        for _ in range(16):
            yield [rng.uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(_model(x, y))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    conv._experimental_disable_per_channel = True
    tfl = conv.convert()
    ours, ref, program = run_both(tfl, 32)
    weighted = [op for op in program.ops if op.name != "RESHAPE"]
    assert all(len(program.graph.tensors[op.inputs[1]].quant.scales) == 1 for op in weighted)
    assert np.array_equal(ours, ref) and len(np.unique(ref)) > 1


def test_conv1d_expand_dims_and_reshape_fold_to_aliases_and_exact():
    k = keras()
    k.utils.set_random_seed(5)
    x = k.Input((40, 3))
    y = k.layers.Conv1D(6, 5, strides=2, padding="same", activation="relu")(x)
    y = k.layers.Conv1D(4, 3)(y)
    tfl = to_int8_tflite(_model(x, y), (40, 3))
    ours, ref, program = run_both(tfl, 24)
    names = [op.name for op in program.ops]
    assert names.count("CONV_2D") == 2
    assert set(names) <= {"CONV_2D", "EXPAND_DIMS", "RESHAPE", "SQUEEZE"}
    assert np.array_equal(ours, ref) and len(np.unique(ref)) > 1


def test_float_io_model_is_compiled_with_int8_boundary():
    k = keras()
    x = k.Input((10,))
    y = k.layers.Dense(6, activation="relu")(x)
    tfl = to_int8_tflite(_model(x, y), (10,), int_io=False)
    diff, _ = _diff(tfl)
    _, _, program = run_both(tfl, 2)
    assert diff == 0
    assert [n.kind for n in program.notes] == ["input", "output"]
