"""Model compiler vs TFLite Micro on the four MLPerf Tiny architectures: RAM and flash.

Prints one row per model:
  ours RAM   = .data + .bss of model.o (the arena) + the deepest stack chain from -fstack-usage
               (model_invoke + its largest kernel frame + the largest helper frame), Cortex-M4 -Os
  ours+io    = ours RAM + the caller's input and output buffers (TFLM keeps those in its arena)
  TFLM arena = "Arena allocation total" printed by the tflite-micro interpreter
  bound      = the planner's lower bound (max simultaneously live intermediate bytes)
  flash      = text + data of every generated object (constants included) vs the .tflite size
  host us    = CPU time per inference on this machine: our C (gcc -O2) vs TFLM's interpreter
               (its reference kernels; wall time of invoke() from Python, so a rough figure)
and the geometric mean of ours+io / TFLM arena (target <= 0.5).

Run: python bench/bench_model_compiler.py [--models ds_cnn,resnet8,...] [--keep DIR]
"""
from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from codegen.model import compile_tflite  # noqa: E402

ARM = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-std=c99", "-Wall", "-Wextra",
       "-Werror", "-ffunction-sections", "-fdata-sections", "-fstack-usage"]


def build_models(names, work: Path) -> dict:
    from tests.codegen.model.bitexact import to_int8_tflite
    from tests.codegen.model.mlperf_tiny import MLPERF_TINY

    paths = {}
    for name in names:
        build, shape = MLPERF_TINY[name]
        path = work / f"{name}.tflite"
        if not path.exists():  # --keep DIR reuses models built by an earlier run
            path.write_bytes(to_int8_tflite(build(), shape))
        paths[name] = path
    return paths


def arm_sizes(src_dir: Path, files) -> tuple[int, int, int]:
    """(model.o data+bss, total text+data of all objects, deepest stack chain bytes)."""
    model_ram = flash = 0
    frames: dict[str, int] = {}
    for name in files:
        if not name.endswith(".c"):
            continue
        src = src_dir / name
        obj = src.with_suffix(".o")
        subprocess.run(ARM + ["-c", str(src), "-o", str(obj)], check=True, cwd=src_dir)
        out = subprocess.run(["arm-none-eabi-size", str(obj)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[1].split()
        text, data, bss = int(out[0]), int(out[1]), int(out[2])
        flash += text + data
        if name == "model.c":
            model_ram = data + bss
        for line in obj.with_suffix(".su").read_text().splitlines():
            parts = line.split("\t")
            if len(parts) >= 2:
                frames[parts[0].rsplit(":", 1)[-1]] = int(parts[1])
    invoke = frames.get("model_invoke", 0)
    kernels = [v for k, v in frames.items() if k.startswith("tms_") and k.endswith("_s8")]
    helpers = [v for k, v in frames.items() if not k.endswith("_s8") and k != "model_invoke"]
    stack = invoke + max(kernels, default=0) + max(helpers, default=0)
    return model_ram, flash, stack


def tflm_figures(path: Path, runs: int) -> tuple[int, float]:
    """(arena allocation total bytes, mean invoke us) from a TFLM child process."""
    proc = subprocess.run([sys.executable, "-m", "codegen.model.tflm_reference", str(path),
                           "--allocations", "--time-runs", str(runs), "--arena", str(1 << 23)],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    m = re.search(r"Arena allocation total (\d+) bytes", proc.stderr)
    t = re.search(r"invoke_us ([0-9.]+)", proc.stderr)
    if not m or not t:
        raise RuntimeError("no allocation report from TFLM:\n" + proc.stderr[-2000:])
    return int(m.group(1)), float(t.group(1))


def host_us(src_dir: Path, files, input_bytes: int, runs: int) -> float:
    """CPU time per inference of the generated C built for this host."""
    import resource

    import numpy as np

    from codegen.model.verify import HARNESS_C

    (src_dir / "harness.c").write_text(HARNESS_C, encoding="utf-8")
    exe = src_dir / "host_runner"
    sources = [str(src_dir / f) for f in files if f.endswith(".c")] + [str(src_dir / "harness.c")]
    subprocess.run(["gcc", "-std=c99", "-O2", "-o", str(exe), *sources], check=True)
    x = np.random.default_rng(0).integers(-128, 128, (runs, input_bytes)).astype(np.int8)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    subprocess.run([str(exe)], input=x.tobytes(), capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    return (after - before) / runs * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", default="ds_cnn,fc_autoencoder,resnet8,mobilenet_v1_025")
    ap.add_argument("--runs", type=int, default=50, help="inferences timed per model")
    ap.add_argument("--keep", help="keep models and generated code in this folder (and reuse "
                    "models already there)")
    a = ap.parse_args()
    names = [n for n in a.models.split(",") if n]
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="tms_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    paths = build_models(names, work)
    head = (f"{'model':18} {'arena':>8} {'bound':>8} {'stack':>6} {'oursRAM':>8} {'ours+io':>8} "
            f"{'TFLM':>8} {'RAM/TFLM':>9} {'flash':>8} {'.tflite':>8} {'fl/tfl':>7} "
            f"{'host us':>8} {'TFLM us':>8}")
    rows, ratios = [], []
    for name in names:
        out = work / f"{name}_c"
        report = compile_tflite(paths[name], out)
        model_ram, flash, stack = arm_sizes(out, report.files)
        from codegen.model.compiler import load_program

        program, _ = load_program(paths[name])
        g = program.graph
        io_bytes = sum(g.tensors[i].nbytes for i in (*g.inputs, *g.outputs))
        ours = model_ram + stack
        tflm, tflm_us = tflm_figures(paths[name], a.runs)
        ours_us = host_us(out, report.files, sum(g.tensors[i].nbytes for i in g.inputs), a.runs)
        ratio = (ours + io_bytes) / tflm
        ratios.append(ratio)
        size = paths[name].stat().st_size
        rows.append(f"{name:18} {report.arena_bytes:8d} {report.lower_bound_bytes:8d} {stack:6d} "
                    f"{ours:8d} {ours + io_bytes:8d} {tflm:8d} {ratio:9.3f} {flash:8d} "
                    f"{size:8d} {flash / size:7.3f} {ours_us:8.0f} {tflm_us:8.0f}")
    print(head)
    print("\n".join(rows))
    gmean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"geometric mean of (ours RAM + io) / TFLM arena: {gmean:.3f} (target <= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
