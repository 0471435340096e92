"""What structured pruning buys on the device: the digits sample's CNN unpruned vs pruned.

Builds the digits pipeline twice for the emulated Cortex-M4F — once with the float CNN quantized
as it is, once with the int8 model its Prune channels node made — runs both on QEMU over the same
test images and prints MACs, model flash and arena (model compiler), instructions per inference
(QEMU ``-icount``: deterministic) and test accuracy of each, with the pruned/unpruned ratios.
A figure, not a test: no assertion. Run from the repository root (about a minute).
"""
from __future__ import annotations

import copy
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from codegen.model.analysis import analyze_tflite  # noqa: E402
from studio.actions import run_emulated  # noqa: E402
from studio.core.project import load_project, save_project  # noqa: E402
from studio.ml.dataset import evaluate_test_split  # noqa: E402
from studio.ml.pipeline import features_for_stream  # noqa: E402
from studio.ml.quantize import convert_int8, representative_subset  # noqa: E402

DIGITS = ROOT / "sample_projects" / "digits"
IMAGES = 40   # inferences run on the emulated board per variant


def variant(tmp: Path, name: str, tflite: bytes):
    """A copy of the digits project in ``tmp/name`` running ``tflite`` through a .tflite node."""
    folder = tmp / name
    (folder / "test").mkdir(parents=True)
    for rel in ("test/digits.npy", "test/labels.txt"):
        (folder / rel).write_bytes((DIGITS / rel).read_bytes())
    (folder / "model.tflite").write_bytes(tflite)
    project = copy.deepcopy(load_project(DIGITS / "digits.tinyml"))
    g = project.graph
    props = {"model": "model.tflite", "labels": list(g.node("classifier").props["labels"])}
    for n in ("prune", "int8"):
        g.remove_node(n)
    g.remove_node("classifier")
    g.add_node("model.tflite", props, node_id="classifier")
    g.connect("scale", "out", "classifier", "in")
    g.connect("classifier", "scores", "serial", "scores")
    project.path = folder / "digits.tinyml"
    save_project(project)
    return load_project(project.path)


def measure(project, tmp: Path) -> dict:
    s = analyze_tflite(project.dir / "model.tflite")
    run = run_emulated(project, tmp / "fw", count=IMAGES).inferences()
    model_insn = [r["model_cycles"] for r in run]   # on the emulated board a cycle is one instruction
    return {"macs": s.macs, "flash": s.flash_bytes, "arena": s.arena_bytes,
            "insn": float(np.median(model_insn)), "accuracy": evaluate_test_split(project).accuracy}


def _make_digits():
    """The sample's make script as a module (its split and seed), without running it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_digits", DIGITS / "make_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    import keras

    project = load_project(DIGITS / "digits.tinyml")
    float_model = keras.saving.load_model(str(DIGITS / "models" / "digits.keras"), safe_mode=True, compile=False)
    make = _make_digits()
    from sklearn.datasets import load_digits

    digits = load_digits()
    train, _, _ = make.stratified_split(digits.target, np.random.default_rng(make.SEED))
    train_features = features_for_stream(project, digits.data[train].astype(np.float32), (8, 8, 1))
    rep = representative_subset(train_features, 300, make.SEED)   # as the sample's Quantize int8 node
    unpruned = convert_int8(float_model, rep)
    pruned = (DIGITS / "models" / "digits.int8.tflite").read_bytes()
    with tempfile.TemporaryDirectory(prefix="bench-prune-") as t:
        tmp = Path(t)
        before = measure(variant(tmp, "unpruned", unpruned), tmp / "a")
        after = measure(variant(tmp, "pruned", pruned), tmp / "b")
    print(f"{'':22} {'unpruned':>12} {'pruned':>12} {'ratio':>7}")
    for key, label in (("macs", "MACs"), ("flash", "model flash B"), ("arena", "arena B"),
                       ("insn", "insn / inference"), ("accuracy", "test accuracy")):
        a, b = before[key], after[key]
        fmt = "{:>12.4f}" if key == "accuracy" else "{:>12,.0f}"
        print(f"{label:22} {fmt.format(a)} {fmt.format(b)} {b / a:>7.3f}")


if __name__ == "__main__":
    main()
