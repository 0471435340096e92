"""Access to the official TFLite flatbuffer schema reader without importing TensorFlow.

TensorFlow ships ``tensorflow/lite/python/schema_py_generated.py``, generated from the official
schema and needing only ``flatbuffers``. Importing it through the package would run
``tensorflow/__init__`` (3-4 s), so the file is located with ``find_spec`` (which does not execute
the package) and loaded alone under a private module name.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
from types import ModuleType

from .errors import ModelError

_MODULE_NAME = "_tms_tflite_schema"
# Loading is serialised and the module is published only once fully executed: a build job and a
# background validation may both ask for it at the same time, and a half-loaded module in
# sys.modules once made one of them see "module has no attribute 'Model'".
_LOCK = threading.Lock()


def tflite_schema() -> ModuleType:
    """The loaded schema module (cached in ``sys.modules``)."""
    cached = sys.modules.get(_MODULE_NAME)
    if cached is not None:
        return cached
    with _LOCK:
        cached = sys.modules.get(_MODULE_NAME)
        if cached is not None:
            return cached
        module = _load()
        sys.modules[_MODULE_NAME] = module
        return module


def _load() -> ModuleType:
    try:
        spec = importlib.util.find_spec("tensorflow")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for root in locations:
        path = os.path.join(root, "lite", "python", "schema_py_generated.py")
        if os.path.isfile(path):
            file_spec = importlib.util.spec_from_file_location(_MODULE_NAME, path)
            if file_spec is None or file_spec.loader is None:
                continue
            module = importlib.util.module_from_spec(file_spec)
            file_spec.loader.exec_module(module)
            return module
    raise ModelError(
        "Reading .tflite files needs the TFLite schema shipped with TensorFlow; "
        "install it with: pip install tensorflow-cpu"
    )
