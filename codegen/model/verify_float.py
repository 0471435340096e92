"""Float models: the generated C on the host against TFLite's interpreter, within a tolerance.

Float kernels cannot be bit-exact with TFLite's optimized float kernels (different summation
order, a different expf/tanhf), so a float model matches when every output element satisfies
``|ours - ref| <= ABS_TOL + REL_TOL * |ref|``. The harness reads float32 samples on stdin and
writes float32 outputs on stdout.
"""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ModelError

REFERENCE = "TFLite's float kernels"
ABS_TOL = 1e-4   # absolute, for outputs near zero
REL_TOL = 1e-4   # relative to the reference value

HARNESS_F32_C = """\
/* host harness: reads float32 samples on stdin, writes float32 outputs on stdout */
#include <stdio.h>

#include "model.h"

int main(void)
{
    static float in[MODEL_INPUT_SIZE];
    static float out[MODEL_OUTPUT_SIZE];
    while (fread(in, sizeof in[0], MODEL_INPUT_SIZE, stdin) == MODEL_INPUT_SIZE) {
        int rc = model_invoke(in, out);
        if (rc != 0) {
            fprintf(stderr, "model_invoke returned %d\\n", rc);
            return 3;
        }
        if (fwrite(out, sizeof out[0], MODEL_OUTPUT_SIZE, stdout) != MODEL_OUTPUT_SIZE) {
            return 4;
        }
    }
    return 0;
}
"""


@dataclass(frozen=True)
class FloatComparison:
    samples: int
    outputs: int
    max_abs_error: float
    max_rel_error: float   # over elements with |ref| > ABS_TOL
    beyond_tolerance: int

    @property
    def ok(self) -> bool:
        return self.beyond_tolerance == 0

    def to_json(self) -> dict:
        return {"samples": self.samples, "outputs": self.outputs, "max_abs_error": self.max_abs_error,
                "max_rel_error": self.max_rel_error, "abs_tolerance": ABS_TOL,
                "rel_tolerance": REL_TOL, "beyond_tolerance": self.beyond_tolerance, "ok": self.ok,
                "reference": REFERENCE}

    def summary_lines(self) -> list[str]:
        return [f"{self.samples} random inputs x {self.outputs} outputs vs {REFERENCE}: "
                f"max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}",
                f"tolerance {ABS_TOL:g} + {REL_TOL:g} x |ref|: "
                + ("ok" if self.ok else f"{self.beyond_tolerance} elements beyond it")]


def compare(ours: np.ndarray, ref: np.ndarray) -> FloatComparison:
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    err = np.abs(ours - ref)
    big = np.abs(ref) > ABS_TOL
    rel = float(np.max(err[big] / np.abs(ref[big]))) if big.any() else 0.0
    beyond = int(np.sum(~(err <= ABS_TOL + REL_TOL * np.abs(ref))))  # NaN counts as beyond
    return FloatComparison(int(ours.shape[0]), int(ours.shape[1]) if ours.ndim > 1 else 1,
                           float(err.max()) if err.size else 0.0, rel, beyond)


def build_float_runner(sources: dict[str, str], work: Path, gcc: str = "gcc") -> Path:
    """Compile the generated float sources plus the harness with warnings as errors."""
    for name, text in sources.items():
        (work / name).write_text(text, encoding="utf-8")
    (work / "harness.c").write_text(HARNESS_F32_C, encoding="utf-8")
    c_files = sorted(str(work / n) for n in sources if n.endswith(".c")) + [str(work / "harness.c")]
    exe = work / "runner"
    try:
        proc = subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
                               "-ffp-contract=off", "-o", str(exe), *c_files, "-lm"],
                              capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"the host C compiler could not run: {exc}") from None
    if proc.returncode != 0:
        raise ModelError("the generated C failed to compile on the host (please report it):\n"
                         + proc.stderr[-4000:])
    return exe


def run_float_host(exe: Path, inputs: np.ndarray, out_size: int) -> np.ndarray:
    try:
        proc = subprocess.run([str(exe)], input=np.asarray(inputs, np.float32).tobytes(),
                              capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise ModelError("the generated model did not finish within 600 s on the host") from None
    if proc.returncode != 0:
        raise ModelError(f"the generated model failed on the host (exit {proc.returncode}): "
                         + proc.stderr.decode("utf-8", "replace")[-2000:])
    return np.frombuffer(proc.stdout, dtype=np.float32).reshape(len(inputs), out_size)


def tflite_float_reference(model: bytes, x: np.ndarray) -> np.ndarray:
    """TFLite's interpreter (its default float kernels) on float32 rows; one input and output."""
    import tensorflow as tf  # lazily: the compiler is a leaf library

    interp = tf.lite.Interpreter(model_content=bytes(model))
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    rows = []
    for row in np.asarray(x, np.float32):
        interp.set_tensor(inp["index"], row.reshape(inp["shape"]))
        interp.invoke()
        rows.append(interp.get_tensor(out["index"]).reshape(-1).copy())
    return np.array(rows)


def run_float_both(model: bytes, x: np.ndarray):
    """(ours, reference, program) for float32 rows ``x`` (samples, input elements)."""
    from .compiler import generate_sources, load_program

    with tempfile.TemporaryDirectory(prefix="tms_f32_") as tmp:
        work = Path(tmp)
        program, name = load_program(bytes(model))
        if not program.float_model:
            raise ModelError(f"{name} is not a float32 model")
        out_size = sum(program.graph.tensors[i].elements for i in program.graph.outputs)
        exe = build_float_runner(generate_sources(program, name), work)
        ours = run_float_host(exe, x, out_size)
    return ours, tflite_float_reference(model, x), program


def verify_float_model(path, samples: int = 100, seed: int = 0) -> FloatComparison:
    """The generated C of a float32 model against TFLite's float reference kernels (in a limited
    child process, as for int8) on ``samples`` random inputs drawn from N(0, 1)."""
    import os
    import shutil

    from .compiler import generate_sources, load_program
    from .tflm_reference import child_run_float

    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise ModelError("verify-model needs a host C compiler; install it with: "
                         "sudo apt-get install gcc")
    program, name = load_program(path)
    g = program.graph
    n_in = sum(g.tensors[i].elements for i in g.inputs)
    n_out = sum(g.tensors[i].elements for i in g.outputs)
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        raise ModelError(f"{name}: verifying a float model needs one input and one output")
    x = np.random.default_rng(seed).normal(0.0, 1.0, (samples, n_in)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="tms_verify_") as tmp:
        exe = build_float_runner(generate_sources(program, name), Path(tmp), gcc)
        ours = run_float_host(exe, x, n_out)
        ref = child_run_float(os.fspath(path), x, 0).reshape(samples, n_out)
    return compare(ours, ref)
