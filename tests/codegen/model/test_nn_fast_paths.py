"""The specialised paths of the int8 MAC kernels (codegen/runtime/nn) stay bit-exact with TFLite
Micro: tms_requant (both roundings in one 64-bit multiply-add) equals tms_mbqm; CONV_2D's pixel
pairs (2x2 block straight from the input, through a patch copy, or one pixel at a time at the
border), DEPTHWISE_CONV_2D's grouped weights (inner pixels, border patches, other filter sizes)
and the in-place overlap the planner allows, on random shapes, strides, paddings and zero points,
on the host (the plain C path a Cortex-M0+ runs) and on the emulated Cortex-M4 with the DSP
extension and with it forced off."""
from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.compiler import RUNTIME_DIR, generate_sources, load_program
from codegen.model.verify import build_host_runner, run_host
from tests.codegen.model.bitexact import keras, run_both, to_int8_tflite
from tests.codegen.model.test_emulated_cortex_m4 import run_on_emulated_cortex_m4

HAS_ARM = bool(shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm"))
# each example converts a model and builds C (and runs QEMU twice): few, no shrinking
FEW = settings(max_examples=6, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))

REQUANT_C = """
#include "tms_common.h"
int32_t fast(int32_t x, int32_t m, int32_t s) { return tms_requant(x, m, s); }
int32_t reference(int32_t x, int32_t m, int32_t s) { return tms_mbqm(x, m, s); }
"""


@pytest.fixture(scope="module")
def requant_lib(tmp_path_factory):
    work = tmp_path_factory.mktemp("requant")
    (work / "rq.c").write_text(REQUANT_C, encoding="utf-8")
    lib = work / "rq.so"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-shared", "-fPIC",
                    "-fsanitize=undefined", "-fno-sanitize-recover=all", f"-I{RUNTIME_DIR}",
                    str(work / "rq.c"), "-o", str(lib)], check=True, capture_output=True)
    dll = ctypes.CDLL(str(lib))
    for fn in (dll.fast, dll.reference):
        fn.restype = ctypes.c_int32
        fn.argtypes = [ctypes.c_int32] * 3
    return dll


INT32 = st.integers(-(1 << 31), (1 << 31) - 1)
# quant.py's multipliers: 0 or in [2^30, 2^31); shifts in [-31, 30]
MULTIPLIER = st.one_of(st.just(0), st.integers(1 << 30, (1 << 31) - 1))


@settings(max_examples=3000, deadline=None)
@given(x=st.one_of(INT32, st.integers(-4096, 4096), st.sampled_from([-(1 << 31), (1 << 31) - 1, -(1 << 30), -(1 << 30) - 1])),
       m=MULTIPLIER, shift=st.integers(-31, 30))
def test_requant_equals_tflm_multiply_by_quantized_multiplier(requant_lib, x, m, shift):
    assert requant_lib.fast(x, m, shift) == requant_lib.reference(x, m, shift)


def _chain(h, w, c, f, kh, kw, stride, same, dk, dstride, dsame, g, seed):
    """Conv -> depthwise -> 1x1 conv: the three MAC paths, the 1x1 conv's output likely planned
    over its input (in place)."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(seed)
    x = inp = k.Input((h, w, c))
    x = L.Conv2D(f, (kh, kw), strides=stride, padding="same" if same else "valid",
                 activation="relu", bias_initializer="random_normal")(x)
    x = L.DepthwiseConv2D(dk, strides=dstride, padding="same" if dsame else "valid",
                          bias_initializer="random_normal")(x)
    x = L.Conv2D(g, 1, activation="relu6", bias_initializer="random_normal")(x)
    return to_int8_tflite(k.Model(inp, x), (h, w, c), seed=seed)


def _outputs_everywhere(tflite: bytes, samples: int, seed: int):
    """(TFLM, host, emulated M4 with DSP, emulated M4 plain) outputs for the same inputs."""
    _, ref, _ = run_both(tflite, samples=samples, seed=seed)
    with tempfile.TemporaryDirectory(prefix="tms_fast_") as tmp:
        work = Path(tmp)
        (work / "m.tflite").write_bytes(tflite)
        program, name = load_program(work / "m.tflite")
        sources = generate_sources(program, name)
        g = program.graph
        in_size = sum(g.tensors[i].nbytes for i in g.inputs)
        out_size = sum(g.tensors[i].nbytes for i in g.outputs)
        x = np.random.default_rng(seed).integers(-128, 128, size=(samples, in_size)).astype(np.int8)
        (work / "host").mkdir()
        host = run_host(build_host_runner(sources, work / "host"), x, out_size)
        dsp = plain = None
        if HAS_ARM:
            dsp = run_on_emulated_cortex_m4(sources, x, out_size, work / "dsp", ("-mcpu=cortex-m4",))
            plain = run_on_emulated_cortex_m4(sources, x, out_size, work / "plain",
                                              ("-mcpu=cortex-m4", "-DTMS_NN_NO_DSP"))
    return ref, host, dsp, plain


def _assert_all_equal(ref, host, dsp, plain):
    assert len(np.unique(ref)) > 1, "degenerate reference output"
    assert np.array_equal(host, ref)
    if dsp is not None:
        assert np.array_equal(dsp, ref)
        assert np.array_equal(plain, ref)


@pytest.mark.slow
@FEW
@given(h=st.integers(3, 11), w=st.integers(3, 11), c=st.sampled_from([1, 2, 3, 4, 8, 17]),
       f=st.sampled_from([1, 3, 4, 8, 12, 13]), kh=st.integers(1, 5), kw=st.integers(1, 4),
       stride=st.integers(1, 2), same=st.booleans(), dk=st.sampled_from([1, 2, 3, 5]),
       dstride=st.integers(1, 2), dsame=st.booleans(), g=st.integers(1, 9),
       seed=st.integers(0, 1000))
def test_conv_depthwise_pointwise_chain_matches_tflm_on_host_and_both_m4_paths(
        h, w, c, f, kh, kw, stride, same, dk, dstride, dsame, g, seed):
    if not same:
        kh, kw = min(kh, h), min(kw, w)
    oh = -(-h // stride) if same else (h - kh) // stride + 1
    ow = -(-w // stride) if same else (w - kw) // stride + 1
    if not dsame:
        dk = min(dk, oh, ow)
    tflite = _chain(h, w, c, f, kh, kw, stride, same, dk, dstride, dsame, g, seed)
    _assert_all_equal(*_outputs_everywhere(tflite, samples=4, seed=seed))


@pytest.mark.slow
def test_wide_filters_take_the_row_and_border_paths_exactly():
    """in_c 20 with a 3x5 filter: inner pixel pairs straight from the input rows (100 bytes a
    row), border pixels one at a time (a 300-byte patch is over the copy limit); a 7x7
    depthwise is over the border-patch limit."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(7)
    x = inp = k.Input((9, 12, 20))
    x = L.Conv2D(6, (3, 5), padding="same", bias_initializer="random_normal")(x)
    x = L.DepthwiseConv2D(7, padding="same", bias_initializer="random_normal")(
        L.Conv2D(8, 1)(x))
    tflite = to_int8_tflite(k.Model(inp, x), (9, 12, 20))
    _assert_all_equal(*_outputs_everywhere(tflite, samples=3, seed=1))


@pytest.mark.slow
def test_more_output_channels_than_the_pair_buffer_run_one_pixel_at_a_time():
    k = keras()
    L = k.layers
    k.utils.set_random_seed(8)
    x = inp = k.Input((3, 3, 8))
    x = L.Conv2D(260, 1, bias_initializer="random_normal")(x)
    tflite = to_int8_tflite(k.Model(inp, x), (3, 3, 8))
    _assert_all_equal(*_outputs_everywhere(tflite, samples=2, seed=2))


@pytest.mark.skipif(not shutil.which("arm-none-eabi-gcc"), reason="needs arm-none-eabi-gcc")
@pytest.mark.parametrize("cpu", ["cortex-m4", "cortex-m7", "cortex-m33"])
@pytest.mark.parametrize("opt", ["-O0", "-O1", "-O2", "-O3", "-Os", "-Og"])
def test_mac_kernels_build_warning_free_at_every_optimization_level(cpu, opt, tmp_path):
    """The DSP path's inline assembly needs up to 14 registers: it must build (or step aside for
    the C loops, at -O0) whatever the firmware's optimization level."""
    for stem in ("tms_conv", "tms_depthwise_conv", "tms_fully_connected"):
        subprocess.run(["arm-none-eabi-gcc", f"-mcpu={cpu}", "-mthumb", opt, "-std=c99", "-Wall",
                        "-Wextra", "-Werror", f"-I{RUNTIME_DIR}", "-c", str(RUNTIME_DIR / f"{stem}.c"),
                        "-o", str(tmp_path / f"{stem}.o")], check=True, capture_output=True, text=True)


@pytest.mark.slow
@FEW
@given(n=st.integers(2, 70), units=st.integers(1, 13), seed=st.integers(0, 1000))
def test_fully_connected_four_row_blocks_match_tflm_on_host_and_both_m4_paths(n, units, seed):
    """Rows in fours over the whole-word part of the input, odd tails of rows and of input."""
    k = keras()
    L = k.layers
    k.utils.set_random_seed(seed)
    x = inp = k.Input((n,))
    x = L.Dense(units, activation="relu", bias_initializer="random_normal")(x)
    x = L.Dense(units + 3, bias_initializer="random_normal")(x)
    tflite = to_int8_tflite(k.Model(inp, x), (n,), seed=seed)
    _assert_all_equal(*_outputs_everywhere(tflite, samples=4, seed=seed))
