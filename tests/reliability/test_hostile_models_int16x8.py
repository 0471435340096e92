"""Mutated int16x8 models (TFLite's 16x8 mode) are refused or compiled, never crash, and every
accepted one runs clean under AddressSanitizer and UBSan: the int16 kernels' bounds (48-bit
accumulators, requantization shifts, int32 sums, table indices) hold for hostile files too.

The seed model holds every int16x8 kernel family: conv, depthwise, dense, pools, add, mul,
mean, softmax, logistic, tanh, pad, concatenation and slices."""
from __future__ import annotations

import shutil

import pytest

from tests.reliability.test_hostile_models_asan import build_and_run
from tests.reliability.test_hostile_models_mutations import generate_cases, run_validator

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory):
    from tests.codegen.model.bitexact import keras, to_int16x8_tflite

    k = keras()
    L = k.layers
    k.utils.set_random_seed(3)
    x = k.Input((12, 6, 2))
    a = L.Conv2D(4, 3, padding="same", activation="relu", bias_initializer="random_normal")(x)
    b = L.DepthwiseConv2D(3, padding="same", bias_initializer="random_normal")(a)
    c = L.Add()([a, b])
    d = L.Multiply()([c, L.Activation("sigmoid")(b)])
    e = L.ZeroPadding2D(((1, 0), (0, 1)))(L.MaxPooling2D(2)(d))
    f = L.Concatenate()([L.AveragePooling2D(2)(d), L.Activation("tanh")(e[:, :6, :3, :])])
    g = L.GlobalAveragePooling2D()(f)
    y = L.Softmax()(L.Dense(5)(g))
    path = tmp_path_factory.mktemp("seed16") / "seed16.tflite"
    path.write_bytes(to_int16x8_tflite(k.Model(x, y), (12, 6, 2)))
    return path


def test_int16x8_seed_model_compiles(seed_model):
    from codegen.model.analysis import analyze_tflite

    s = analyze_tflite(seed_model)
    assert s.supported, s.unsupported_text
    assert {"SOFTMAX", "LOGISTIC", "TANH", "PAD", "CONCATENATION", "MUL"} <= set(s.ops)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_mutated_int16x8_models_are_refused_or_run_clean_under_sanitizers(seed_model, tmp_path):
    crashes: list = []
    counts, accepted = run_validator(generate_cases(300, seed=16, models=[seed_model]), crashes)
    assert not crashes, crashes[:3]
    unique = {case.key: (case, detail) for case, detail in accepted}
    chosen = [unique[k] for k in sorted(unique)][:80]
    assert len(chosen) >= 20
    failures = build_and_run(chosen, tmp_path)
    assert not failures, "\n\n".join(f"[{c.category}] {c.what}\n{err}" for c, err in failures[:3])
