"""How many core cycles a node's work takes: the calibration behind the latency estimate.

A board profile's ``ops_per_cycle`` is the core's average throughput; the work of different kinds
runs faster or slower than that average. The figures below are instructions measured on the
emulated Cortex-M4F (QEMU mps2-an386, -icount shift=0, the firmware as codegen writes it, ``-Os``),
where one instruction counts as one cycle of the profile's clock: ``bench/bench_latency.py`` prints
them next to the estimate per sample and stage. On that board the estimate is those measurements;
on another core the same work is scaled by that board's ``ops_per_cycle`` against the M4F's.

Uncertainty: on the emulated board the estimate is 0.88-1.10x the measured instructions per stage
on the sample projects (tests/e2e/test_latency_agrees_with_emulator.py holds it within 15%); a
model or DSP chain of another shape can differ more (the per-MAC figures are means over two models
each). A real core spends more than one cycle on some instructions (loads, multiplies, taken
branches, flash wait states), so a real board takes longer than this by an amount not measured
here; cores other than the M4F are scaled, not measured. Faster kernels change these figures:
rerun the bench and update them (the e2e test fails until they agree).
"""
from __future__ import annotations

from typing import Mapping

from nodes.base import FIXED, FLOAT, Cost, NodeError, NodeType, Role

# ops_per_cycle of the calibrated core's profile (board_profiles/qemu-mps2-an386.yaml)
REFERENCE_OPS_PER_CYCLE = 0.3

# int8 model on the emulated M4F (bench/bench_latency.py, the kernels of codegen/runtime/nn):
# instructions per MAC of convolutions (CONV_2D, DEPTHWISE_CONV_2D and the rest) and of
# FULLY_CONNECTED, and per model_invoke (quantizing the features, dequantizing the scores, the calls):
# kws 11.64 and digits 11.48 per MAC (convolutions), vibration 5.31 and gesture 5.97 (dense only).
MODEL_CONV_INSTRUCTIONS_PER_MAC = 11.7
MODEL_FC_INSTRUCTIONS_PER_MAC = 5.2
MODEL_INSTRUCTIONS_PER_INVOKE = 2800.0
# float models (codegen/runtime/nn/tms_*_f32.c), as a ratio to the int8 figures above, measured on
# the same emulated M4F with the same graph in both forms (bench/bench_float_model.py): float32
# weights conv 26.9 / int8 16.0, dense 7.09 / 4.16; float16 weights (expanded per read in C)
# conv 47.5 / 16.0, dense 26.1 / 4.16.
FLOAT_MAC_RATIO = {"float32": (1.68, 1.70), "float16": (2.97, 6.27)}  # (conv, fully connected)

# DSP and sensor nodes whose measured instructions per op differ from the core's average
# (1 / REFERENCE_OPS_PER_CYCLE): the ratio measured / average. Nodes not listed count as 1.0.
# MFCC: 5.54 M instructions for the kws sample's 49 frames of 640 samples (its ops count 6.55 M
# at the average) -> 0.845. Spectrum (vibration 3.11, gesture 3.37 instructions per op), window,
# normalize and replay stay within 12% of the average.
# Each node type declares its figure as ``NodeType.ops_weight`` (nodes.dsp.Mfcc: 0.845), and for its
# fixed-point kernels (cores without an FPU) as ``NodeType.fixed_ops_weight``: those are measured on
# the emulated Cortex-M3 (mps2-an385), the M4F's instruction set without the FPU
# (bench/bench_dsp_fixed.py; nodes.dsp.FIXED_OPS_WEIGHT).
STAGE_OF_CATEGORY = {"sensors": "dsp", "dsp": "dsp", "model": "model", "quantize": "model",
                     "anomaly": "model"}


def reference_cycles(node_class: type[NodeType], cost: Cost, arithmetic: str = FLOAT) -> float:
    """Instructions of one run of the node's work on the emulated Cortex-M4F (for fixed-point
    arithmetic: on the emulated Cortex-M3, the same Thumb-2 instructions without the FPU)."""
    if node_class.role is Role.MODEL and "macs" in cost.detail:
        macs = cost.detail["macs"]
        fc = cost.detail.get("fc_macs", 0)
        if not macs:
            return 0.0
        conv, dense = 1.0, 1.0
        if cost.detail.get("float_model"):
            conv, dense = FLOAT_MAC_RATIO["float16" if cost.detail.get("float16_weights") else "float32"]
        return (conv * MODEL_CONV_INSTRUCTIONS_PER_MAC * (macs - fc)
                + dense * MODEL_FC_INSTRUCTIONS_PER_MAC * fc + MODEL_INSTRUCTIONS_PER_INVOKE)
    weight = node_class.fixed_ops_weight if arithmetic == FIXED else node_class.ops_weight
    return cost.ops * weight / REFERENCE_OPS_PER_CYCLE


def node_cycles(node_class: type[NodeType], cost: Cost, ops_per_cycle: float, arithmetic: str = FLOAT) -> float:
    """Core cycles of one run of the node's work (in ``arithmetic``) on a core of ``ops_per_cycle``."""
    return reference_cycles(node_class, cost, arithmetic) * REFERENCE_OPS_PER_CYCLE / ops_per_cycle


def stage_of(category: str) -> str | None:
    """The firmware stage a node's time is measured in: ``dsp`` (dsp_us) or ``model`` (model_us);
    None for outputs, whose printing neither times."""
    return STAGE_OF_CATEGORY.get(category)


def estimated_stage_us(graph, by_node_us: Mapping[str, float]) -> dict[str, float]:
    """The estimate per window summed per firmware stage (``dsp``, ``model``), as the device
    reports them (``dsp_us``, ``model_us``): what the editor and the bench put side by side."""
    stages = {"dsp": 0.0, "model": 0.0}
    for node_id, us in by_node_us.items():
        if not graph.has_node(node_id):
            continue
        try:
            category = graph.node(node_id).spec.category
        except NodeError:  # an unknown node type has no stage; validation reports it
            continue
        stage = stage_of(category)
        if stage:
            stages[stage] += us
    return stages
