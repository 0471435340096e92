"""Runs a .tflite model in TFLite Micro's own interpreter: the reference for bit-exactness.

Used in a child process (``python -m codegen.model.tflm_reference``) because a too-small arena
can crash the interpreter; the parent sees a failed exit instead of dying. Inputs and outputs
travel as .npy files (no pickle). A float input/output (a model whose QUANTIZE/DEQUANTIZE the
compiler stripped) is converted from/to int8 with the scale and zero point of the int8 tensor.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys

import numpy as np


@contextlib.contextmanager
def captured_stdout_fd():
    """Redirect fd 1 (where TFLM prints) into a temp file; yields a list filled with the text."""
    import tempfile

    sys.stdout.flush()
    saved = os.dup(1)
    text: list[str] = []
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield text
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            text.append(tmp.read().decode("utf-8", "replace"))


def make_interpreter(model_path: str, arena_size: int):
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_file(model_path, arena_size=arena_size)


def run(model_path: str, inputs: np.ndarray, in_quant, out_quant, arena_size: int) -> np.ndarray:
    """inputs: (samples, total input bytes) int8 -> (samples, total output bytes) int8."""
    interp = make_interpreter(model_path, arena_size)
    outs = []
    for row in inputs:
        offset = 0
        for k, (scale, zp) in enumerate(in_quant):
            det = interp.get_input_details(k)
            shape = tuple(det["shape"])
            n = int(np.prod(shape))
            q = row[offset:offset + n].astype(np.int8)
            offset += n
            if np.dtype(det["dtype"]) == np.float32:
                value = ((q.astype(np.float32) - np.float32(zp)) * np.float32(scale))
            else:
                value = q
            interp.set_input(value.reshape(shape).astype(det["dtype"]), k)
        interp.invoke()
        parts = []
        for k, (scale, zp) in enumerate(out_quant):
            y = np.asarray(interp.get_output(k))
            if y.dtype == np.float32:
                y = np.clip(np.round(y / np.float32(scale)) + zp, -128, 127)
            parts.append(y.astype(np.int8).reshape(-1))
        outs.append(np.concatenate(parts))
    return np.stack(outs)


def arena_report(model_path: str, arena_size: int) -> str:
    """The text TFLM's print_allocations() writes to fd 1 after one invoke."""
    interp = make_interpreter(model_path, arena_size)
    with captured_stdout_fd() as text:
        interp.print_allocations()
    return text[0]


def invoke_time_us(model_path: str, arena_size: int, runs: int) -> float:
    """Mean wall time of one interp.invoke() (zero input), for benchmarks."""
    import time

    interp = make_interpreter(model_path, arena_size)
    interp.invoke()
    start = time.perf_counter()
    for _ in range(runs):
        interp.invoke()
    return (time.perf_counter() - start) / runs * 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--inputs")
    ap.add_argument("--outputs")
    ap.add_argument("--in-quant", default="", help="scale:zp,... per input")
    ap.add_argument("--out-quant", default="", help="scale:zp,... per output")
    ap.add_argument("--arena", type=int, default=1 << 22)
    ap.add_argument("--allocations", action="store_true")
    ap.add_argument("--time-runs", type=int, default=0, help="print mean invoke time in us")
    a = ap.parse_args(argv)
    if a.allocations:
        sys.stderr.write(arena_report(a.model, a.arena))
    if a.time_runs:
        sys.stderr.write(f"invoke_us {invoke_time_us(a.model, a.arena, a.time_runs):.1f}\n")
    if a.allocations or a.time_runs:
        return 0

    def parse(spec):
        return [(float(s), int(z)) for s, z in (p.split(":") for p in spec.split(",") if p)]

    x = np.load(a.inputs, allow_pickle=False)
    y = run(a.model, x, parse(a.in_quant), parse(a.out_quant), a.arena)
    np.save(a.outputs, y, allow_pickle=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
