"""A real compiled model in the firmware on QEMU: the device's scores equal TFLite Micro's on the same features."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from codegen.firmware import write_firmware
from codegen.stage import StageCode, buffer_name
from studio.core.boards import BoardCatalogue
from studio.core.paths import builtin_boards_dir, sample_projects_dir
from studio.device.build import build_firmware
from studio.device.emulator import Emulator

pytestmark = pytest.mark.slow

MODEL = sample_projects_dir() / "gesture" / "gesture.tflite"
BOARD = BoardCatalogue(dirs=[builtin_boards_dir()]).get("qemu-mps2-an386")


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
    feat = buffer_name("feat", "out")
    stages = [StageCode("feat", "sample", declarations=f"static float {feat}[{n_in}];",
                        run=f"size_t k;\nfor (k = 0; k < {n_in}u; k++) {{\n    {feat}[k] = tms_sample[k];\n}}")]
    in_scale, in_zp = _macro(header, "MODEL_INPUT_SCALE"), int(_macro(header, "MODEL_INPUT_ZERO_POINT"))
    # features spread over the whole int8 range of the input, and past it (clamping)
    features = np.random.default_rng(7).uniform(-140, 140, (8, n_in)).astype(np.float32) * np.float32(in_scale)
    files = write_firmware(work / "fw", BOARD, "gesture", stages, work / "model", [f"c{i}" for i in range(n_out)],
                           replay=features)
    build_firmware(files.out_dir)
    with Emulator(files.elf) as emu:
        with emu.connect() as sock:
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
        code = emu.wait(60)
    messages = [json.loads(line) for line in data.decode().splitlines()]
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
