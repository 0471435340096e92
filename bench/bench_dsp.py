"""DSP kernel figures: host time per call, Cortex-M4F object sizes, and parity with the numpy references.

    python bench/bench_dsp.py            # everything
    python bench/bench_dsp.py --no-parity

Prints (never asserts):
- host ns per stage run (gcc -O2 on this machine) for the KWS MFCC (16 kHz, 1 s window -> 49x10),
  the IMU spectrum and the other nodes;
- instructions per run on the emulated Cortex-M4F, next to the node's ``cost()`` ops estimate, and
  of Cortex-M0+ code (soft float; float vs Q15 FFT) on QEMU's Cortex-M3;
- arm-none-eabi-gcc -Os text/data/bss of each kernel object, and the suggested ``CODE_BYTES`` per node
  kernel key of nodes/dsp.py and nodes/dsp_image.py (a node's kernel plus what it calls, FFT apart)
  and of nodes/outputs.py (the output kernels of codegen/runtime/outputs/);
- max abs and peak-relative error of each node's C against its reference on the check signals.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codegen.emit_dsp import KERNEL_SOURCES, all_kernel_sources  # noqa: E402
from codegen.emit_outputs import KERNEL_SOURCES as OUTPUT_KERNEL_SOURCES  # noqa: E402
from codegen.emitters.dsp_host import RUNTIME_DIR, check_signals, node_on_host  # noqa: E402
from codegen.emitters.dsp_target import M0PLUS_ON_M3, instructions_on_emulated_m4, tools_available  # noqa: E402
from nodes.base import NodeContext, node_type  # noqa: E402
from nodes.dsp import STAT_FEATURES  # noqa: E402

ARM_CC = "arm-none-eabi-gcc"
ARM_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os", "-std=c99",
             "-ffunction-sections", "-fdata-sections", "-Wall", "-Wextra", "-Werror"]

# (label, type, props, input shape, rate of the input tensor, repeats)
TIMED = [
    ("KWS MFCC 16 kHz 1 s -> 49x10", "dsp.mfcc", {}, (16000, 1), 2.0, 20),
    ("KWS MFE 16 kHz 1 s -> 49x40", "dsp.mfe", {}, (16000, 1), 2.0, 20),
    ("IMU spectrum 3 ax x 128, n_fft 128", "dsp.spectrum", {"n_fft": 128}, (128, 3), 1.0, 2000),
    ("IMU spectrum 3 ax x 200, n_fft 256, log", "dsp.spectrum", {"n_fft": 256, "log": True}, (200, 3), 1.0, 2000),
    ("IMU stats (all 8) 3 ax x 200", "dsp.stats", {n: True for n in STAT_FEATURES}, (200, 3), 1.0, 5000),
    ("biquad 4 stages, 1 sample x 3 ch", "dsp.biquad", {"stages": 4, "cutoff_hz": 20.0, "sample_rate_hz": 100.0},
     (3,), 100.0, 200000),
    ("window 16000/8000, 1 sample", "dsp.window", {"window": 16000, "hop": 8000}, (1,), 16000.0, 200000),
    ("resize bilinear 96x96x1 -> 48x48", "dsp.resize", {"width": 48, "height": 48}, (96, 96, 1), 1.0, 2000),
    ("KWS delta+delta-delta of 49x13 MFCC", "dsp.delta", {}, (49, 13), 2.0, 20000),
]

# (type, props, input shape, rate) of the parity table
PARITY = [
    ("dsp.window", {"window": 64, "hop": 32}, (1,), 16000.0),
    ("dsp.normalize", {"mode": "zscore", "mean": 0.1, "std": 0.7}, (256, 1), 1.0),
    ("dsp.normalize", {"mode": "frame_minmax"}, (256, 1), 1.0),
    ("dsp.biquad", {"kind": "bandpass", "cutoff_hz": 1000.0, "q": 2.0, "stages": 4}, (1,), 16000.0),
    ("dsp.downsample", {"factor": 4}, (256, 1), 1.0),
    ("dsp.stats", {n: True for n in STAT_FEATURES}, (1000, 1), 1.0),
    ("dsp.spectrum", {"n_fft": 1024}, (1000, 1), 1.0),
    ("dsp.spectrum", {"n_fft": 256, "log": True}, (256, 1), 1.0),
    ("dsp.mfe", {}, (16000, 1), 2.0),
    ("dsp.mfe", {"log": False, "spectrum": "power"}, (16000, 1), 2.0),
    ("dsp.mfcc", {}, (16000, 1), 2.0),
    ("dsp.spectrum", {"n_fft": 1024, "q15_fft": True}, (1000, 1), 1.0),
    ("dsp.mfcc", {"q15_fft": True}, (16000, 1), 2.0),
    ("dsp.delta", {}, (49, 13), 2.0),
]


def host_times() -> None:
    print("host time per stage run (gcc -O2, this machine)")
    rng = np.random.default_rng(0)
    for label, type_id, props, shape, rate, repeats in TIMED:
        node = node_on_host(type_id, props, shape, rate)
        x = rng.uniform(-1.0, 1.0, (1, *shape)).astype(np.float32)
        ns = min(node.ns_per_run(x, repeats) for _ in range(3))
        print(f"  {label:42s} {ns:12.0f} ns")


def m4_instructions() -> None:
    if not tools_available():
        print("arm-none-eabi-gcc or qemu-system-arm missing: no emulated instruction counts")
        return
    print("emulated Cortex-M4F (QEMU mps2-an386, -icount): instructions per stage run (+-40), "
          "and the node's cost() ops estimate")
    rng = np.random.default_rng(0)
    for label, type_id, props, shape, rate, _ in TIMED:
        if len(shape) == 1:
            continue  # a per-sample stage is below the 40-instruction resolution
        node = node_on_host(type_id, props, shape, rate)
        x = rng.uniform(-1.0, 1.0, (2, *shape)).astype(np.float32)
        counts = instructions_on_emulated_m4(node, x, "bench_" + type_id.replace(".", "_"))
        ops = node_type(type_id)().cost({"in": node.spec_in}, {"out": node.spec_out}, node.props, NodeContext()).ops
        print(f"  {label:42s} {max(counts):10d} instr   cost() ops {ops:10d}")
    print("Cortex-M0+ code (soft float) on QEMU's Cortex-M3: instructions per run, float FFT vs Q15 FFT")
    for label, type_id, props, shape, rate, _ in TIMED[:3]:
        x = rng.uniform(-1.0, 1.0, (1, *shape)).astype(np.float32)
        counts = []
        for q15 in (False, True):
            node = node_on_host(type_id, props, shape, rate, q15_fft=q15)
            tag = f"bench_m0_{type_id.replace('.', '_')}_{int(q15)}"
            counts.append(instructions_on_emulated_m4(node, x, tag, core=M0PLUS_ON_M3)[0])
        print(f"  {label:42s} float {counts[0]:11d}   q15 {counts[1]:11d}")


def arm_sizes() -> None:
    if shutil.which(ARM_CC) is None:
        print("arm-none-eabi-gcc not installed: no object sizes")
        return
    print("arm-none-eabi-gcc -Os (Cortex-M4F, hard float) object sizes, bytes")
    sizes: dict[str, tuple[int, int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rel in all_kernel_sources() + sorted(r for rels in OUTPUT_KERNEL_SOURCES.values() for r in rels):
            obj = Path(tmp) / (Path(rel).stem + ".o")
            subprocess.run([ARM_CC, *ARM_FLAGS, "-c", str(RUNTIME_DIR / rel), "-o", str(obj)], check=True)
            out = subprocess.run(["arm-none-eabi-size", str(obj)], capture_output=True, text=True, check=True)
            text, data, bss = (int(v) for v in out.stdout.splitlines()[1].split()[:3])
            sizes[rel] = (text, data, bss)
            print(f"  {rel:22s} text {text:6d}  data {data:4d}  bss {bss:4d}")
    print("suggested CODE_BYTES (text of the node's kernel and what it calls besides dsp/fft):")
    for type_id, rels in KERNEL_SOURCES.items():
        key = node_type(type_id).kernel
        own = sum(sizes[r][0] for r in rels if r != "dsp/fft.c")
        print(f"  {key!r}: {own},")
    print(f"  'dsp/fft': {sizes['dsp/fft.c'][0]},   (Q15 on cores without an FPU: {sizes['dsp/fft_q15.c'][0]})")
    print("  (logf/sqrtf come from newlib's libm and are not included)")
    print("suggested CODE_BYTES of nodes/outputs.py (text of the output kernel plus its 40-byte call; the "
          "protocol printer it calls is runtime):")
    for type_id, rels in OUTPUT_KERNEL_SOURCES.items():
        print(f"  {node_type(type_id).kernel!r}: {sum(sizes[r][0] for r in rels) + 40},")


def parity() -> None:
    print("parity with the numpy reference: max |C - ref|, and that over max |ref|")
    for type_id, props, shape, rate in PARITY:
        node_props = {k: v for k, v in props.items() if k != "q15_fft"}
        node = node_on_host(type_id, node_props, shape, rate, q15_fft=props.get("q15_fft", False))
        ref = node_type(type_id)()
        n = 3000 if len(shape) == 1 else shape[0]
        channels = shape[-1] if len(shape) > 1 else shape[0]
        cells = []
        for name, x in check_signals(n, channels, 16000.0, seed=11).items():
            got, want = node.run(x), ref.transform(x, node.props)
            got = got.reshape(want.shape)
            err = float(np.max(np.abs(got.astype(np.float64) - want))) if want.size else 0.0
            peak = float(np.max(np.abs(want))) if want.size else 0.0
            cells.append(f"{name} {err:.1e}/{(err / peak if peak else 0.0):.1e}")
        shown = ", ".join(f"{k}={v}" for k, v in props.items()) or "defaults"
        print(f"  {type_id} ({shown})")
        print("      " + "  ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-parity", action="store_true")
    args = ap.parse_args()
    host_times()
    m4_instructions()
    arm_sizes()
    if not args.no_parity:
        parity()


if __name__ == "__main__":
    main()
