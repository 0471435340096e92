"""The TFLite Micro reference runs in a limited child process: its crash is a clear error."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
GESTURE = ROOT / "sample_projects" / "gesture" / "gesture.tflite"

pytest.importorskip("tflite_micro")


def _crashing_model(tmp_path) -> Path:
    """The gesture model with one operand index pointed far outside the tensor list: TFLM reads
    wild memory and dies with SIGSEGV."""
    import flatbuffers

    from codegen.model.schema import tflite_schema

    m = tflite_schema().ModelT.InitFromPackedBuf(GESTURE.read_bytes(), 0)
    op = m.subgraphs[0].operators[5]
    op.inputs = np.array([*op.inputs[:2], 1 << 20], dtype=np.int32)
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    path = tmp_path / "crash.tflite"
    path.write_bytes(bytes(b.Output()))
    return path


def test_interpreter_crash_becomes_reference_crash(tmp_path):
    from codegen.model.tflm_reference import ReferenceCrash, child_run

    with pytest.raises(ReferenceCrash) as info:
        child_run(str(_crashing_model(tmp_path)), np.zeros((1, 96), np.int8), [(1.0, 0)],
                  [(1.0, 0)], 1 << 20)
    assert "crashed" in info.value.message or "could not run" in info.value.message
    assert "Traceback" not in info.value.message


def test_host_int8_model_reports_a_crash_as_ml_error(tmp_path):
    from studio.ml.pipeline import Int8Model, MLError

    with pytest.raises(MLError) as info:
        Int8Model(_crashing_model(tmp_path).read_bytes())
    assert "Traceback" not in str(info.value)


def test_host_int8_model_runs_a_valid_model_in_the_child():
    from studio.ml.pipeline import Int8Model

    m = Int8Model(GESTURE.read_bytes())
    scores = m.scores(np.zeros((3, *m.input_shape[1:]), np.float32))
    assert scores.shape == (3, 4)
    assert np.allclose(scores, scores[0])


def test_verify_model_works_from_another_working_directory(tmp_path):
    rel = os.path.relpath(GESTURE, tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "studio", "verify-model", rel, "--samples", "3"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "bit-exact" in proc.stdout


def test_reference_failure_is_one_line_without_traceback(tmp_path):
    """A reference child that fails (here: no such model) is reported in one line."""
    from codegen.model.tflm_reference import ReferenceCrash, run_child

    with pytest.raises(ReferenceCrash) as info:
        run_child([str(tmp_path / "missing.tflite"), "--details", str(tmp_path / "d.json")])
    assert "\n" not in info.value.message
