"""A float32 model compiled into the firmware on QEMU (mps2-an386: Cortex-M4 with an FPU): the
device's scores equal the host build of the same C and TFLite's interpreter within the float
tolerance (codegen/model/verify_float.py), plus the 6 decimals the inference line prints."""
from __future__ import annotations


import numpy as np
import pytest

from tests.e2e.model_firmware import run_model_firmware


pytestmark = pytest.mark.slow

PRINTED = 1e-5  # the inference line's decimals


def _float_model() -> bytes:
    import tensorflow as tf

    k = tf.keras
    k.utils.set_random_seed(3)
    model = k.Sequential([
        k.Input((20, 3)), k.layers.Conv1D(8, 3, activation="relu"), k.layers.MaxPooling1D(2),
        k.layers.Conv1D(8, 3, padding="same", activation="relu6"), k.layers.GlobalAveragePooling1D(),
        k.layers.Dense(12, activation="tanh"), k.layers.Dense(4), k.layers.Softmax()])
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


@pytest.fixture(scope="module")
def device_run(tmp_path_factory):
    from codegen.model import compile_tflite

    work = tmp_path_factory.mktemp("float_model")
    tflite = _float_model()
    (work / "m.tflite").write_bytes(tflite)
    compile_tflite(work / "m.tflite", work / "model")
    header = (work / "model" / "model.h").read_text()
    assert "#define MODEL_FLOAT 1" in header
    n_in, n_out = 60, 4
    features = np.random.default_rng(7).normal(0, 2.0, (8, n_in)).astype(np.float32)
    messages, code = run_model_firmware(work, work / "model", "floatmodel", features, n_out)
    return tflite, features, messages, code


def test_firmware_with_a_float_model_exits_0_after_every_window(device_run):
    _, features, messages, code = device_run
    assert code == 0
    assert sum(m["type"] == "inference" for m in messages) == len(features)


def test_device_float_scores_equal_the_host_build_and_tflite(device_run):
    from codegen.model.verify_float import ABS_TOL, REL_TOL, run_float_both

    tflite, features, messages, _ = device_run
    host, ref, _ = run_float_both(tflite, features)
    got = np.array([m["scores"] for m in messages if m["type"] == "inference"])
    np.testing.assert_allclose(got, host, rtol=REL_TOL, atol=ABS_TOL + PRINTED)
    np.testing.assert_allclose(got, ref, rtol=REL_TOL, atol=ABS_TOL + PRINTED)
    assert np.ptp(ref) > 0
