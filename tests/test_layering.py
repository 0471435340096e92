"""The dependency rule of design.md, checked by running the tools, not by memory."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    r = subprocess.run(["lint-imports", "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_cli_core_and_catalogue_start_without_tensorflow_or_qt():
    code = ("import sys, json; import studio.cli, studio.core.validate, nodes; nodes.load_catalogue(); "
            "print(json.dumps(sorted(m for m in ('tensorflow', 'keras', 'PySide6', 'NodeGraphQt') "
            "if m in sys.modules)))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(r.stdout) == []
