"""The host reference (Int8Model, used by evaluation) runs a float32 model unquantized, in TFLite's
float reference kernels, and agrees with the generated C within the float tolerance."""
from __future__ import annotations

import numpy as np
import pytest

from studio.ml.errors import MLError
from studio.ml.pipeline import Int8Model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def float_model() -> bytes:
    import tensorflow as tf

    k = tf.keras
    k.utils.set_random_seed(4)
    model = k.Sequential([k.Input((6, 4)), k.layers.Conv1D(5, 3, activation="relu"),
                          k.layers.Flatten(), k.layers.Dense(3), k.layers.Softmax()])
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def test_float_model_scores_equal_the_generated_c_within_tolerance(float_model):
    from codegen.model.verify_float import ABS_TOL, REL_TOL, run_float_both

    model = Int8Model(float_model)
    assert model.float_model and model.input_q is None
    feats = np.random.default_rng(1).normal(0, 1.5, (5, 6, 4)).astype(np.float32)
    host = model.scores(feats)
    ours, _, _ = run_float_both(float_model, feats.reshape(5, -1))
    np.testing.assert_allclose(host, ours, rtol=REL_TOL, atol=ABS_TOL)
    assert np.ptp(host) > 0


def test_float_model_refuses_int8_values(float_model):
    with pytest.raises(MLError, match="float32 model"):
        Int8Model(float_model).invoke_int8(np.zeros(24, np.int8))
