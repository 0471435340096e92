"""The int8 kernels on the emulated Cortex-M4F: instructions per inference and per MAC.

Each model is compiled once (model compiler) and its model_invoke() built for the Cortex-M4F
(arm-none-eabi-gcc -Os, as the firmware builds it) in up to three ways from the same model.c:
  before = the kernels of git revision --baseline (default: the branch point, plain C),
  plain  = today's kernels with the DSP path forced off (-DTMS_NN_NO_DSP), as on a Cortex-M0+,
  dsp    = today's kernels with the Cortex-M4 DSP extension (SMLAD), the default on M4/M7/M33.
Every build runs the same random inputs on QEMU mps2-an386 with -icount shift=0 (one instruction
per virtual ns; SysTick ticks every 40 instructions there), prints the instructions one
model_invoke() takes, and checks that its outputs are byte-identical to the host build's (which
is TFLite-Micro-exact: tests/codegen/model). Ratios are dsp / before.

Models: the four sample projects' .tflite files and the MLPerf Tiny architectures of
tests/codegen/model/mlperf_tiny.py (random weights; building them needs TensorFlow).

Run: python bench/bench_nn_kernels.py [--models gesture,kws,...] [--baseline REV] [--keep DIR]
A figure, not a test: no assertion on speed (a mismatch on the device is an error, though).
"""
from __future__ import annotations

import argparse
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
from codegen.model.verify import build_host_runner, run_host  # noqa: E402

SAMPLES = {"gesture": "sample_projects/gesture/gesture.tflite",
           "kws": "sample_projects/kws/kws.tflite",
           "digits": "sample_projects/digits/models/digits.int8.tflite",
           "vibration": "sample_projects/vibration/vibration.tflite"}
MLPERF = ("ds_cnn", "fc_autoencoder", "resnet8", "mobilenet_v1_025")
BASE_REVISION = "1c8026a"  # the simd-kernels branch point: plain-C kernels
CFLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "-Os", "-std=c99",
          "-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections"]
RUNS = 3

MAIN_C = r"""
#include <stdint.h>
#include "model.h"
void tms_target_print(const char *line);
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
    }
    return 0;
}
"""

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


def kernels_at(revision: str, names) -> dict[str, str]:
    """The kernel files of ``revision`` (generated-by line added like the compiler does)."""
    out = {}
    for fname in names:
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:codegen/runtime/nn/{fname}"],
                              check=True, capture_output=True, text=True).stdout
        out[fname] = text
    return out


def run_on_m4(sources: dict[str, str], folder: Path, x: np.ndarray, defines=()) -> tuple[list[int], np.ndarray, int]:
    """(instructions per invoke, outputs, model text+data bytes) of one build on QEMU."""
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
    lines = [ln.split() for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("t") and " " in ln]
    insns = [40 * int(ln[0][1:], 16) for ln in lines]
    outs = np.array([[int(ln[1][2 * i:2 * i + 2], 16) for i in range(len(ln[1]) // 2)] for ln in lines],
                    dtype=np.uint8).astype(np.int8)
    return insns, outs, model_bytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", default=",".join([*SAMPLES, *MLPERF]))
    ap.add_argument("--baseline", default=BASE_REVISION, help="git revision whose kernels are 'before' "
                    "('' to skip)")
    ap.add_argument("--keep", help="keep models and builds in this folder (and reuse models there)")
    a = ap.parse_args()
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="tms_nn_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    paths = model_paths([n for n in a.models.split(",") if n], work)
    print("emulated Cortex-M4F (QEMU mps2-an386, -icount shift=0): instructions per model_invoke "
          "(+-40), per MAC, model code+constants bytes; outputs checked equal to the host build")
    print(f"{'model':17} {'MACs':>9} {'before':>10} {'plain':>10} {'dsp':>10} {'b/MAC':>6} {'p/MAC':>6} "
          f"{'d/MAC':>6} {'dsp/bef':>7} {'flash b':>8} {'flash d':>8}")
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
            kernels = [f for f in sources if f.startswith("tms_")]
            top = sources["model.c"].splitlines()[0]
            old = {f: top + "\n" + t for f, t in kernels_at(a.baseline, kernels).items()}
            variants["before"] = ({**sources, **old}, ())
        variants["plain"] = (sources, ("-DTMS_NN_NO_DSP",))
        variants["dsp"] = (sources, ())
        figures = {}
        for label, (srcs, defines) in variants.items():
            insns, outs, flash = run_on_m4(srcs, work / name / label, x, defines)
            if outs.shape != host.shape or not np.array_equal(outs, host):
                raise RuntimeError(f"{name} {label}: the emulated Cortex-M4 output differs from the host's")
            figures[label] = (float(np.median(insns)), flash)
        bef = figures.get("before", (float("nan"), 0))
        pl, dsp = figures["plain"], figures["dsp"]
        print(f"{name:17} {macs:9d} {bef[0]:10.0f} {pl[0]:10.0f} {dsp[0]:10.0f} {bef[0] / macs:6.2f} "
              f"{pl[0] / macs:6.2f} {dsp[0] / macs:6.2f} {dsp[0] / bef[0]:7.3f} {bef[1]:8d} {dsp[1]:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
