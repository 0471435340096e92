"""The TFLite schema module loads once, whole, even when several threads ask at once."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_concurrent_first_use_sees_a_complete_module():
    code = """
import threading
from codegen.model.schema import tflite_schema
seen = []
def use():
    seen.append(hasattr(tflite_schema(), 'Model'))
threads = [threading.Thread(target=use) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(all(seen), len(seen))
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["True", "8"]
