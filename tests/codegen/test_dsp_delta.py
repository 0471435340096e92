"""dsp.delta's C (codegen/runtime/dsp/delta.c) against nodes.dsp.Delta.reference: on the host
(gcc -O2, strict C99: no fused multiply-add, so bit for bit) and on the emulated Cortex-M4F
(QEMU mps2-an386, the firmware's flags: the compiler may fuse multiply-adds; measured error over the
peak 0 to 1.1e-7, the tolerance 1e-6)."""
from __future__ import annotations

import numpy as np
import pytest

from codegen.emitters.dsp_host import node_on_host
from codegen.emitters.dsp_target import run_on_emulated_m4, tools_available
from nodes.base import node_type

CASES = [({}, (49, 13), "kws13"),
         ({"order": 1, "include_input": False, "width": 1}, (20, 3), "d1w1"),
         ({"width": 4}, (6, 2), "w4_short"),
         ({"order": 2, "include_input": False, "width": 8}, (2, 5), "two_frames")]


def mfcc_like(shape, seed: int) -> np.ndarray:
    """Smooth-ish features with a trend and noise, scaled like log-mel MFCCs, several frames."""
    rng = np.random.default_rng(seed)
    frames, features = shape
    t = np.arange(frames)[:, None]
    x = 10.0 * np.sin(0.3 * t + np.arange(features)[None, :]) + rng.normal(0, 2.0, (frames, features))
    return x.astype(np.float32)


def inputs_for(shape) -> np.ndarray:
    frames, features = shape
    cases = [mfcc_like(shape, s) for s in range(3)]
    cases.append(np.zeros(shape, np.float32))
    impulse = np.zeros(shape, np.float32)
    impulse[frames // 2] = 1.0
    cases.append(impulse)
    return np.stack(cases)


@pytest.mark.parametrize("props, shape, name", CASES, ids=[c[2] for c in CASES])
def test_host_c_equals_the_reference_bit_for_bit(props, shape, name):
    node = node_on_host("dsp.delta", props, shape, 2.0, node_id=f"delta_{name}")
    x = inputs_for(shape)
    got = node.run(x)
    for i in range(x.shape[0]):
        np.testing.assert_array_equal(got[i], node_type("dsp.delta")().transform(x[i], node.props))


@pytest.mark.slow
@pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc or qemu-system-arm missing")
@pytest.mark.parametrize("props, shape, name", CASES[::2], ids=[c[2] for c in CASES[::2]])
def test_emulated_cortex_m4f_matches_the_reference(props, shape, name):
    node = node_on_host("dsp.delta", props, shape, 2.0, node_id=f"delta_m4_{name}")
    x = inputs_for(shape)
    got = run_on_emulated_m4(node, x, f"delta_{name}")
    for i in range(x.shape[0]):
        want = node_type("dsp.delta")().transform(x[i], node.props)
        peak = float(np.max(np.abs(want))) or 1.0
        assert float(np.max(np.abs(got[i].reshape(want.shape) - want))) / peak <= 1e-6
