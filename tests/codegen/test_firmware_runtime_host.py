"""The runtime's quantization and number formatting, compiled with the host gcc and checked against numpy."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from codegen.firmware import RUNTIME_DIR

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tms_protocol.h"
#include "tms_quant.h"
#include "tms_uart.h"
void tms_uart_write(const char *data, size_t len) { fwrite(data, 1, len, stdout); }
void tms_uart_flush(void) { fflush(stdout); }
uint32_t tms_timer_cycles_to_us(uint64_t cycles) { return (uint32_t)cycles; }
int main(int argc, char **argv) {
    float v;
    if (argc == 4 && strcmp(argv[1], "quant") == 0) {
        float scale = strtof(argv[2], 0);
        int zp = atoi(argv[3]);
        while (scanf("%a", &v) == 1) {
            int8_t q;
            tms_quantize_int8(&v, &q, 1, scale, zp);
            printf("%d\n", q);
        }
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "quant16") == 0) {
        float scale = strtof(argv[2], 0);
        int zp = atoi(argv[3]);
        while (scanf("%a", &v) == 1) {
            int16_t q;
            tms_quantize_int16(&v, &q, 1, scale, zp);
            printf("%d\n", q);
        }
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "float") == 0) {
        unsigned decimals = (unsigned)atoi(argv[2]);
        while (scanf("%a", &v) == 1) {
            tms_put_float(v, decimals);
            tms_put_line_end();
        }
        return 0;
    }
    return 2;
}
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no host gcc")
    d = tmp_path_factory.mktemp("host")
    (d / "harness.c").write_text(HARNESS)
    exe = d / "harness"
    subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", str(RUNTIME_DIR),
                    str(d / "harness.c"), str(RUNTIME_DIR / "tms_quant.c"), str(RUNTIME_DIR / "tms_protocol.c"),
                    "-lm", "-o", str(exe)], check=True, capture_output=True)
    return exe


def _run(exe: Path, args: list[str], values: np.ndarray) -> list[str]:
    text = "\n".join(float(v).hex() for v in values.astype(np.float32)) + "\n"
    out = subprocess.run([str(exe), *args], input=text, capture_output=True, text=True, check=True)
    return out.stdout.split()


def _tflite_quantize(x: np.ndarray, scale: np.float32, zero_point: int) -> np.ndarray:
    """TFLite reference QUANTIZE: float division, round half away from zero, add zero point, clamp."""
    scaled = x.astype(np.float32) / scale
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))
    return np.clip(rounded.astype(np.int64) + zero_point, -128, 127)


def test_quantize_rounds_exact_halves_away_from_zero(harness):
    scale = np.float32(0.25)  # power of two: x / scale is exact, so k + 0.5 is a true tie
    x = (np.arange(-20, 20, dtype=np.float32) + np.float32(0.5)) * scale
    got = np.array(_run(harness, ["quant", "0.25", "0"], x), dtype=int)
    assert list(got[:3]) == [-20, -19, -18] and list(got[-2:]) == [19, 20]
    np.testing.assert_array_equal(got, _tflite_quantize(x, scale, 0))


def test_quantize_clamps_to_int8_and_survives_huge_and_nan_inputs(harness):
    x = np.array([1e30, -1e30, np.inf, -np.inf, 1000.0, -1000.0], dtype=np.float32)
    got = [int(v) for v in _run(harness, ["quant", "0.1", "-5"], x)]
    assert got == [127, -128, 127, -128, 127, -128]


@settings(max_examples=20, deadline=None)
@given(st.floats(2.0 ** -10, 8.0, width=32), st.integers(-128, 127), st.integers(0, 2**32 - 1))
def test_quantize_matches_the_tflite_reference_on_random_inputs(harness, scale, zero_point, seed):
    x = np.random.default_rng(seed).normal(0, scale * 80, 200).astype(np.float32)
    got = np.array(_run(harness, ["quant", float(scale).hex(), str(zero_point)], x), dtype=int)
    np.testing.assert_array_equal(got, _tflite_quantize(x, np.float32(scale), zero_point))


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, width=32), min_size=1, max_size=50))
def test_float_formatting_is_valid_json_within_half_a_unit_of_the_last_decimal(harness, values):
    x = np.array(values, dtype=np.float32)
    lines = _run(harness, ["float", "5"], x)
    parsed = np.array([json.loads(line) for line in lines])
    assert all(len(line.split(".")[1]) == 5 for line in lines)
    # float32 carries ~7 significant digits: beyond them the fraction is the float's own error
    np.testing.assert_allclose(parsed, x.astype(np.float64), atol=0.5e-5 + 1e-7 * np.abs(x).max() + 1e-9)


def test_non_finite_values_print_as_json_null(harness):
    assert _run(harness, ["float", "3"], np.array([np.nan, np.inf, -np.inf], dtype=np.float32)) == ["null"] * 3


def test_negative_values_that_round_to_zero_print_without_a_minus_sign(harness):
    assert _run(harness, ["float", "2"], np.array([-0.001, -0.0, -0.006], dtype=np.float32)) == ["0.00", "0.00", "-0.01"]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False).filter(lambda v: abs(v) >= 4e9), min_size=1, max_size=20))
@example([3.4000001549684603e+38, 3.4028234663852886e+38, -3.4028234663852886e+38])  # once printed as null
def test_floats_beyond_32_bit_integers_print_as_json_numbers_in_exponent_form(harness, values):
    x = np.array(values, dtype=np.float32)
    parsed = np.array([json.loads(line) for line in _run(harness, ["float", "2"], x)])
    np.testing.assert_allclose(parsed, x.astype(np.float64), rtol=1e-5)


def test_udiv64_small_matches_python_integer_division(harness, tmp_path):
    gcc = shutil.which("gcc")
    (tmp_path / "div.c").write_text(
        '#include <stdio.h>\n#include <inttypes.h>\n#include "tms_protocol.h"\n'
        "void tms_uart_write(const char *d, size_t n) { (void)d; (void)n; }\nvoid tms_uart_flush(void) {}\n"
        "uint32_t tms_timer_cycles_to_us(uint64_t c) { return (uint32_t)c; }\n"
        "int main(void) { uint64_t n; uint32_t d, r; while (scanf(\"%\" SCNu64 \" %\" SCNu32, &n, &d) == 2) {\n"
        "  uint64_t q = tms_udiv64_small(n, d, &r); printf(\"%\" PRIu64 \" %\" PRIu32 \"\\n\", q, r); } return 0; }\n")
    exe = tmp_path / "div"
    subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", str(RUNTIME_DIR), str(tmp_path / "div.c"),
                    str(RUNTIME_DIR / "tms_protocol.c"), "-o", str(exe)], check=True, capture_output=True)
    rng = np.random.default_rng(3)
    cases = [(2**64 - 1, 10), (2**64 - 1, 65535), (0, 7), (12345, 1)] + [
        (int(rng.integers(0, 2**63)) * 2 + int(rng.integers(0, 2)), int(rng.integers(1, 65536))) for _ in range(200)]
    out = subprocess.run([str(exe)], input="\n".join(f"{n} {d}" for n, d in cases) + "\n", capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert [tuple(map(int, line.split())) for line in out if line] == [divmod(n, d) for n, d in cases]


@settings(max_examples=20, deadline=None)
@given(scale=st.floats(1e-4, 10.0, allow_nan=False), seed=st.integers(0, 2**16))
def test_int16_quantize_matches_the_host_reference_quantizer(harness, scale, seed):
    from studio.ml.pipeline import quantize_int8

    x = np.random.default_rng(seed).normal(0, 40000 * scale, 200).astype(np.float32)
    x[:3] = [np.nan, 1e30, -1e30]
    got = [int(v) for v in _run(harness, ["quant16", float(np.float32(scale)).hex(), "0"], x)]
    want = quantize_int8(x, float(np.float32(scale)), 0, np.int16)
    assert got == want.tolist()
    assert min(got) == -32768 and max(got) == 32767
