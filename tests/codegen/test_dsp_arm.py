"""The DSP kernels and generated stage code compile for a Cortex-M4F without a warning."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from codegen.emit_dsp import all_kernel_sources, emit_stage
from codegen.emitters.ctables import STRUCT_BYTES
from codegen.emitters.dsp_host import RUNTIME_DIR
from nodes.base import NodeContext, TensorSpec, node_type

ARM_CC = "arm-none-eabi-gcc"
ARM_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os", "-std=c99",
             "-Wall", "-Wextra", "-Werror"]

pytestmark = pytest.mark.skipif(shutil.which(ARM_CC) is None, reason="arm-none-eabi-gcc is not installed")


KERNELS = all_kernel_sources()
M0PLUS_FLAGS = ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft", "-Os", "-std=c99", "-Wall", "-Wextra", "-Werror"]


@pytest.mark.parametrize("rel", KERNELS)
def test_kernel_compiles_for_cortex_m4f_without_warnings(rel, tmp_path):
    done = subprocess.run([ARM_CC, *ARM_FLAGS, "-c", str(RUNTIME_DIR / rel), "-o", str(tmp_path / "k.o")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_every_kernel_compiles_for_a_cortex_m0plus_without_an_fpu(tmp_path):
    for rel in KERNELS:  # one behaviour: the float path builds with soft float (RP2040 boards)
        done = subprocess.run([ARM_CC, *M0PLUS_FLAGS, "-c", str(RUNTIME_DIR / rel), "-o", str(tmp_path / "k.o")],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0 and done.stderr == "", f"{rel}: {done.stderr}"


def test_the_struct_sizes_the_emitter_charges_are_the_compilers(tmp_path):
    src = tmp_path / "sizes.c"
    headers = ["dsp/window.h", "dsp/downsample.h", "dsp/fft.h", "dsp/spectrum.h", "dsp/mfe.h", "dsp/mfcc.h", "dsp/fx_features.h",
               "dsp/delta.h"]
    src.write_text("\n".join([f'#include "{h}"' for h in headers] + [
        f'_Static_assert(sizeof({t}) == {n}, "{t} is not {n} bytes");' for t, n in STRUCT_BYTES.items()]))
    done = subprocess.run([ARM_CC, *ARM_FLAGS, f"-I{RUNTIME_DIR}", "-c", str(src), "-o", str(tmp_path / "s.o")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_kws_and_an_imu_pipelines_stage_code_compiles_for_cortex_m4f(tmp_path):
    chain = [  # (node id, type, props, input shape, input buffer)
        ("hp", "dsp.biquad", {"kind": "highpass", "cutoff_hz": 50.0}, (1,), "tms_sample_buf"),
        ("win", "dsp.window", {"window": 16000, "hop": 8000}, (1,), "tms_buf_hp_out"),
        ("mfcc", "dsp.mfcc", {}, (16000, 1), "tms_buf_win_out"),
        ("mfcc_delta", "dsp.delta", {}, (49, 10), "tms_buf_mfcc_out"),
        ("imu_ds", "dsp.downsample", {"factor": 2}, (3,), "tms_sample_buf"),
        ("imu_stats", "dsp.stats", {"skew": True, "kurtosis": True}, (128, 3), "tms_buf_win_out3"),
        ("imu_fft", "dsp.spectrum", {"n_fft": 128, "log": True}, (128, 3), "tms_buf_win_out3"),
        ("cam_gray", "dsp.grayscale", {}, (48, 64, 3), "tms_cam"),
        ("cam_resize", "dsp.resize", {"width": 32, "height": 24}, (48, 64, 1), "tms_buf_cam_gray_out"),
    ]
    parts, includes = [], []
    for node_id, type_id, props, shape, in_buf in chain:
        cls = node_type(type_id)
        p = cls.check_props(props)
        spec = TensorSpec(shape, "f32", 16000.0 if len(shape) == 1 else 2.0)
        out = cls().infer({"in": spec}, p, NodeContext())
        stage = emit_stage(node_id, type_id, p, {"in": spec}, out, {"in": in_buf}, fpu=True)
        includes += stage.includes
        parts.append((stage.declarations, stage.init, stage.run))
    src = ["#include <stdint.h>", *[f'#include "{i}"' for i in dict.fromkeys(includes)],
           "static int tms_frame_ready;", "static float tms_sample_buf[3];", "static float tms_buf_win_out3[384];",
           "static float tms_cam[48 * 64 * 3];", *[d for d, _, _ in parts],
           "void tms_pipeline_init(void) {", *[f"{{ {i} }}" for _, i, _ in parts], "}",
           "int tms_pipeline_step(void) {", *[f"{{ {r} }}" for _, _, r in parts], "return tms_frame_ready; }"]
    path = tmp_path / "pipeline.c"
    path.write_text("\n".join(src), encoding="utf-8")
    flags = [f for f in ARM_FLAGS if f != "-std=c99"] + ["-std=gnu11"]  # the firmware Makefile's dialect
    done = subprocess.run([ARM_CC, *flags, f"-I{RUNTIME_DIR}", "-c", str(path), "-o", str(tmp_path / "p.o")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
