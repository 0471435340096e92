"""The reconstruction-error C kernel against nodes.anomaly.ReconstructionError.reference, bit for bit:
compiled for the host, and built with the firmware's Cortex-M4F flags (gnu11 -Os, hard float, where
gcc may fuse multiply-adds) and run on QEMU's mps2-an386, which also counts its instructions, the
figure the node's cost charges per value."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess

import numpy as np
import pytest

from codegen.emit_anomaly import emit_reconstruction_error
from codegen.emitters.dsp_host import RUNTIME_DIR, NodeOnHost, build_host_harness
from codegen.emitters.dsp_target import (ARM_CC, M0PLUS_CFLAGS, TARGET_CFLAGS, instructions_on_emulated_m4,
                                         run_on_emulated_m4, tools_available)
from codegen.stage import buffer_name
from nodes.anomaly import OPS_PER_ELEMENT
from nodes.base import TensorSpec, node_type

TYPE = "model.reconstruction_error"
N = 384
UPSTREAM = buffer_name("upstream", "out")


def on_host(metric: str, scale: float, n: int = N, name: str = "") -> NodeOnHost:
    """The stage with its two inputs laid end to end in the harness's one input buffer: features
    first, then the reconstruction (two pointers into it stand for the two upstream buffers)."""
    cls = node_type(TYPE)
    p = cls.check_props({"metric": metric, "scale": scale})
    inputs = {"features": TensorSpec((n,), "f32", 1.0), "reconstruction": TensorSpec((n,), "f32", 1.0)}
    stage = emit_reconstruction_error("score", p, inputs, {"features": "tms_test_features",
                                                           "reconstruction": "tms_test_reconstruction"})
    aliases = (f"static const float *const tms_test_features = {UPSTREAM};\n"
               f"static const float *const tms_test_reconstruction = {UPSTREAM} + {n};\n")
    # the harnesses print the buffer named buffer_name(node, "out"): make it the score's
    stage = dataclasses.replace(stage, declarations=aliases + stage.declarations,
                                run=stage.run + f"\n{buffer_name('score', 'out')}[0] = {buffer_name('score', 'scores')}[0];")
    stage = dataclasses.replace(stage, declarations=stage.declarations + f"\nstatic float {buffer_name('score', 'out')}[1];")
    spec_in, spec_out = TensorSpec((2 * n,), "f32", 1.0), TensorSpec((1,), "f32", 1.0)
    harness = build_host_harness(stage, UPSTREAM, 2 * n, 1, f"recon_{metric}_{name or n}")
    return NodeOnHost(TYPE, p, spec_in, spec_out, stage, harness)


def windows(n_windows: int = 12, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    """Features and reconstructions of growing error, and some awkward cases."""
    rng = np.random.default_rng(11)
    f = (rng.normal(size=(n_windows, n)) * 2.0 + 1.0).astype(np.float32)
    err = rng.normal(size=(n_windows, n)) * np.logspace(-4, 1, n_windows)[:, None]
    r = (f + err).astype(np.float32)
    r[0] = f[0]                                   # a perfect reconstruction
    f[1] = np.float32(1e6) + f[1]                 # large values: the float32 difference loses digits
    r[2] = -f[2]
    return f, r


def reference(node: NodeOnHost, f: np.ndarray, r: np.ndarray) -> np.ndarray:
    return node_type(TYPE)().scores(f, r, node.props)


@pytest.mark.parametrize("metric, scale", [("mse", 0.00896), ("mae", 0.1), ("mse", 3.0)])
def test_host_c_equals_the_reference_bit_for_bit(metric, scale):
    node = on_host(metric, scale)
    f, r = windows()
    got = node.run(np.concatenate([f, r], axis=1))
    np.testing.assert_array_equal(got, reference(node, f, r))


@pytest.mark.slow
@pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc or qemu-system-arm missing")
@pytest.mark.parametrize("metric", ["mse", "mae"])
def test_emulated_cortex_m4f_equals_the_reference_bit_for_bit(metric):
    node = on_host(metric, 0.00896, name="m4")
    f, r = windows()
    got = run_on_emulated_m4(node, np.concatenate([f, r], axis=1), f"recon_{metric}")
    np.testing.assert_array_equal(got.reshape(-1, 1), reference(node, f, r))


@pytest.mark.slow
@pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc or qemu-system-arm missing")
def test_the_cost_per_value_covers_the_instructions_the_cortex_m4f_executes():
    node = on_host("mse", 0.00896, name="count")
    f, r = windows(3)
    counts = instructions_on_emulated_m4(node, np.concatenate([f, r], axis=1), "recon_count")
    per_value = max(counts) / N
    # the Cortex-M4 board profiles turn ops into time at 0.3 ops per instruction, calibrated on
    # the samples' spectrum (0.35) and int8 dense net (0.21): the charged ops fit that range
    assert 0.2 <= OPS_PER_ELEMENT / per_value <= 0.4, per_value


@pytest.mark.skipif(shutil.which(ARM_CC) is None, reason="arm-none-eabi-gcc is not installed")
@pytest.mark.parametrize("flags", [TARGET_CFLAGS, M0PLUS_CFLAGS], ids=["cortex-m4f", "cortex-m0plus"])
def test_the_kernel_compiles_without_warnings_for_each_core(flags, tmp_path):
    done = subprocess.run([ARM_CC, *flags, "-c", str(RUNTIME_DIR / "anomaly/reconstruction_error.c"),
                           "-o", str(tmp_path / "k.o")], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_stage_names_its_kernel_and_its_python_reference():
    header = (RUNTIME_DIR / "anomaly/reconstruction_error.h").read_text()
    source = (RUNTIME_DIR / "anomaly/reconstruction_error.c").read_text()
    assert "nodes.anomaly.ReconstructionError.reference" in header
    assert "nodes.anomaly.ReconstructionError.reference" in source
