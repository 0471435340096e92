"""Whole MLPerf Tiny models (random weights, one epoch on random data) compile and run bit-exact.

Also checks the static plan on these real graphs and that the generated project builds for
Cortex-M4 with arm-none-eabi-gcc -Werror.
"""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from codegen.model import analyze_tflite, compile_tflite
from tests.codegen.model.bitexact import run_both

pytestmark = pytest.mark.slow

SAMPLES = {"ds_cnn": 24, "fc_autoencoder": 24, "resnet8": 12, "mobilenet_v1_025": 6}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_mlperf_model_matches_tflm(mlperf_models, name):
    ours, ref, program = run_both(mlperf_models(name).read_bytes(), SAMPLES[name])
    if name != "fc_autoencoder":  # the in-place overlaps are exercised, not just planned
        assert program.plan.overlaps
    diff = np.abs(ours.astype(np.int32) - ref.astype(np.int32))
    last = program.ops[-1].name
    assert diff.max() <= (1 if last == "SOFTMAX" else 0)
    assert len(np.unique(ref)) > 1


@pytest.mark.parametrize("name", ["ds_cnn", "fc_autoencoder", "mobilenet_v1_025"])
def test_conv_chain_arena_goes_below_the_lower_bound(mlperf_models, name):
    s = analyze_tflite(mlperf_models(name))
    assert s.unsupported == ()
    if name == "fc_autoencoder":  # dense layers cannot overlap their input
        assert s.arena_bytes == s.lower_bound_bytes
    else:
        assert s.arena_bytes < s.lower_bound_bytes


def test_resnet8_arena_is_at_most_the_lower_bound(mlperf_models):
    s = analyze_tflite(mlperf_models("resnet8"))
    assert s.arena_bytes <= s.lower_bound_bytes


def test_ds_cnn_folds_to_expected_op_sequence(mlperf_models):
    s = analyze_tflite(mlperf_models("ds_cnn"))
    assert s.ops == ("CONV_2D",) + ("DEPTHWISE_CONV_2D", "CONV_2D") * 4 + (
        "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX")


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
def test_generated_model_builds_for_cortex_m4_with_werror(mlperf_models, tmp_path):
    report = compile_tflite(mlperf_models("ds_cnn"), tmp_path, source_name="kws.tflite")
    c_files = [str(tmp_path / f) for f in report.files if f.endswith(".c")]
    objs = []
    for src in c_files:
        obj = src[:-2] + ".o"
        subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-std=c99",
                        "-Wall", "-Wextra", "-Werror", "-c", src, "-o", obj],
                       check=True, capture_output=True, text=True)
        objs.append(obj)
    out = subprocess.run(["arm-none-eabi-size", "-A", str(tmp_path / "model.o")],
                         check=True, capture_output=True, text=True).stdout
    bss = sum(int(line.split()[1]) for line in out.splitlines() if line.startswith(".bss"))
    assert bss == report.arena_bytes
