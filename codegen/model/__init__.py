"""The model compiler: int8 .tflite -> dependency-free C99 with a static memory plan.

A leaf library: imports only numpy, flatbuffers and the standard library (TensorFlow and
tflite_micro lazily, inside verification). ``analysis`` is what the node catalogue uses.
"""
from .analysis import ModelSummary, TensorInfo, UnsupportedOp, analyze_tflite
from .errors import ModelError

__all__ = ["ModelError", "ModelSummary", "TensorInfo", "UnsupportedOp", "analyze_tflite",
           "compile_tflite", "verify_model", "CompileReport", "VerifyReport"]


def __getattr__(name):  # the compiler and verifier load on first use; analysis stays light
    if name in ("compile_tflite", "CompileReport"):
        from . import compiler
        return getattr(compiler, name)
    if name in ("verify_model", "VerifyReport"):
        from . import verify
        return getattr(verify, name)
    raise AttributeError(name)
