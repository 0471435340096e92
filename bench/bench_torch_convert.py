"""Time of the PyTorch/ONNX route: conversion to a float .tflite, int8 quantization, and the sizes.

    python bench/bench_torch_convert.py

Exports the test's small Conv1D + Linear PyTorch model as .pt2 and .onnx (in the converter
environment), converts each with the model node's converter child (litert-torch; ONNX through
onnx2torch), quantizes it with ai-edge-quantizer on 100 random representative samples and prints
the wall times, file sizes and the model compiler's arena, flash and MACs. Most of a conversion's
time is the child importing torch, jax and litert-torch.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.model.analysis import analyze_tflite  # noqa: E402
from nodes import load_catalogue  # noqa: E402
from nodes.base import NodeContext  # noqa: E402
from nodes.foreign_model import TorchModel, converter_venv, quantize_int8  # noqa: E402


def main() -> None:
    venv = converter_venv()
    if venv is None:
        sys.exit("the converters are not installed: bash scripts/setup converters")
    load_catalogue()
    with tempfile.TemporaryDirectory(prefix="tms-bench-torch-") as tmp:
        folder = Path(tmp)
        subprocess.run([str(venv / "bin" / "python"), str(ROOT / "tests" / "ml" / "torch_make_models.py"), tmp],
                       check=True, capture_output=True, timeout=600)
        ctx = NodeContext(folder)
        rep = np.random.default_rng(0).normal(size=(100, 5, 3)).astype(np.float32)
        print(f"{'source':12} {'convert s':>9} {'quantize s':>10} {'float B':>8} {'int8 B':>7} "
              f"{'arena B':>7} {'flash B':>7} {'MACs':>5}")
        for name in ("model.pt2", "model.onnx"):
            t0 = time.perf_counter()
            float_path = TorchModel().float_model(TorchModel.check_props({"model": name}), ctx)
            t1 = time.perf_counter()
            int8 = quantize_int8(float_path, rep, per_channel=True)
            t2 = time.perf_counter()
            (folder / "int8.tflite").write_bytes(int8)
            s = analyze_tflite(folder / "int8.tflite")
            print(f"{name:12} {t1 - t0:9.1f} {t2 - t1:10.1f} {float_path.stat().st_size:8} {len(int8):7} "
                  f"{s.arena_bytes:7} {s.flash_bytes:7} {s.macs:5}")


if __name__ == "__main__":
    main()
