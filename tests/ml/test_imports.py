"""studio.ml keeps TensorFlow, Keras and tflite_micro out of import time (the CLI starts fast)."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.ml.ml_helpers import ROOT


def test_importing_studio_ml_loads_no_tensorflow_keras_or_tflite_micro():
    code = ("import sys, json; import studio.ml.pipeline, studio.ml.train, studio.ml.quantize, "
            "studio.ml.dataset, studio.ml.recipe, studio.ml.speech; "
            "print(json.dumps(sorted(m for m in ('tensorflow', 'keras', 'tflite_micro', 'scipy', 'PySide6') "
            "if m in sys.modules)))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(r.stdout) == []
