"""Runs a .tflite model in TFLite Micro's own interpreter: the reference for bit-exactness.

Always in a child process (``python -m codegen.model.tflm_reference``, started by
``run_child``) with limits on address space, CPU time and wall time and no core dump: a too-small
arena or a hostile model can crash the native interpreter (segfault, abort), and the parent sees
a ``ReferenceCrash`` naming the signal instead of dying. Works from any working directory (the
child is pointed at this checkout and gets absolute paths). Inputs and outputs travel as .npy
and .json files (no pickle). A float input/output (a model whose QUANTIZE/DEQUANTIZE the
compiler stripped) is converted from/to int8 with the scale and zero point of the int8 tensor.
TFLite's BUILTIN_REF kernels (``--builtin-ref``) run the same way, and float32 models
(``--float``, float rows in and out) in TFLite's float BUILTIN_REF kernels.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .errors import ModelError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding codegen/
CHILD_MEMORY_BYTES = 4 << 30
CHILD_CPU_S = 600
CHILD_WALL_S = 900


class ReferenceCrash(ModelError):
    """The reference interpreter died (signal, abort, limit) or failed on the model."""


def _limit_child() -> None:  # runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_S, CHILD_CPU_S + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _last_error_line(stderr: str) -> str:
    """The exception line of a child's traceback (never the traceback itself)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if not ln.startswith(("File ", "Traceback", "^", "~")) and not ln.startswith("  "):
            return ln[-500:]
    return ""


def run_child(args: list[str], what: str = "TFLite Micro", timeout_s: float = CHILD_WALL_S) -> None:
    """``python -m codegen.model.tflm_reference ARGS`` under limits; ReferenceCrash if it fails."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT),
                                                        os.environ.get("PYTHONPATH", "")])))
    try:
        proc = subprocess.Popen([sys.executable, "-m", "codegen.model.tflm_reference", *args],
                                cwd=str(PACKAGE_ROOT), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                preexec_fn=_limit_child if os.name == "posix" else None,
                                start_new_session=True)
    except OSError as exc:
        raise ReferenceCrash(f"{what} could not be started: {exc.strerror or exc}") from None
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ReferenceCrash(f"{what} did not finish within {timeout_s:.0f} s on this model and "
                             "was stopped") from None
    rc = proc.returncode
    if rc == 0:
        return
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        hint = " (its CPU-time limit)" if name == "SIGXCPU" else ""
        raise ReferenceCrash(f"{what} crashed on this model ({name}{hint}); the model is "
                             "malformed or uses something the interpreter cannot run")
    detail = _last_error_line(stderr)
    if "MemoryError" in detail or "std::bad_alloc" in stderr:
        detail = f"it ran out of its {CHILD_MEMORY_BYTES >> 30} GiB memory limit"
    raise ReferenceCrash(f"{what} could not run the model (exit {rc})"
                         + (f": {detail}" if detail else ""))


def child_details(model_path: str) -> dict:
    """Input/output details of input 0 and output 0 (shape, dtype, scales, zero points), read in
    a child process."""
    with tempfile.TemporaryDirectory(prefix="tms_tflm_") as tmp:
        out = Path(tmp) / "details.json"
        run_child([os.path.abspath(model_path), "--details", str(out)])
        return json.loads(out.read_text(encoding="utf-8"))


def child_run(model_path: str, inputs: np.ndarray, in_quant, out_quant, arena_size: int,
              builtin_ref: bool = False) -> np.ndarray:
    """``run`` (or ``builtin_ref_run``) in a limited child process."""
    spec = lambda q: ",".join(f"{s!r}:{z}" for s, z in q)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="tms_tflm_") as tmp:
        x, y = Path(tmp) / "x.npy", Path(tmp) / "y.npy"
        integer = np.int16 if np.asarray(inputs).dtype == np.int16 else np.int8
        np.save(x, np.asarray(inputs, dtype=integer), allow_pickle=False)
        args = [os.path.abspath(model_path), "--inputs", str(x), "--outputs", str(y),
                "--in-quant", spec(in_quant), "--out-quant", spec(out_quant),
                "--arena", str(int(arena_size))]
        if builtin_ref:
            args.append("--builtin-ref")
        run_child(args, "TFLite's reference kernels" if builtin_ref else "TFLite Micro")
        return np.load(y, allow_pickle=False)


def child_run_float(model_path: str, inputs: np.ndarray, arena_size: int) -> np.ndarray:
    """``float_run`` in a limited child process: float32 rows in, float32 rows out."""
    with tempfile.TemporaryDirectory(prefix="tms_tflm_") as tmp:
        x, y = Path(tmp) / "x.npy", Path(tmp) / "y.npy"
        np.save(x, np.asarray(inputs, dtype=np.float32), allow_pickle=False)
        run_child([os.path.abspath(model_path), "--inputs", str(x), "--outputs", str(y),
                   "--arena", str(int(arena_size)), "--float"], "TFLite's float reference kernels")
        return np.load(y, allow_pickle=False)


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
    """inputs: (samples, total input elements) int8 -> (samples, total output elements) int8;
    an int16 array (an int16x8 model) gives int16 outputs the same way."""
    integer = np.int16 if inputs.dtype == np.int16 else np.int8
    info = np.iinfo(integer)
    interp = make_interpreter(model_path, arena_size)
    outs = []
    for row in inputs:
        offset = 0
        for k, (scale, zp) in enumerate(in_quant):
            det = interp.get_input_details(k)
            shape = tuple(det["shape"])
            n = int(np.prod(shape))
            q = row[offset:offset + n].astype(integer)
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
                y = np.clip(np.round(y / np.float32(scale)) + zp, info.min, info.max)
            parts.append(y.astype(integer).reshape(-1))
        outs.append(np.concatenate(parts))
    return np.stack(outs)


def float_run(model_path: str, inputs: np.ndarray, arena_size: int) -> np.ndarray:
    """A float32 model (float32 or float16 weights) in TFLite's float reference kernels
    (BUILTIN_REF; TFLM cannot expand float16 weights): inputs (samples, input elements) ->
    (samples, output elements)."""
    import tensorflow as tf

    del arena_size  # the TFLite interpreter plans its own
    interp = tf.lite.Interpreter(
        model_path=model_path,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    ins, outs = interp.get_input_details(), interp.get_output_details()
    if ins[0]["dtype"] != np.float32 or outs[0]["dtype"] != np.float32:
        raise ModelError("the float reference runs models with a float32 input and output")
    rows = []
    for row in np.asarray(inputs, np.float32):
        interp.set_tensor(ins[0]["index"], row.reshape(ins[0]["shape"]))
        interp.invoke()
        rows.append(interp.get_tensor(outs[0]["index"]).astype(np.float32).reshape(-1))
    return np.stack(rows)


def details(model_path: str, arena_size: int = 1 << 22) -> dict:
    interp = make_interpreter(model_path, arena_size)

    def one(d):
        qp = d.get("quantization_parameters", {})
        return {"shape": [int(v) for v in d["shape"]], "dtype": np.dtype(d["dtype"]).name,
                "scales": [float(v) for v in qp.get("scales", [])],
                "zero_points": [int(v) for v in qp.get("zero_points", [])]}

    return {"input": one(interp.get_input_details(0)), "output": one(interp.get_output_details(0))}


def builtin_ref_run(model_path: str, inputs: np.ndarray) -> np.ndarray:
    """TFLite's own reference kernels on int8 rows (one int8 input and output; int16 rows for
    an int16x8 model with one int16 input and output)."""
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=model_path,
                                 experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    ins, outs = interp.get_input_details(), interp.get_output_details()
    integer = np.int16 if inputs.dtype == np.int16 else np.int8
    if len(ins) != 1 or len(outs) != 1 or ins[0]["dtype"] != integer or outs[0]["dtype"] != integer:
        raise ModelError("the reference-kernel check supports one int8 (or int16) input and "
                         "output")
    rows = []
    for row in inputs:
        interp.set_tensor(ins[0]["index"], row.reshape(ins[0]["shape"]).astype(integer))
        interp.invoke()
        rows.append(interp.get_tensor(outs[0]["index"]).reshape(-1))
    return np.array(rows, dtype=integer)


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
    ap.add_argument("--details", help="write input/output details as JSON here")
    ap.add_argument("--builtin-ref", action="store_true", help="TFLite's BUILTIN_REF kernels")
    ap.add_argument("--float", action="store_true", help="float32 rows in and out")
    a = ap.parse_args(argv)
    if a.details:
        Path(a.details).write_text(json.dumps(details(a.model, a.arena)), encoding="utf-8")
        return 0
    if a.allocations:
        sys.stderr.write(arena_report(a.model, a.arena))
    if a.time_runs:
        sys.stderr.write(f"invoke_us {invoke_time_us(a.model, a.arena, a.time_runs):.1f}\n")
    if a.allocations or a.time_runs:
        return 0

    def parse(spec):
        return [(float(s), int(z)) for s, z in (p.split(":") for p in spec.split(",") if p)]

    x = np.load(a.inputs, allow_pickle=False)
    if a.float:
        y = float_run(a.model, x, a.arena)
    elif a.builtin_ref:
        y = builtin_ref_run(a.model, x)
    else:
        y = run(a.model, x, parse(a.in_quant), parse(a.out_quant), a.arena)
    np.save(a.outputs, y, allow_pickle=False)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ModelError as exc:  # a clear line for the parent, never a traceback
        sys.stderr.write(f"error: {exc.message}\n")
        sys.exit(2)
