"""The int8 kernels on the emulated Cortex-M4F: instructions per inference and per MAC.

Each model is compiled once (model compiler) and its model_invoke() built for the Cortex-M4F
(arm-none-eabi-gcc -Os, as the firmware builds it) in up to four ways:
  before plain / before dsp = model.c and kernels as the compiler of git revision --baseline
           writes them (default: the main branch this work started from), built like plain / dsp,
  plain  = today's compiler and kernels with the DSP path forced off (-DTMS_NN_NO_DSP), as on a
           Cortex-M0+ (the instruction set is still the M4's Thumb-2),
  dsp    = today's compiler and kernels with the Cortex-M4 DSP extension (SMLAD), the default on
           M4/M7/M33.
Every build runs the same random inputs on QEMU mps2-an386 with -icount shift=0 (one instruction
per virtual ns; SysTick ticks every 40 instructions there), prints the instructions one
model_invoke() takes, and checks that its outputs are byte-identical to the host build's (which
is TFLite-Micro-exact: tests/codegen/model). Ratios are today / before per path.

Per layer kind: the plain and dsp builds run once more with a SysTick reading between layers
(a copy of model.c with a mark before each op), and the instructions of each layer are summed by
kind (1x1 conv, 3x3 depthwise, the first conv on the model input, other convs, fully connected,
add, the rest) and divided by the kind's MACs (elements for ADD and the rest), so the slow kinds
are visible per model and over all models.

Models: the four sample projects' .tflite files and the MLPerf Tiny architectures of
tests/codegen/model/mlperf_tiny.py (random weights; building them needs TensorFlow).

Run: python bench/bench_nn_kernels.py [--models gesture,kws,...] [--baseline REV] [--keep DIR]
A figure, not a test: no assertion on speed (a mismatch on the device is an error, though).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from codegen.emitters.dsp_target import LINKER_SCRIPT, STARTUP_C  # noqa: E402
from codegen.model.analysis import summarize_program  # noqa: E402
from codegen.model.compiler import generate_sources, load_program  # noqa: E402
from codegen.model.opset import OPS, macs as op_macs  # noqa: E402
from codegen.model.verify import build_host_runner, run_host  # noqa: E402

SAMPLES = {"gesture": "sample_projects/gesture/gesture.tflite",
           "kws": "sample_projects/kws/kws.tflite",
           "digits": "sample_projects/digits/models/digits.int8.tflite",
           "vibration": "sample_projects/vibration/vibration.tflite"}
MLPERF = ("ds_cnn", "fc_autoencoder", "resnet8", "mobilenet_v1_025")
BASE_REVISION = "b2b0dd5"  # main before the issue-16 kernels (SMLAD, generic loops)
CFLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "-Os", "-std=c99",
          "-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections"]
RUNS = 3

MAIN_C = r"""
#include <stdint.h>
#include "model.h"
void tms_target_print(const char *line);
/* per-layer profile: SysTick readings (it counts down) taken by bench_mark() between layers */
#define BENCH_MARKS 400
uint32_t bench_marks[BENCH_MARKS];
int bench_nmarks;
void bench_mark(void)
{
    if (bench_nmarks < BENCH_MARKS) {
        bench_marks[bench_nmarks++] = ((volatile uint32_t *)0xE000E010u)[2];
    }
}
static const int8_t bench_samples[%(n)d * MODEL_INPUT_SIZE] = {%(values)s};
static int8_t bench_out[MODEL_OUTPUT_SIZE];
static char bench_line[2 * MODEL_OUTPUT_SIZE + 16];
static void bench_hex(uint32_t v, int digits, char *at)
{
    static const char hex[] = "0123456789abcdef";
    int i;
    for (i = digits - 1; i >= 0; --i) {
        at[i] = hex[v & 15u];
        v >>= 4;
    }
}
int main(void)
{
    volatile uint32_t *const syst = (volatile uint32_t *)0xE000E010u;
    int s, i;
    for (s = 0; s < %(n)d; ++s) {
        uint32_t ticks;
        syst[1] = 0xFFFFFFu;
        syst[2] = 0u;
        syst[0] = 5u;
        bench_nmarks = 0;
        if (model_invoke(bench_samples + s * MODEL_INPUT_SIZE, bench_out) != 0) {
            return 3;
        }
        ticks = 0xFFFFFFu - syst[2];
        syst[0] = 0u;
        bench_line[0] = 't';
        bench_hex(ticks, 8, bench_line + 1);
        bench_line[9] = ' ';
        for (i = 0; i < MODEL_OUTPUT_SIZE; ++i) {
            bench_hex((uint8_t)bench_out[i], 2, bench_line + 10 + 2 * i);
        }
        bench_line[10 + 2 * MODEL_OUTPUT_SIZE] = '\n';
        bench_line[11 + 2 * MODEL_OUTPUT_SIZE] = 0;
        tms_target_print(bench_line);
        for (i = 1; i < bench_nmarks; ++i) {
            bench_line[0] = 'L';
            bench_hex((bench_marks[i - 1] - bench_marks[i]) & 0xFFFFFFu, 8, bench_line + 1);
            bench_line[9] = '\n';
            bench_line[10] = 0;
            tms_target_print(bench_line);
        }
    }
    return 0;
}
"""
KINDS = ("1x1 conv", "3x3 depthwise", "first conv", "other conv", "depthwise", "fully connected",
         "add", "other")


def layer_kind(op, graph) -> str:
    """The kind a layer's instructions are summed under (see the docstring)."""
    t = graph.tensors
    if op.name == "CONV_2D":
        kh, kw = t[op.inputs[1]].shape[1:3]
        if op.inputs[0] in graph.inputs:
            return "first conv"
        return "1x1 conv" if kh == kw == 1 else "other conv"
    if op.name == "DEPTHWISE_CONV_2D":
        return "3x3 depthwise" if tuple(t[op.inputs[1]].shape[1:3]) == (3, 3) else "depthwise"
    if op.name == "FULLY_CONNECTED":
        return "fully connected"
    return "add" if op.name in ("ADD", "SUB") else "other"


def profiled_model_c(model_c: str) -> str:
    """model.c with bench_mark() before every layer and before the return."""
    out = []
    for line in model_c.splitlines():
        if line.startswith("    /* op #") or line == "    return 0;":
            out.append("    bench_mark();")
        out.append(line)
    text = "\n".join(out) + "\n"
    return text.replace('#include "model.h"', '#include "model.h"\nvoid bench_mark(void);', 1)

def model_paths(names, work: Path) -> dict[str, Path]:
    paths = {}
    for name in names:
        if name in SAMPLES:
            paths[name] = ROOT / SAMPLES[name]
            continue
        from tests.codegen.model.bitexact import to_int8_tflite
        from tests.codegen.model.mlperf_tiny import MLPERF_TINY

        path = work / f"{name}.tflite"
        if not path.exists():  # --keep DIR reuses models built by an earlier run
            build, shape = MLPERF_TINY[name]
            path.write_bytes(to_int8_tflite(build(), shape))
        paths[name] = path
    return paths


def sources_at(revision: str, path: Path, work: Path) -> dict[str, str]:
    """model.c, model.h and kernels as the compiler of git ``revision`` writes them for ``path``
    (its codegen/ tree unpacked under ``work`` and run in a child Python)."""
    tree = work / f"compiler_{revision}"
    if not (tree / "codegen").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "codegen"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    code = ("import json, sys\n"
            "from codegen.model.compiler import generate_sources, load_program\n"
            "program, name = load_program(sys.argv[1])\n"
            "print(json.dumps(generate_sources(program, name)))\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True,
                         text=True, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}).stdout
    return json.loads(out)


def run_on_m4(sources: dict[str, str], folder: Path, x: np.ndarray,
              defines=()) -> tuple[list[int], np.ndarray, int, list[int]]:
    """(instructions per invoke, outputs, model text+data bytes, instructions between marks of
    the last invoke) of one build on QEMU."""
    folder.mkdir(parents=True, exist_ok=True)
    for fname, text in sources.items():
        (folder / fname).write_text(text, encoding="utf-8")
    values = ",".join(str(v) for v in x.reshape(-1).tolist())
    (folder / "main.c").write_text(MAIN_C % {"n": len(x), "values": values}, encoding="utf-8")
    (folder / "startup.c").write_text("#include <stdint.h>\n" + STARTUP_C, encoding="utf-8")
    (folder / "link.ld").write_text(LINKER_SCRIPT, encoding="utf-8")
    objs, model_bytes = [], 0
    for fname in sorted(sources):
        if fname.endswith(".c"):
            obj = folder / (fname[:-2] + ".o")
            subprocess.run(["arm-none-eabi-gcc", *CFLAGS, *defines, "-c", str(folder / fname), "-o", str(obj)],
                           check=True, cwd=folder)
            size = subprocess.run(["arm-none-eabi-size", str(obj)], check=True, capture_output=True,
                                  text=True).stdout.splitlines()[1].split()
            model_bytes += int(size[0]) + int(size[1])
            objs.append(str(obj))
    elf = folder / "bench.elf"
    subprocess.run(["arm-none-eabi-gcc", *CFLAGS, *defines, "-nostartfiles", "-T", str(folder / "link.ld"),
                    "-Wl,--gc-sections", "--specs=nosys.specs", "-o", str(elf), str(folder / "main.c"), str(folder / "startup.c"), *objs],
                   check=True)
    run = subprocess.run(["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-semihosting",
                          "-icount", "shift=0", "-kernel", str(elf)], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(f"QEMU exited with {run.returncode}: {run.stderr[-1000:]}")
    text = (run.stdout + run.stderr).splitlines()
    lines = [ln.split() for ln in text if ln.startswith("t") and " " in ln]
    insns = [40 * int(ln[0][1:], 16) for ln in lines]
    marks = [40 * int(ln[1:9], 16) for ln in text if ln.startswith("L")]
    outs = np.array([[int(ln[1][2 * i:2 * i + 2], 16) for i in range(len(ln[1]) // 2)] for ln in lines],
                    dtype=np.uint8).astype(np.int8)
    return insns, outs, model_bytes, marks[-len(marks) // len(x):] if marks else []


def layer_figures(program, layer_insns: list[int]) -> dict[str, list[int]]:
    """kind -> [instructions, MACs] summed over the layers of that kind."""
    g = program.graph
    ops = [op for op in program.ops if not OPS[op.name].alias]
    if len(layer_insns) != len(ops):
        raise RuntimeError(f"{len(layer_insns)} layer timings for {len(ops)} layers")
    kinds: dict[str, list[int]] = {}
    for op, n in zip(ops, layer_insns):
        k = kinds.setdefault(layer_kind(op, g), [0, 0])
        k[0] += n
        k[1] += max(op_macs(op, g), 1)
    return kinds


def check_equal(name: str, label: str, outs: np.ndarray, host: np.ndarray) -> None:
    if outs.shape != host.shape or not np.array_equal(outs, host):
        raise RuntimeError(f"{name} {label}: the emulated Cortex-M4 output differs from the host's")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", default=",".join([*SAMPLES, *MLPERF]))
    ap.add_argument("--baseline", default=BASE_REVISION, help="git revision whose compiler and "
                    "kernels are 'before' ('' to skip)")
    ap.add_argument("--keep", help="keep models and builds in this folder (and reuse models there)")
    a = ap.parse_args()
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="tms_nn_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    paths = model_paths([n for n in a.models.split(",") if n], work)
    print("emulated Cortex-M4F (QEMU mps2-an386, -icount shift=0): instructions per model_invoke "
          "(+-40) and per MAC, before (--baseline) and today, plain (-DTMS_NN_NO_DSP, the "
          "Cortex-M0+ path) and dsp (SMLAD); model code+constants bytes; every output checked "
          "equal to the host build")
    print(f"{'model':17} {'MACs':>9} {'bef plain':>10} {'plain':>10} {'bef dsp':>10} {'dsp':>10} "
          f"{'bp/MAC':>6} {'p/MAC':>6} {'bd/MAC':>6} {'d/MAC':>6} {'p/bef':>6} {'d/bef':>6} "
          f"{'flash bef':>9} {'flash':>8} {'growth':>7}")
    all_kinds: dict[str, dict[str, list[int]]] = {"plain": {}, "dsp": {}}
    per_model = []
    for name, path in paths.items():
        program, src_name = load_program(path)
        macs = summarize_program(program).macs
        g = program.graph
        in_size = sum(g.tensors[i].nbytes for i in g.inputs)
        out_size = sum(g.tensors[i].nbytes for i in g.outputs)
        x = np.random.default_rng(5).integers(-128, 128, (RUNS, in_size)).astype(np.int8)
        sources = generate_sources(program, src_name)
        (work / name / "host").mkdir(parents=True, exist_ok=True)
        host = run_host(build_host_runner(sources, work / name / "host"), x, out_size)
        variants = {}
        if a.baseline:
            old = sources_at(a.baseline, path, work)
            variants["before plain"] = (old, ("-DTMS_NN_NO_DSP",))
            variants["before dsp"] = (old, ())
        variants["plain"] = (sources, ("-DTMS_NN_NO_DSP",))
        variants["dsp"] = (sources, ())
        figures = {}
        for label, (srcs, defines) in variants.items():
            insns, outs, flash, _ = run_on_m4(srcs, work / name / label.replace(" ", "_"), x, defines)
            check_equal(name, label, outs, host)
            figures[label] = (float(np.median(insns)), flash)
        kinds = {}
        for label in ("plain", "dsp"):  # per layer: a second build with marks between layers
            srcs = {**sources, "model.c": profiled_model_c(sources["model.c"])}
            _, outs, _, marks = run_on_m4(srcs, work / name / f"{label}_layers", x[:1],
                                          variants[label][1])
            check_equal(name, label + " profiled", outs, host[:1])
            kinds[label] = layer_figures(program, marks)
            for kind, (n, m) in kinds[label].items():
                acc = all_kinds[label].setdefault(kind, [0, 0])
                acc[0] += n
                acc[1] += m
        per_model.append((name, kinds))
        nan = (float("nan"), 0)
        bp, bd = figures.get("before plain", nan), figures.get("before dsp", nan)
        pl, dsp = figures["plain"], figures["dsp"]
        print(f"{name:17} {macs:9d} {bp[0]:10.0f} {pl[0]:10.0f} {bd[0]:10.0f} {dsp[0]:10.0f} "
              f"{bp[0] / macs:6.2f} {pl[0] / macs:6.2f} {bd[0] / macs:6.2f} {dsp[0] / macs:6.2f} "
              f"{pl[0] / bp[0]:6.3f} {dsp[0] / bd[0]:6.3f} {bd[1]:9d} {dsp[1]:8d} "
              f"{dsp[1] - bd[1]:+7d}", flush=True)
    print()
    print("instructions per MAC by layer kind (plain / dsp; ADD and 'other': per element)")
    kinds_seen = [k for k in KINDS if k in all_kinds["dsp"]]
    print(f"{'model':17} " + " ".join(f"{k:>15}" for k in kinds_seen))

    def cell(label_kinds, kind):
        p, d = label_kinds["plain"].get(kind), label_kinds["dsp"].get(kind)
        if not p:
            return f"{'-':>15}"
        return f"{p[0] / p[1]:7.2f}/{d[0] / d[1]:<7.2f}"

    for name, kinds in per_model:
        print(f"{name:17} " + " ".join(cell(kinds, k) for k in kinds_seen))
    print(f"{'all models':17} " + " ".join(cell(all_kinds, k) for k in kinds_seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
