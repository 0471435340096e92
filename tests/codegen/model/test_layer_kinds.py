"""Survey: one small model per layer kind tinyML users train, converted to int8 exactly as users
do (Keras 3, dynamic batch, full-integer PTQ), compiled, and run against TFLite Micro on the
same file (with the compile-time-computed shape tensors stored as constants, which TFLM needs:
``with_folded_constants``). Every kind that compiles matches bit for bit; a kind that cannot
compile is refused with one message naming the op and what to do.

Kinds (tests/codegen/model/layer_kinds.py) -> the ops the compiler runs after folding:
conv1d (EXPAND_DIMS, CONV_2D, MEAN, FULLY_CONNECTED, SOFTMAX), conv2d (CONV_2D, MAX_POOL_2D,
RESHAPE, FULLY_CONNECTED), depthwise/separable conv, LSTM/GRU/SimpleRNN unrolled (UNPACK,
FULLY_CONNECTED, SPLIT, LOGISTIC, TANH, MUL, ADD, SUB, PACK), multi-head attention with layer
norm (BATCH_MATMUL, SOFTMAX, SQUARED_DIFFERENCE, RSQRT, NEG via float), dot-product attention,
MobileNetV2/V3 blocks (HARD_SWISH, squeeze-and-excite MUL), a FOMO head (softmax per cell),
dense and conv autoencoders (RESIZE_BILINEAR upsampling, TRANSPOSE_CONV), a bidirectional LSTM.
Keras 3's rolled LSTM (unroll=False) converts only with Flex ops and is refused with a hint.
"""
from __future__ import annotations

import numpy as np
import pytest

from codegen.model.compiler import load_program
from codegen.model.errors import ModelError
from tests.codegen.model import layer_kinds as K
from tests.codegen.model.bitexact import (random_rows, reference_rows, run_ours, to_int8_tflite,
                                          with_folded_constants)

pytestmark = pytest.mark.slow

# kind -> ops the compiled program must contain (the layer's signature ops)
COMPILES = {
    "conv1d": {"CONV_2D", "MEAN", "SOFTMAX"},
    "conv2d": {"CONV_2D", "MAX_POOL_2D", "FULLY_CONNECTED"},
    "depthwise_conv2d": {"DEPTHWISE_CONV_2D", "MEAN"},
    "separable_conv2d": {"DEPTHWISE_CONV_2D", "CONV_2D"},
    "lstm": {"UNPACK", "SPLIT", "LOGISTIC", "TANH", "PACK"},
    "gru": {"UNPACK", "SPLIT", "LOGISTIC", "TANH", "SUB", "PACK"},
    "simple_rnn": {"UNPACK", "TANH", "PACK"},
    "multi_head_attention": {"BATCH_MATMUL", "SOFTMAX", "SQUARED_DIFFERENCE", "RSQRT", "NEG"},
    "dot_product_attention": {"BATCH_MATMUL", "SOFTMAX"},
    "mobilenet_v2_block": {"CONV_2D", "DEPTHWISE_CONV_2D", "ADD"},
    "mobilenet_v3_block": {"HARD_SWISH", "MUL", "MEAN"},
    "fomo_head": {"CONV_2D", "DEPTHWISE_CONV_2D", "SOFTMAX"},
    "dense_autoencoder": {"FULLY_CONNECTED"},
    "conv_autoencoder_bilinear": {"CONV_2D", "RESIZE_BILINEAR"},
    "conv_autoencoder_transpose": {"CONV_2D", "TRANSPOSE_CONV", "RELU"},
    "bidirectional_lstm": {"UNPACK", "SPLIT", "CONCATENATION"},
    "conv_autoencoder_upsampling": {"TILE", "CONV_2D"},
}
# Neither TFLM nor TFLite's BUILTIN_REF resolver has TILE (version 3): TFLite's default kernels
# are the reference, whose optimized int8 CONV_2D rounds differently from TFLM's by up to 1 LSB.
NO_TFLM = {"conv_autoencoder_upsampling"}


@pytest.mark.parametrize("kind", sorted(COMPILES))
def test_layer_kind_compiles_and_matches_tflm_bit_for_bit(kind):
    model, shape = K.KINDS[kind]()
    tflite = to_int8_tflite(model, shape)
    ops = {op.name for op in load_program(tflite)[0].graph.ops}
    assert COMPILES[kind] <= ops, f"{kind}: {sorted(ops)}"
    x = random_rows(tflite, 24)
    ours = run_ours(tflite, x)
    ref, which = reference_rows(with_folded_constants(tflite), x)
    assert which == ("builtin" if kind in NO_TFLM else "tflm")
    assert ours.shape == ref.shape
    diff = np.abs(ours.astype(int) - ref.astype(int))
    assert diff.max() <= (1 if kind in NO_TFLM else 0), f"max diff {diff.max()}"
    assert len(np.unique(ref)) > 8, "degenerate reference output"


def test_rolled_lstm_is_refused_naming_the_flex_op_with_a_hint():
    """Keras 3's default LSTM (unroll=False) only converts with Flex ops (TensorList), which no
    microcontroller runtime has: one message names the op and says what to do."""
    import tensorflow as tf

    model, _ = K.lstm_rolled()
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    conv._experimental_lower_tensor_list_ops = False
    with pytest.raises(ModelError) as info:
        load_program(conv.convert())
    text = info.value.message
    assert "cannot be compiled" in text and "WHILE" in text
    assert "CUSTOM:FlexTensorList" in text and "could not lower" in text
    assert "unroll=True" in text


def test_hints_cover_flex_ops_rolled_loops_and_run_time_shapes():
    from codegen.model.analysis import op_hints

    hints = op_hints(["CUSTOM:FlexMatrixDiag", "WHILE", "BROADCAST_TO", "CUMSUM"])
    assert "could not lower" in hints["CUSTOM:FlexMatrixDiag"]
    assert "unroll=True" in hints["WHILE"]
    assert "fixed batch of 1" in hints["BROADCAST_TO"]
    assert "CUMSUM" not in hints
