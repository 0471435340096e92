"""`check` on a project whose model file was tampered with reports the model as an error."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.reliability.test_hostile_models_mutations import _first_op, _fresh, _pack

ROOT = Path(__file__).resolve().parents[2]


def test_check_reports_a_negative_stride_model_as_an_error(tmp_path):
    project = tmp_path / "kws"
    shutil.copytree(ROOT / "sample_projects" / "kws", project)
    m = _fresh("sample_projects/kws/kws.tflite")
    m.subgraphs[0].operators[_first_op(m, "CONV_2D")].builtinOptions.strideH = -1
    (project / "kws.tflite").write_bytes(_pack(m))
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "studio", "check", str(project / "kws.tinyml"),
                           "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    errors = [i["message"] for i in report["issues"] if i["severity"] == "error"]
    assert any("CONV_2D" in e and "stride_h" in e for e in errors), errors
    assert "Traceback" not in proc.stderr
