"""The output nodes' C pairs (codegen/runtime/outputs/): the threshold alert's lines on the host
equal nodes.outputs.ThresholdAlert.reference, including scores on and next to both thresholds; its
float thresholds decide as the reference's double ones; the kernels build for Cortex-M4F and M0+
without a warning, and the struct sizes the emitter charges are the compiler's and the nodes' cost."""
from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.emit_outputs import (KERNEL_SOURCES, STRUCT_BYTES, emit_output_stage, emit_smoother_stage,
                                  float_at_or_above)
from codegen.firmware import RUNTIME_DIR
from nodes.base import NodeContext, TensorSpec, node_type

ALERT = "outputs.threshold_alert"
LABELS = ["idle", "wave \"hi\"", "tap"]
ARM_CC = "arm-none-eabi-gcc"
M4F_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os", "-std=c99",
             "-Wall", "-Wextra", "-Werror"]
M0PLUS_FLAGS = ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft", "-Os", "-std=c99", "-Wall", "-Wextra", "-Werror"]
needs_arm = pytest.mark.skipif(shutil.which(ARM_CC) is None, reason="arm-none-eabi-gcc is not installed")


def alert_lines_on_host(props: dict, scores: np.ndarray, tmp_path) -> list[dict]:
    stage = emit_output_stage("alert", ALERT, props, LABELS)
    n = scores.shape[1]
    harness = f"""#include <stdio.h>
#include "tms_protocol.h"
#include "tms_uart.h"
#include "{stage.includes[0]}"
void tms_uart_write(const char *data, size_t len) {{ fwrite(data, 1, len, stdout); }}
void tms_uart_flush(void) {{ fflush(stdout); }}
uint32_t tms_timer_cycles_to_us(uint64_t cycles) {{ return (uint32_t)cycles; }}
static float tms_scores[{n}];
{stage.declarations}
int main(void) {{
    while (fread(tms_scores, sizeof(float), {n}, stdin) == {n}u) {{
        {stage.run}
    }}
    return 0;
}}
"""
    (tmp_path / "alert.c").write_text(harness, encoding="utf-8")
    exe = tmp_path / "alert"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{RUNTIME_DIR}",
                    str(tmp_path / "alert.c"), *(str(RUNTIME_DIR / s) for s in stage.sources),
                    str(RUNTIME_DIR / "tms_protocol.c"), "-o", str(exe)], check=True, capture_output=True)
    out = subprocess.run([str(exe)], input=np.ascontiguousarray(scores, np.float32).tobytes(),
                         capture_output=True, check=True).stdout.decode("utf-8")
    return [json.loads(line) for line in out.splitlines()]


def edge_scores(threshold: float, hysteresis: float, index: int) -> np.ndarray:
    """Scores that cross both thresholds, land exactly on them and one float either side."""
    on, off = np.float32(threshold), np.float32(threshold - hysteresis)
    below = lambda f: np.nextafter(f, np.float32(-1))  # noqa: E731
    above = lambda f: np.nextafter(f, np.float32(2))   # noqa: E731
    watched = [0.1, below(on), on, off, below(off), above(on), off, above(off), below(off), 0.95, 0.2,
               on, below(on), below(off)]
    x = np.full((len(watched), 3), 0.05, np.float32)
    x[:, index] = np.asarray(watched, np.float32)
    return x


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no host gcc")
@pytest.mark.parametrize("props", [{"label": "wave \"hi\"", "threshold": 0.8, "hysteresis": 0.1},
                                   {"index": 2, "threshold": 0.3, "hysteresis": 0.0},
                                   {"index": 0, "threshold": 0.7, "hysteresis": 0.7}])
def test_host_alert_lines_equal_the_reference(props, tmp_path):
    cls = node_type(ALERT)
    p = cls.check_props(props)
    idx = cls().watched_index(p, LABELS)
    x = edge_scores(p["threshold"], p["hysteresis"], idx)
    want = cls().events(x, p, LABELS)
    got = alert_lines_on_host(props, x, tmp_path)
    assert [{k: v for k, v in e.items() if k != "score"} for e in got] == \
        [{k: v for k, v in e.items() if k != "score"} for e in want]
    assert [e["score"] for e in got] == pytest.approx([e["score"] for e in want], abs=1e-5)
    assert want, "the edge scores must change the alert's state"


@given(st.floats(-2.0, 2.0, allow_nan=False), st.floats(-2.0, 2.0, allow_nan=False, width=32))
def test_a_float_threshold_decides_as_the_double_one(threshold, score):
    s = np.float32(score)
    assert (float(s) >= threshold) == bool(s >= float_at_or_above(threshold))


@needs_arm
@pytest.mark.parametrize("flags", [M4F_FLAGS, M0PLUS_FLAGS], ids=["cortex-m4f", "cortex-m0plus"])
def test_output_kernels_compile_without_warnings(flags, tmp_path):
    for rels in KERNEL_SOURCES.values():
        for rel in rels:
            done = subprocess.run([ARM_CC, *flags, "-c", str(RUNTIME_DIR / rel), "-o", str(tmp_path / "k.o")],
                                  capture_output=True, text=True, check=False)
            assert done.returncode == 0 and done.stderr == "", f"{rel}: {done.stderr}"


@needs_arm
def test_the_struct_sizes_the_output_emitter_charges_are_the_compilers(tmp_path):
    src = tmp_path / "sizes.c"
    headers = [rel[:-2] + ".h" for rels in KERNEL_SOURCES.values() for rel in rels]
    src.write_text("\n".join([f'#include "{h}"' for h in headers] + [
        f'_Static_assert(sizeof({t}) == {n}, "{t} is not {n} bytes");' for t, n in STRUCT_BYTES.items()]))
    done = subprocess.run([ARM_CC, *M4F_FLAGS, f"-I{RUNTIME_DIR}", "-c", str(src), "-o", str(tmp_path / "s.o")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_alerts_ram_and_flash_equal_the_nodes_cost():
    cls = node_type(ALERT)
    p = cls.check_props({"index": 1})
    cost = cls().cost({"scores": TensorSpec((3,), "f32", 1.0)}, {}, p, NodeContext())
    stage = emit_output_stage("alert", ALERT, p, LABELS)
    assert (stage.ram_bytes, stage.flash_bytes) == (cost.ram_bytes, cost.flash_bytes - cost.detail["code_bytes"])


def test_the_smoothers_flash_equals_the_nodes_cost():
    cls = node_type("outputs.smoother")
    p = cls.check_props({})
    spec = TensorSpec((4,), "f32", 1.0)
    cost = cls().cost({"scores": spec}, {"scores": spec}, p, NodeContext())
    stage = emit_smoother_stage("s", p, 4, "tms_buf_m_scores")
    assert stage.flash_bytes == cost.flash_bytes - cost.detail["code_bytes"]
