"""Mutated models that use the recurrent/attention/upsampling ops (PACK, BATCH_MATMUL,
SQUARED_DIFFERENCE, RSQRT, NEG via float, RESIZE_BILINEAR, TRANSPOSE_CONV, TILE, the folded
DEQUANTIZE sandwiches) are refused with a ModelError or compile into C that runs clean under
AddressSanitizer and UBSan: the seeds of tests/reliability/ hold none of these ops."""
from __future__ import annotations

import shutil

import pytest

from tests.codegen.model import layer_kinds as K
from tests.codegen.model.bitexact import to_int8_tflite
from tests.reliability.test_hostile_models_asan import build_and_run
from tests.reliability.test_hostile_models_mutations import generate_cases, run_validator

pytestmark = pytest.mark.slow

SEED_KINDS = ("multi_head_attention", "gru", "conv_autoencoder_transpose",
              "conv_autoencoder_bilinear", "conv_autoencoder_upsampling")


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_mutations_of_new_op_models_are_refused_or_run_clean_under_asan(tmp_path):
    seeds = []
    for kind in SEED_KINDS:
        model, shape = K.KINDS[kind]()
        path = tmp_path / f"{kind}.tflite"
        path.write_bytes(to_int8_tflite(model, shape))
        seeds.append(path)
    crashes: list = []
    _, accepted = run_validator(generate_cases(250, seed=91, models=seeds), crashes)
    assert not crashes, f"{len(crashes)} mutations raised something other than ModelError"
    unique = {case.key: (case, detail) for case, detail in accepted}
    chosen = [unique[k] for k in sorted(unique)][:60]
    assert len(chosen) >= 20
    build = tmp_path / "build"
    build.mkdir()
    failures = build_and_run(chosen, build)
    assert not failures, "\n\n".join(f"{c.seed_model} [{c.category}] {c.what}\n{err}"
                                     for c, err in failures[:3])
