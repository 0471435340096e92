"""codegen.model stays a leaf library: numpy, flatbuffers and the standard library only.

nodes/model.py imports codegen.model.analysis, so an import of studio, nodes or another codegen
module from here would create a cycle. TensorFlow / tflite_micro appear only inside functions.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "codegen" / "model"
ALLOWED_THIRD_PARTY = {"numpy", "flatbuffers"}


def _top_level_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], 0
        elif isinstance(node, ast.ImportFrom):
            yield (node.module or "").split(".")[0], node.level


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_module_imports_only_numpy_flatbuffers_stdlib_or_siblings(path):
    for name, level in _top_level_imports(path):
        if level > 0:
            continue  # a sibling inside codegen.model
        assert name in sys.stdlib_module_names or name in ALLOWED_THIRD_PARTY or \
            name == "__future__", f"{path.name} imports {name} at module level"


def test_no_module_imports_tensorflow_at_top_level():
    for path in PACKAGE.glob("*.py"):
        names = {n for n, _ in _top_level_imports(path)}
        assert not names & {"tensorflow", "tflite_micro", "keras"}, path.name
