"""verify_model: the generated C, compiled on the host, against TFLite Micro on random inputs
(TFLite's reference kernels for the dilated-convolution graphs TFLM runs wrongly).

The C runs in a small harness reading int8 samples on stdin; TFLM runs in a child process
(``tflm_reference``). Every output element of every sample is compared.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .compiler import generate_sources, load_program
from .errors import ModelError
from .tflm_reference import ReferenceCrash, child_run

APPROXIMATE_OPS = frozenset({"SOFTMAX", "LOGISTIC", "TANH"})

HARNESS_C = """\
/* host harness: reads samples (MODEL_INPUT_TYPE, native byte order) on stdin, writes outputs
 * on stdout */
#include <stdio.h>

#include "model.h"

int main(void)
{
    static MODEL_INPUT_TYPE in[MODEL_INPUT_SIZE / sizeof(MODEL_INPUT_TYPE)];
    static MODEL_OUTPUT_TYPE out[MODEL_OUTPUT_SIZE / sizeof(MODEL_OUTPUT_TYPE)];
    while (fread(in, 1, sizeof in, stdin) == sizeof in) {
        int rc = model_invoke(in, out);
        if (rc != 0) {
            fprintf(stderr, "model_invoke returned %d\\n", rc);
            return 3;
        }
        if (fwrite(out, 1, sizeof out, stdout) != sizeof out) {
            return 4;
        }
    }
    return 0;
}
"""


@dataclass(frozen=True)
class VerifyReport:
    samples: int
    outputs: int  # output elements per sample
    mismatches: int  # output elements (over all samples) that differ at all
    max_abs_diff: int
    tolerance_lsb: int  # 1 when the last op is SOFTMAX/LOGISTIC/TANH, else 0
    beyond_tolerance: int
    per_element_mismatches: tuple[int, ...]
    reference: str = "TFLite Micro"   # what the outputs were compared with

    @property
    def ok(self) -> bool:
        return self.beyond_tolerance == 0

    def to_json(self) -> dict:
        return {"samples": self.samples, "outputs": self.outputs, "mismatches": self.mismatches,
                "max_abs_diff": self.max_abs_diff, "tolerance_lsb": self.tolerance_lsb,
                "beyond_tolerance": self.beyond_tolerance, "ok": self.ok,
                "per_element_mismatches": list(self.per_element_mismatches), "reference": self.reference}

    def summary_lines(self) -> list[str]:
        verdict = "bit-exact" if self.mismatches == 0 else (
            f"{self.mismatches} differing elements, max {self.max_abs_diff} LSB")
        return [f"{self.samples} random inputs x {self.outputs} outputs vs {self.reference}: {verdict}",
                f"tolerance {self.tolerance_lsb} LSB: "
                + ("ok" if self.ok else f"{self.beyond_tolerance} elements beyond it")]


def _require_tools() -> str:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise ModelError("verify-model needs a host C compiler; install it with: "
                         "sudo apt-get install gcc")
    try:
        import importlib.util

        found = importlib.util.find_spec("tflite_micro") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ModelError("verify-model needs TFLite Micro's interpreter; install it with: "
                         "pip install tflite-micro")
    return gcc


def build_host_runner(sources: dict[str, str], work: Path, gcc: str | None = None) -> Path:
    """Compile the generated sources plus the harness with warnings as errors."""
    gcc = gcc or _require_tools()
    for name, text in sources.items():
        (work / name).write_text(text, encoding="utf-8")
    (work / "harness.c").write_text(HARNESS_C, encoding="utf-8")
    c_files = sorted(str(work / n) for n in sources if n.endswith(".c")) + [str(work / "harness.c")]
    exe = work / "runner"
    try:
        proc = subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(exe),
                               *c_files, "-lm"], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise ModelError("the host C compiler did not finish within 600 s") from None
    if proc.returncode != 0:
        raise ModelError("the generated C failed to compile on the host (please report it):\n"
                         + proc.stderr[-4000:])
    return exe


def run_host(exe: Path, inputs: np.ndarray, out_size: int) -> np.ndarray:
    """Rows of int8 (or, for an int16x8 model, int16) inputs -> rows of ``out_size`` outputs of
    the same type."""
    integer = np.int16 if inputs.dtype == np.int16 else np.int8
    try:
        proc = subprocess.run([str(exe)], input=inputs.astype(integer).tobytes(),
                              capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise ModelError("the generated model did not finish within 600 s on the host") from None
    if proc.returncode != 0:
        raise ModelError(f"the generated model failed on the host (exit {proc.returncode}): "
                         + proc.stderr.decode("utf-8", "replace")[-2000:])
    return np.frombuffer(proc.stdout, dtype=integer).reshape(len(inputs), out_size)


def run_tflm(model_path: str, inputs: np.ndarray, in_quant, out_quant, work: Path) -> np.ndarray:
    """TFLM's outputs in a limited child process, growing the arena if the first try is too small
    (a too-small arena can crash it: only the second failure is reported)."""
    size = os.path.getsize(model_path)
    arenas = (max(1 << 20, 16 * size), max(1 << 24, 64 * size))
    for k, arena in enumerate(arenas):
        try:
            return child_run(model_path, inputs, in_quant, out_quant, arena)
        except ReferenceCrash:
            if k == len(arenas) - 1:
                raise
    raise AssertionError("unreachable")


def with_folded_constants(tflite: bytes) -> bytes:
    """The same model with every tensor the compiler computes at compile time (SHAPE -> ... ->
    FILL dims, ZEROS_LIKE) stored as a constant and the ops computing it removed, and the
    placeholder static shapes Keras 3's tensordot leaves ([1, 1]) replaced by the true ones
    (TFLM plans its arena from the stored shapes). Quantization and weights are untouched, so TFLM (which refuses FILL with computed dims) can run the very model
    the compiler compiled, with the batch of 1 the compiler assumes."""
    import flatbuffers

    from .fold import fold_graph
    from .ir import NUMPY_DTYPES
    from .reader import load_bytes, read_graph
    from .schema import tflite_schema

    raw = read_graph(load_bytes(tflite)[0])
    folded, _ = fold_graph(read_graph(load_bytes(tflite)[0]))
    s = tflite_schema()
    m = s.ModelT.InitFromPackedBuf(tflite, 0)
    sg = m.subgraphs[0]
    now_const = {i for i, t in enumerate(raw.tensors)
                 if not t.is_const and i < len(folded.tensors) and folded.tensors[i].is_const}
    for i in now_const:
        t = folded.tensors[i]
        buf = s.BufferT()
        buf.data = np.asarray(t.data).astype(NUMPY_DTYPES[t.dtype]).reshape(-1).view(np.uint8).tolist()
        m.buffers.append(buf)
        sg.tensors[i].buffer = len(m.buffers) - 1
        sg.tensors[i].shapeSignature = None
    for i, t in enumerate(raw.tensors):  # placeholder shapes the compiler refreshed after folding
        if i < len(folded.tensors) and tuple(folded.tensors[i].shape) != tuple(t.shape):
            sg.tensors[i].shape = [int(d) for d in folded.tensors[i].shape]
            sg.tensors[i].shapeSignature = None
    sg.operators = [op for op in sg.operators if not set(op.outputs) <= now_const]
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


FOLDED_TFLM = "TFLite Micro (on the model with its compile-time shapes stored as constants: TFLM cannot prepare them)"


# TFLM runs a SPACE_TO_BATCH_ND -> (DEPTHWISE_)CONV_2D -> BATCH_TO_SPACE_ND sandwich (how TensorFlow
# exports a dilated convolution) wrongly: its dynamic-batch intermediate keeps batch 1. The
# compiler folds the sandwich into one dilated convolution; TFLite's reference kernels are then
# the reference.
SANDWICH_OPS = frozenset({"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"})
TFLM = "TFLite Micro"
BUILTIN_REF = "TFLite reference kernels (BUILTIN_REF; TFLM mis-runs dilated-conv sandwiches)"
# int16x8 ops TFLM cannot invoke: their models are checked against TFLite's reference kernels
TFLM_LACKS_INT16 = frozenset({"REDUCE_MAX", "REDUCE_MIN"})
BUILTIN_REF_INT16 = "TFLite reference kernels (BUILTIN_REF; TFLM cannot run int16 REDUCE_MAX/MIN)"


def run_builtin_ref(model_path: str, inputs: np.ndarray) -> np.ndarray:
    """TFLite's own reference kernels on int8 rows (one int8 input and output), in a limited
    child process (TensorFlow is imported there only)."""
    return child_run(model_path, inputs, [], [], 0, builtin_ref=True)


def folds_a_sandwich(path: str | os.PathLike) -> bool:
    """Whether the model as stored holds the SPACE_TO_BATCH/BATCH_TO_SPACE pair the compiler folds."""
    from .reader import load_bytes, read_graph

    data, name = load_bytes(path)
    return bool(SANDWICH_OPS & {op.name for op in read_graph(data, name).ops})


def random_inputs(rng, samples: int, size: int, int16: bool = False) -> np.ndarray:
    """Uniform random model inputs over the whole integer range (int8, or int16 for int16x8)."""
    if int16:
        return rng.integers(-32768, 32768, size=(samples, size), dtype=np.int32).astype(np.int16)
    return rng.integers(-128, 128, size=(samples, size), dtype=np.int16).astype(np.int8)


def verify_model(path: str | os.PathLike, samples: int = 100, seed: int = 0):
    """Compare the generated C with TFLite Micro on ``samples`` random int8 inputs (with TFLite's
    reference kernels for a model TFLM cannot run right: see ``SANDWICH_OPS``): a VerifyReport.
    A float32 model is compared within a tolerance instead (``verify_float.FloatComparison``, the
    same ``ok`` / ``summary_lines`` / ``to_json``)."""
    program, name = load_program(path)
    if program.float_model:  # float kernels: within a tolerance, not bit-exact (verify_float.py)
        from .verify_float import verify_float_model
        return verify_float_model(path, samples, seed)
    gcc = _require_tools()
    folded = folds_a_sandwich(path) and not SANDWICH_OPS & {op.name for op in program.ops}
    int16_ref = any(op.name in TFLM_LACKS_INT16 and program.graph.tensors[op.inputs[0]].dtype == "int16"
                    for op in program.ops)
    sources = generate_sources(program, name)
    g = program.graph
    t = g.tensors
    in_size = sum(t[i].elements for i in g.inputs)
    out_size = sum(t[i].elements for i in g.outputs)
    in_quant = [(t[i].quant.scale, t[i].quant.zero_point) for i in g.inputs]
    out_quant = [(t[i].quant.scale, t[i].quant.zero_point) for i in g.outputs]
    x = random_inputs(np.random.default_rng(seed), samples, in_size,
                      t[g.inputs[0]].dtype == "int16")
    with tempfile.TemporaryDirectory(prefix="tms_verify_") as tmp:
        work = Path(tmp)
        exe = build_host_runner(sources, work, gcc)
        ours = run_host(exe, x, out_size)
        reference = BUILTIN_REF if folded else BUILTIN_REF_INT16 if int16_ref else TFLM
        if folded or int16_ref:
            ref = run_builtin_ref(os.fspath(path), x)
        else:
            try:
                ref = run_tflm(os.fspath(path), x, in_quant, out_quant, work)
            except (ReferenceCrash, ModelError):
                # e.g. Keras 3's recurrent layers build their zero state with FILL of computed dims,
                # which the compiler folds (batch = 1) and TFLM refuses to prepare: give TFLM the same
                # model with those tensors stored, as the compiler compiled it
                stored = work / "folded.tflite"
                stored.write_bytes(with_folded_constants(Path(path).read_bytes()))
                ref = run_tflm(os.fspath(stored), x, in_quant, out_quant, work)
                reference = FOLDED_TFLM
    diff = np.abs(ours.astype(np.int32) - ref.astype(np.int32))
    last_ops = {op.name for op in program.ops if set(op.outputs) & set(g.outputs)}
    tol = 1 if last_ops & APPROXIMATE_OPS else 0
    return VerifyReport(samples=samples, outputs=out_size, mismatches=int((diff > 0).sum()),
                        max_abs_diff=int(diff.max()) if diff.size else 0, tolerance_lsb=tol,
                        beyond_tolerance=int((diff > tol).sum()),
                        per_element_mismatches=tuple(int(v) for v in (diff > 0).sum(axis=0)),
                        reference=reference)
