"""Hostile float32 models: mutations of float seed models (float32 and float16 weights) are refused
or compiled, never a crash, and every accepted one runs clean under AddressSanitizer and UBSan on
extreme inputs (zeros, +-1e30, random)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.reliability.test_hostile_models_mutations import generate_cases, run_validator

pytestmark = pytest.mark.slow

SAN_FLAGS = ["-std=c99", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
             "-fno-omit-frame-pointer", "-w"]


@pytest.fixture(scope="module")
def float_seeds(tmp_path_factory):
    import tensorflow as tf

    k = tf.keras
    k.utils.set_random_seed(5)
    inp = k.Input((12, 10, 3))
    a = k.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu")(inp)
    b = k.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(a)
    c = k.layers.MaxPooling2D(2)(k.layers.ZeroPadding2D(1)(b))   # 4x3x12
    d = k.layers.AveragePooling2D(2)(b)                          # 3x2x12
    e = k.layers.Concatenate()([k.layers.Add()([c[:, :3, :2, :], d]), d])
    f = k.layers.GlobalAveragePooling2D()(e)
    out = k.layers.Softmax()(k.layers.Dense(5)(k.layers.Dense(16, activation="tanh")(f)))
    model = k.Model(inp, out)
    work = tmp_path_factory.mktemp("float_seeds")
    paths = []
    for name, half in (("f32.tflite", False), ("f16.tflite", True)):
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        if half:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            conv.target_spec.supported_types = [tf.float16]
        (work / name).write_bytes(conv.convert())
        paths.append(work / name)
    return paths


def test_mutated_float_models_are_refused_or_compiled_never_crash(float_seeds):
    counts, accepted = run_validator(generate_cases(700, seed=31, models=float_seeds))
    assert sum(c["tried"] for c in counts.values()) == 700
    assert all(c["refused"] > 0 for c in counts.values())
    assert accepted, "no mutation was accepted: the sanitizer test would test nothing"


def _harness(models) -> str:
    decls = [f"int model_invoke_{k}(const float *input, float *output);" for k, _, _ in models]
    calls = [f"    RUN({k}, {n_in}, {n_out});" for k, n_in, n_out in models]
    return "\n".join([
        "#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>", *decls,
        "static uint32_t rng = 12345u;",
        "static float next(void) { rng = rng * 1103515245u + 12345u; "
        "return (float)(int32_t)rng / 1e8f; }",
        "#define RUN(k, n_in, n_out) do { \\",
        "    int s; float *in = malloc(sizeof(float) * (n_in)); \\",
        "    float *out = malloc(sizeof(float) * (n_out)); \\",
        "    fprintf(stderr, \"model %d\\n\", k); \\",
        "    for (s = 0; s < 4; ++s) { size_t i; \\",
        "        for (i = 0; i < (size_t)(n_in); ++i) \\",
        "            in[i] = s == 0 ? 0.0f : s == 1 ? 1e30f : s == 2 ? -1e30f : next(); \\",
        "        if (model_invoke_##k(in, out) != 0) fprintf(stderr, \"rc model %d\\n\", k); } \\",
        "    free(in); free(out); } while (0)",
        "int main(void)", "{", *calls, "    return 0;", "}", ""])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_accepted_float_mutations_run_clean_under_asan_and_ubsan(float_seeds, tmp_path):
    from codegen.model.compiler import RUNTIME_DIR

    _, accepted = run_validator(generate_cases(300, seed=32, models=float_seeds))
    accepted = [(case, (p, files)) for case, (p, files) in accepted if p.float_model][:60]
    assert accepted
    objs = []
    for src in sorted(RUNTIME_DIR.glob("tms_*_f32.c")):
        obj = tmp_path / (src.stem + ".o")
        subprocess.run(["gcc", *SAN_FLAGS, "-c", str(src), "-o", str(obj)], check=True, timeout=120)
        objs.append(obj)
    sizes = []
    for k, (case, (program, files)) in enumerate(accepted):
        d = tmp_path / f"m{k}"
        d.mkdir()
        for name in ("model.h", "model.c"):
            (d / name).write_text(files[name], encoding="utf-8")
        obj = d / "model.o"
        subprocess.run(["gcc", *SAN_FLAGS, f"-Dmodel_invoke=model_invoke_{k}", "-c", str(d / "model.c"),
                        "-I", str(d), "-I", str(RUNTIME_DIR), "-o", str(obj)], check=True, timeout=120)
        objs.append(obj)
        g = program.graph
        sizes.append((k, sum(g.tensors[i].elements for i in g.inputs),
                      sum(g.tensors[i].elements for i in g.outputs)))
    (tmp_path / "harness.c").write_text(_harness(sizes), encoding="utf-8")
    exe = tmp_path / "run"
    subprocess.run(["gcc", *SAN_FLAGS, str(tmp_path / "harness.c"), *map(str, objs), "-lm", "-o",
                    str(exe)], check=True, timeout=300)
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        last = [ln for ln in run.stderr.splitlines() if ln.startswith("model ")]
        k = int(last[-1].split()[1]) if last else 0
        pytest.fail(f"{accepted[k][0].what}: {run.stderr[-3000:]}")
