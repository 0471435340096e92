"""The c-library export of a pipeline whose model is float32: the library passes the features to
model_invoke unquantized (MODEL_FLOAT), builds as strict C99 for the Cortex-M4F, and its results
on the host equal the host reference (TFLite's float kernels) within the float tolerance."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from codegen.export.formats import export
from codegen.model.analysis import analyze_tflite
from codegen.model.verify_float import ABS_TOL, REL_TOL
from studio.core.project import load_project
from studio.core.validate import load_recording
from tests.codegen.export_harness import STRICT, build_host, have, parse

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def float_gesture(tmp_path_factory):
    """The gesture sample with its model replaced by a float32 one of the same input and outputs."""
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("fg") / "gesture"
    shutil.copytree(ROOT / "sample_projects" / "gesture", folder)
    s = analyze_tflite(folder / "gesture.tflite")
    k = tf.keras
    k.utils.set_random_seed(2)
    shape = tuple(s.inputs[0].shape[1:])
    n_out = int(np.prod(s.outputs[0].shape))
    model = k.Sequential([k.Input(shape), k.layers.Flatten(), k.layers.Dense(16, activation="relu"),
                          k.layers.Dense(n_out), k.layers.Softmax()])
    (folder / "gesture.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    assert analyze_tflite(folder / "gesture.tflite").float_model
    return load_project(folder / "gesture.tinyml")


def test_float_library_compiles_as_strict_c99_for_the_cortex_m4f(float_gesture, tmp_path):
    if not have("arm-none-eabi-gcc"):
        pytest.skip("arm-none-eabi-gcc missing")
    lib = tmp_path / "lib"
    export(float_gesture, "c-library", lib)
    r = subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16",
                        "-mfloat-abi=hard", *STRICT, "-Os", "-c", f"-I{lib}/src", str(lib / "src" / "gesture.c"),
                        "-o", str(tmp_path / "lib.o")], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-3000:]


def test_float_library_results_equal_the_host_reference(float_gesture, tmp_path):
    from studio.ml.pipeline import host_inference

    lib = tmp_path / "lib"
    export(float_gesture, "c-library", lib)
    data = load_recording(float_gesture)
    got = parse(subprocess.run([str(build_host("gcc", tmp_path, [("gesture", data, lib)]))],
                               capture_output=True, text=True, check=True).stdout)["gesture"]
    want = host_inference(float_gesture, data)
    assert len(got) == len(want) > 0
    scores = np.array([s for _, s in got])
    ref = np.array([h.scores for h in want], np.float32)
    np.testing.assert_allclose(scores, ref, rtol=REL_TOL, atol=ABS_TOL)
