"""An int16x8 model (int16 activations, int8 weights) compiled into the firmware on QEMU: the
device's scores equal the host reference's (TFLite Micro through the firmware's own int16
quantization of the features)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from tests.e2e.model_firmware import run_model_firmware


pytestmark = pytest.mark.slow

SHAPE = (49, 10, 1)  # MFCC frames x coefficients


def _macro(header: str, name: str) -> str:
    return re.search(rf"#define {name}\s+(\S+)", header).group(1)


def _audio_model():
    from tests.codegen.model.bitexact import keras

    k = keras()
    L = k.layers
    k.utils.set_random_seed(5)
    return k.Sequential([k.Input(SHAPE),
                         L.Conv2D(8, (10, 4), strides=2, padding="same", activation="relu"),
                         L.DepthwiseConv2D(3, padding="same", activation="relu"),
                         L.Conv2D(8, 1, activation="relu"),
                         L.AveragePooling2D((25, 5)), L.Flatten(), L.Dense(4), L.Softmax()])


@pytest.fixture(scope="module")
def device_run(tmp_path_factory):
    from codegen.model import compile_tflite
    from tests.codegen.model.bitexact import to_int16x8_tflite

    work = tmp_path_factory.mktemp("model16")
    tflite = to_int16x8_tflite(_audio_model(), SHAPE, low=-20.0, high=20.0)
    (work / "m.tflite").write_bytes(tflite)
    compile_tflite(work / "m.tflite", work / "model")
    header = (work / "model" / "model.h").read_text()
    assert _macro(header, "MODEL_INPUT_TYPE") == "int16_t"
    n_in, n_out = int(_macro(header, "MODEL_INPUT_ELEMENTS")), int(_macro(header, "MODEL_OUTPUT_ELEMENTS"))
    # MFCC-like features, some past the calibrated range (the int16 quantizer clamps)
    features = np.random.default_rng(7).normal(0, 12.0, (6, n_in)).astype(np.float32)
    messages, code = run_model_firmware(work, work / "model", "kws16", features, n_out, timeout_s=120)
    return tflite, features, messages, code


def test_int16x8_firmware_exits_0_after_every_window(device_run):
    _, features, messages, code = device_run
    assert code == 0
    assert sum(m["type"] == "inference" for m in messages) == len(features)


def test_int16x8_device_scores_equal_the_host_reference(device_run):
    from studio.ml.pipeline import Int8Model

    tflite, features, messages, _ = device_run
    expected = Int8Model(tflite).scores(features.reshape((len(features),) + SHAPE))
    got = np.array([m["scores"] for m in messages if m["type"] == "inference"])
    assert np.ptp(expected, axis=0).max() > 1e-3, "degenerate reference scores"
    np.testing.assert_allclose(got, expected, atol=0.5e-5 + 1e-7)
