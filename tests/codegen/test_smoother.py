"""The smoother's C (a "post" stage after the model) against nodes.outputs.Smoother.reference, bit
for bit over sequences of score vectors — on the host and on the emulated Cortex-M4F — its RAM
equal to the node's cost, and a smoothed pipeline on QEMU equal to the host reference."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from codegen.emit_outputs import OutputEmitError, emit_smoother_stage
from codegen.emitters.dsp_host import NodeOnHost, build_host_harness
from codegen.emitters.dsp_target import run_on_emulated_m4, tools_available
from codegen.stage import buffer_name
from nodes.base import NodeContext, TensorSpec, node_type

TYPE = "outputs.smoother"
UPSTREAM = buffer_name("upstream", "out")   # the name the target harness feeds


def on_host(props: dict, n: int, name: str) -> NodeOnHost:
    cls = node_type(TYPE)
    p = cls.check_props(props)
    stage = emit_smoother_stage("smooth", p, n, UPSTREAM)
    out = buffer_name("smooth", "out")   # the harness prints buffer_name(node, "out"): copy the result there
    stage = dataclasses.replace(
        stage, sources=stage.sources + ("tms_quant.c",), includes=stage.includes + ("tms_quant.h",),
        declarations=stage.declarations + f"\nstatic float {out}[{n}];",
        run=stage.run + f"\n{{\n    size_t k;\n    for (k = 0; k < {n}u; k++) {{\n"
                        f"        {out}[k] = {buffer_name('smooth', 'scores')}[k];\n    }}\n}}")
    spec = TensorSpec((n,), "f32", 1.0)
    return NodeOnHost(TYPE, p, spec, spec, stage, build_host_harness(stage, UPSTREAM, n, n, f"smoother_{name}"))


def score_sequence(t: int = 60, n: int = 4, seed: int = 3) -> np.ndarray:
    """Softmax-like scores whose winner changes in runs, with exact ties and one-window blips."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(t, n)) + 3.0 * np.eye(n)[(np.arange(t) // 7) % n]
    x = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    x[10] = x[11] = np.float32(1.0 / n)                 # all equal: the first class wins
    x[20] = np.roll(x[19], 1)                            # a blip
    return x.astype(np.float32)


CASES = [({"mode": "average", "windows": 3, "debounce": 1}, "avg3"),
         ({"mode": "average", "windows": 5, "debounce": 3}, "avg5d3"),
         ({"mode": "average", "windows": 1, "debounce": 2}, "avg1d2"),
         ({"mode": "majority", "windows": 4, "debounce": 1}, "maj4"),
         ({"mode": "majority", "windows": 7, "debounce": 2}, "maj7d2")]


@pytest.mark.parametrize("props, name", CASES, ids=[c[1] for c in CASES])
def test_host_c_equals_the_reference_bit_for_bit(props, name):
    node = on_host(props, 4, name)
    x = score_sequence()
    np.testing.assert_array_equal(node.run(x), node_type(TYPE)().transform(x, node.props))


@pytest.mark.slow
@pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc or qemu-system-arm missing")
@pytest.mark.parametrize("props, name", CASES[1::2], ids=[c[1] for c in CASES[1::2]])
def test_emulated_cortex_m4f_equals_the_reference_bit_for_bit(props, name):
    node = on_host(props, 4, f"m4_{name}")
    x = score_sequence(40)
    got = run_on_emulated_m4(node, x, f"smoother_{name}")
    np.testing.assert_array_equal(got.reshape(x.shape), node_type(TYPE)().transform(x, node.props))


@pytest.mark.parametrize("props", [c[0] for c in CASES])
def test_ram_equals_the_nodes_cost(props):
    cls = node_type(TYPE)
    p = cls.check_props(props)
    spec = TensorSpec((6,), "f32", 1.0)
    cost = cls().cost({"scores": spec}, {"scores": spec}, p, NodeContext())
    assert emit_smoother_stage("s", p, 6, UPSTREAM).ram_bytes == cost.ram_bytes


def test_majority_over_more_classes_than_a_byte_holds_is_refused_by_name():
    p = node_type(TYPE).check_props({"mode": "majority"})
    with pytest.raises(OutputEmitError, match="at most 255 classes"):
        emit_smoother_stage("s", p, 300, UPSTREAM)
