"""A real compiled model in the firmware on QEMU: the device's scores equal TFLite Micro's on the same features."""
from __future__ import annotations

import re

import numpy as np
import pytest

from tests.e2e.model_firmware import run_model_firmware

from studio.core.paths import sample_projects_dir

pytestmark = pytest.mark.slow

MODEL = sample_projects_dir() / "gesture" / "gesture.tflite"


def _macro(header: str, name: str) -> float:
    return float(re.search(rf"#define {name}\s+\(?(-?[0-9.eE+-]+)f?\)?", header).group(1).rstrip("f"))


def _tflite_quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    scaled = x.astype(np.float32) / np.float32(scale)
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))
    return np.clip(rounded.astype(np.int64) + zero_point, -128, 127).astype(np.int8)


@pytest.fixture(scope="module")
def device_run(tmp_path_factory):
    if not MODEL.is_file():
        pytest.skip("the gesture sample model is not there")
    from codegen.model import compile_tflite

    work = tmp_path_factory.mktemp("model")
    compile_tflite(MODEL, work / "model")
    header = (work / "model" / "model.h").read_text()
    n_in, n_out = int(_macro(header, "MODEL_INPUT_SIZE")), int(_macro(header, "MODEL_OUTPUT_SIZE"))
    in_scale, in_zp = _macro(header, "MODEL_INPUT_SCALE"), int(_macro(header, "MODEL_INPUT_ZERO_POINT"))
    # features spread over the whole int8 range of the input, and past it (clamping)
    features = np.random.default_rng(7).uniform(-140, 140, (8, n_in)).astype(np.float32) * np.float32(in_scale)
    messages, code = run_model_firmware(work, work / "model", "gesture", features, n_out)
    return header, features, messages, code, work


def test_firmware_with_a_compiled_model_exits_0_after_every_window(device_run):
    _, features, messages, code, _ = device_run
    assert code == 0
    assert sum(m["type"] == "inference" for m in messages) == len(features)


def test_device_scores_equal_tflite_micro_on_the_same_float_features(device_run):
    from codegen.model.verify import run_tflm

    header, features, messages, _, work = device_run
    in_q = (_macro(header, "MODEL_INPUT_SCALE"), int(_macro(header, "MODEL_INPUT_ZERO_POINT")))
    out_q = (_macro(header, "MODEL_OUTPUT_SCALE"), int(_macro(header, "MODEL_OUTPUT_ZERO_POINT")))
    q_in = _tflite_quantize(features, *in_q)
    q_out = run_tflm(str(MODEL), q_in, [in_q], [out_q], work)
    expected = np.float32(out_q[0]) * (q_out.astype(np.float32) - np.float32(out_q[1]))
    got = np.array([m["scores"] for m in messages if m["type"] == "inference"])
    np.testing.assert_allclose(got, expected, atol=0.5e-5 + 1e-7)
