"""Float32 vs int8 of the same model on the emulated Cortex-M4F (QEMU mps2-an386, -icount: one
instruction = one cycle): instructions per MAC of model_invoke, arena and flash from the compiler.

Prints, for a conv model and a dense model, each as float32, float16-weight and int8: arena bytes,
constant bytes, MACs and the median ``model_cycles`` per inference over a few windows, and their
ratio to the MACs. The figures are what studio/core/latency_calibration.py uses for float models.

Run: python bench/bench_float_model.py
A figure, not a test.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.firmware import write_firmware  # noqa: E402
from codegen.model import analyze_tflite, compile_tflite  # noqa: E402
from codegen.stage import StageCode, buffer_name  # noqa: E402
from studio.core.boards import BoardCatalogue  # noqa: E402
from studio.core.paths import builtin_boards_dir  # noqa: E402
from studio.device.build import build_firmware  # noqa: E402
from studio.device.emulator import Emulator  # noqa: E402

BOARD = BoardCatalogue(dirs=[builtin_boards_dir()]).get("qemu-mps2-an386")


def models():
    import tensorflow as tf

    k = tf.keras
    k.utils.set_random_seed(0)
    conv = k.Sequential([k.Input((16, 16, 1)), k.layers.Conv2D(16, 3, padding="same", activation="relu"),
                         k.layers.DepthwiseConv2D(3, padding="same", activation="relu"),
                         k.layers.Conv2D(16, 1, activation="relu"), k.layers.GlobalAveragePooling2D(),
                         k.layers.Dense(4)])
    dense = k.Sequential([k.Input((256,)), k.layers.Dense(64, activation="relu"), k.layers.Dense(4)])
    for name, model in (("conv", conv), ("dense", dense)):
        shape = model.inputs[0].shape[1:]
        for kind in ("float32", "float16", "int8"):
            c = tf.lite.TFLiteConverter.from_keras_model(model)
            if kind == "float16":
                c.optimizations = [tf.lite.Optimize.DEFAULT]
                c.target_spec.supported_types = [tf.float16]
            if kind == "int8":
                c.optimizations = [tf.lite.Optimize.DEFAULT]
                c.representative_dataset = lambda: ([np.random.normal(size=(1, *shape)).astype(np.float32)]
                                                    for _ in range(8))
                c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
                c.inference_input_type = c.inference_output_type = tf.int8
            yield f"{name} {kind}", c.convert()


def measure(tflite: bytes, work: Path) -> float:
    (work / "m.tflite").write_bytes(tflite)
    compile_tflite(work / "m.tflite", work / "model")
    s = analyze_tflite(work / "m.tflite")
    n_in = int(np.prod(s.inputs[0].shape))
    n_out = int(np.prod(s.outputs[0].shape))
    feat = buffer_name("feat", "out")
    stages = [StageCode("feat", "sample", declarations=f"static float {feat}[{n_in}];",
                        run=f"size_t k;\nfor (k = 0; k < {n_in}u; k++) {{\n    {feat}[k] = tms_sample[k];\n}}")]
    features = np.random.default_rng(1).normal(size=(5, n_in)).astype(np.float32)
    files = write_firmware(work / "fw", BOARD, "bench", stages, work / "model",
                           [f"c{i}" for i in range(n_out)], replay=features)
    build_firmware(files.out_dir)
    with Emulator(files.elf) as emu:
        with emu.connect() as sock:
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
        emu.wait(120)
    runs = [json.loads(line) for line in data.decode().splitlines()]
    return statistics.median(r["model_cycles"] for r in runs if r.get("type") == "inference")


def main() -> None:
    print(f"{'model':16} {'arena B':>8} {'const B':>8} {'MACs':>8} {'cycles':>9} {'cyc/MAC':>8}")
    for label, tflite in models():
        with tempfile.TemporaryDirectory() as tmp:
            s = analyze_tflite(tflite)
            from codegen.model.compiler import load_program

            const = load_program(tflite)[0].const_bytes()
            cycles = measure(tflite, Path(tmp))
            print(f"{label:16} {s.arena_bytes:8d} {const:8d} {s.macs:8d} {cycles:9.0f} "
                  f"{cycles / max(s.macs, 1):8.2f}")


if __name__ == "__main__":
    main()
