"""Small Keras models, one per layer kind tinyML users train (the survey of
test_layer_kinds.py): each builder returns (model, input shape without the batch)."""
from __future__ import annotations

from tests.codegen.model.bitexact import keras


def _seed():
    k = keras()
    k.utils.set_random_seed(11)
    return k, k.layers


def conv1d():
    k, L = _seed()
    x = k.Input((32, 3))
    y = L.Conv1D(8, 5, strides=2, activation="relu")(x)
    y = L.Conv1D(8, 3, padding="same", activation="relu")(y)
    y = L.GlobalAveragePooling1D()(y)
    return k.Model(x, L.Dense(4, activation="softmax")(y)), (32, 3)


def conv2d():
    k, L = _seed()
    x = k.Input((16, 16, 1))
    y = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    y = L.MaxPooling2D()(L.Conv2D(8, 3, padding="same", activation="relu")(y))
    y = L.Flatten()(y)
    return k.Model(x, L.Dense(4)(y)), (16, 16, 1)


def depthwise_conv2d():
    k, L = _seed()
    x = k.Input((12, 12, 4))
    y = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu6")(x)
    y = L.GlobalAveragePooling2D()(y)
    return k.Model(x, L.Dense(3)(y)), (12, 12, 4)


def separable_conv2d():
    k, L = _seed()
    x = k.Input((12, 12, 3))
    y = L.SeparableConv2D(8, 3, padding="same", activation="relu")(x)
    y = L.SeparableConv2D(8, 3, strides=2, activation="relu")(y)
    y = L.GlobalAveragePooling2D()(y)
    return k.Model(x, L.Dense(3)(y)), (12, 12, 3)


def _recurrent(kind):
    k, L = _seed()
    x = k.Input((12, 4))
    y = getattr(L, kind)(12, unroll=True, return_sequences=True)(x)
    y = getattr(L, kind)(8, unroll=True)(y)
    return k.Model(x, L.Dense(3)(y)), (12, 4)


def lstm():
    return _recurrent("LSTM")


def gru():
    return _recurrent("GRU")


def simple_rnn():
    return _recurrent("SimpleRNN")


def lstm_rolled():
    """Keras 3's default (unroll=False): a while loop the converter must lower."""
    k, L = _seed()
    x = k.Input((12, 4))
    y = L.LSTM(8)(x)
    return k.Model(x, L.Dense(3)(y)), (12, 4)


def multi_head_attention():
    k, L = _seed()
    x = k.Input((8, 16))
    y = L.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    y = L.LayerNormalization()(L.Add()([x, y]))
    y = L.GlobalAveragePooling1D()(y)
    return k.Model(x, L.Dense(3)(y)), (8, 16)


def dot_product_attention():
    """Attention-lite from Dense + softmax: scores = softmax(q k^T / sqrt(d)), out = scores v."""
    k, L = _seed()
    x = k.Input((8, 16))
    q, key, v = L.Dense(8)(x), L.Dense(8)(x), L.Dense(8)(x)
    scores = L.Softmax()(L.Dot(axes=(2, 2))([q, key]) * (8 ** -0.5))
    y = L.Dot(axes=(2, 1))([scores, v])
    y = L.GlobalAveragePooling1D()(y)
    return k.Model(x, L.Dense(3)(y)), (8, 16)


def mobilenet_v2_block():
    k, L = _seed()
    x = k.Input((16, 16, 8))
    y = L.ReLU(6.0)(L.BatchNormalization()(L.Conv2D(24, 1, use_bias=False)(x)))
    y = L.ReLU(6.0)(L.BatchNormalization()(L.DepthwiseConv2D(3, padding="same", use_bias=False)(y)))
    y = L.BatchNormalization()(L.Conv2D(8, 1, use_bias=False)(y))
    y = L.Add()([x, y])
    return k.Model(x, L.Dense(3)(L.GlobalAveragePooling2D()(y))), (16, 16, 8)


def mobilenet_v3_block():
    k, L = _seed()
    x = k.Input((16, 16, 8))
    y = L.Activation("hard_swish")(L.Conv2D(24, 1)(x))
    y = L.Activation("hard_swish")(L.DepthwiseConv2D(3, padding="same")(y))
    se = L.GlobalAveragePooling2D(keepdims=True)(y)
    se = L.Conv2D(8, 1, activation="relu")(se)
    se = L.Conv2D(24, 1, activation="hard_sigmoid")(se)
    y = L.Multiply()([y, se])
    y = L.Add()([x, L.Conv2D(8, 1)(y)])
    return k.Model(x, L.Dense(3)(L.GlobalAveragePooling2D()(y))), (16, 16, 8)


def fomo_head():
    """A MobileNet-ish trunk cut at 1/8 resolution, 1x1 conv, softmax per cell."""
    k, L = _seed()
    x = k.Input((48, 48, 1))
    y = x
    for filters in (8, 16, 16):
        y = L.Conv2D(filters, 1, activation="relu6")(
            L.DepthwiseConv2D(3, strides=2, padding="same")(L.Conv2D(filters, 1)(y)))
    y = L.Conv2D(3, 1, kernel_initializer=k.initializers.RandomNormal(stddev=3.0))(y)
    return k.Model(x, L.Softmax()(y)), (48, 48, 1)


def dense_autoencoder():
    k, L = _seed()
    x = k.Input((64,))
    y = L.Dense(32, activation="relu")(x)
    y = L.Dense(8, activation="relu")(y)
    y = L.Dense(32, activation="relu")(y)
    return k.Model(x, L.Dense(64)(y)), (64,)


def conv_autoencoder_upsampling():
    """Nearest UpSampling2D (Keras 3: EXPAND_DIMS -> TILE -> RESHAPE). With a dynamic batch the
    converter leaves placeholder shapes on the tensors after the RESHAPE, the model output
    included; a fixed batch of 1 gives static shapes."""
    k, L = _seed()
    x = k.Input((16, 16, 1), batch_size=1)
    y = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    y = L.UpSampling2D()(y)
    return k.Model(x, L.Conv2D(1, 3, padding="same")(y)), (16, 16, 1)


def conv_autoencoder_bilinear():
    k, L = _seed()
    x = k.Input((16, 16, 1))
    y = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    y = L.UpSampling2D(interpolation="bilinear")(y)
    return k.Model(x, L.Conv2D(1, 3, padding="same")(y)), (16, 16, 1)


def conv_autoencoder_transpose():
    k, L = _seed()
    x = k.Input((16, 16, 1))
    y = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    y = L.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(y)
    return k.Model(x, L.Conv2D(1, 3, padding="same")(y)), (16, 16, 1)


def bidirectional_lstm():
    k, L = _seed()
    x = k.Input((10, 4))
    y = L.Bidirectional(L.LSTM(8, unroll=True))(x)
    return k.Model(x, L.Dense(3)(y)), (10, 4)


KINDS = {f.__name__: f for f in (
    conv1d, conv2d, depthwise_conv2d, separable_conv2d, lstm, gru, simple_rnn, lstm_rolled,
    multi_head_attention, dot_product_attention, mobilenet_v2_block, mobilenet_v3_block,
    fomo_head, dense_autoencoder, conv_autoencoder_upsampling, conv_autoencoder_bilinear,
    conv_autoencoder_transpose, bidirectional_lstm)}
