"""The SMLAD fast path of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (codegen/runtime/nn,
selected by __ARM_FEATURE_DSP): compiled in for Cortex-M4/M33, left out for Cortex-M0+ and with
-DTMS_NN_NO_DSP, warning-free everywhere, and byte-for-byte TFLite Micro's output on the emulated
Cortex-M4 for shapes that reach every branch (odd channel counts, channel tails, padding, stride,
dilation, depth multiplier)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from codegen.model.compiler import RUNTIME_DIR, generate_sources, load_program
from codegen.model.verify import build_host_runner, run_host
from tests.codegen.model.bitexact import keras, run_both, to_int8_tflite
from tests.codegen.model.test_emulated_cortex_m4 import run_on_emulated_cortex_m4

MAC_KERNELS = ("tms_conv", "tms_depthwise_conv", "tms_fully_connected")
needs_arm = pytest.mark.skipif(not shutil.which("arm-none-eabi-gcc"), reason="needs arm-none-eabi-gcc")


def _disassembly(tmp_path: Path, stem: str, flags: list[str]) -> str:
    obj = tmp_path / f"{stem}.o"
    subprocess.run(["arm-none-eabi-gcc", *flags, "-mthumb", "-Os", "-std=c99", "-Wall", "-Wextra",
                    "-Werror", f"-I{RUNTIME_DIR}", "-c", str(RUNTIME_DIR / f"{stem}.c"), "-o", str(obj)],
                   check=True, capture_output=True, text=True)
    return subprocess.run(["arm-none-eabi-objdump", "-d", str(obj)], check=True, capture_output=True,
                          text=True).stdout


@needs_arm
@pytest.mark.parametrize("cpu", ["cortex-m4", "cortex-m33"])
@pytest.mark.parametrize("stem", MAC_KERNELS)
def test_dsp_path_is_compiled_in_where_the_core_has_the_dsp_extension(stem, cpu, tmp_path):
    code = _disassembly(tmp_path, stem, [f"-mcpu={cpu}"])
    assert "sxtb16" in code
    assert ("smlatt" if stem == "tms_depthwise_conv" else "smlad") in code


@needs_arm
@pytest.mark.parametrize("flags", [["-mcpu=cortex-m0plus"], ["-mcpu=cortex-m4", "-DTMS_NN_NO_DSP"]],
                         ids=["cortex-m0plus", "cortex-m4-forced-off"])
@pytest.mark.parametrize("stem", MAC_KERNELS)
def test_plain_c_path_without_the_dsp_extension(stem, flags, tmp_path):
    code = _disassembly(tmp_path, stem, flags)
    # (gcc may pick SMLABB for a plain int16 multiply-add on M4 itself; the dual ops are ours)
    assert "smlad" not in code and "sxtb16" not in code


def _branchy_model():
    """Conv on 3 input channels with odd filters, same padding and stride 2,
    depthwise on 7 channels (a group of four and a tail of three), depthwise x2, dense with odd
    units."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(21)
    m = k.Sequential([k.Input((11, 9, 3)),
                      L.Conv2D(7, (3, 4), strides=2, padding="same", activation="relu"),
                      L.DepthwiseConv2D(3, padding="same", activation="relu"),
                      L.DepthwiseConv2D((2, 3), depth_multiplier=2, padding="same"),
                      L.Conv2D(5, 1, activation="relu"),
                      L.Flatten(), L.Dense(9, activation="relu"), L.Dense(3)])
    return to_int8_tflite(m, (11, 9, 3))


@pytest.fixture(scope="module")
def branchy_tflite():
    return _branchy_model()


def test_branchy_model_matches_tflm_on_the_host(branchy_tflite):
    ours, ref, _ = run_both(branchy_tflite, samples=16)
    assert np.array_equal(ours, ref)


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="needs arm-none-eabi-gcc and qemu-system-arm")
@pytest.mark.parametrize("cflags", [("-mcpu=cortex-m4",), ("-mcpu=cortex-m4", "-DTMS_NN_NO_DSP")],
                         ids=["dsp", "plain"])
def test_branchy_model_on_emulated_cortex_m4_matches_tflm(branchy_tflite, cflags):
    ours, ref, _ = run_both(branchy_tflite, samples=6, seed=3)
    with tempfile.TemporaryDirectory(prefix="tms_dsp_") as tmp:
        work = Path(tmp)
        path = work / "m.tflite"
        path.write_bytes(branchy_tflite)
        program, name = load_program(path)
        sources = generate_sources(program, name)
        g = program.graph
        in_size = sum(g.tensors[i].nbytes for i in g.inputs)
        out_size = sum(g.tensors[i].nbytes for i in g.outputs)
        x = np.random.default_rng(3).integers(-128, 128, size=(6, in_size)).astype(np.int8)
        (work / "host").mkdir()
        host = run_host(build_host_runner(sources, work / "host"), x, out_size)
        device = run_on_emulated_cortex_m4(sources, x, out_size, work / "m4", cflags)
    assert np.array_equal(host, ref)
    assert np.array_equal(device, ref)
