"""The calibration behind the latency estimate: model MACs by kind, other work by ops, per core."""
from __future__ import annotations

from nodes.base import Cost, node_type
from studio.core.latency_calibration import (MODEL_CONV_INSTRUCTIONS_PER_MAC, MODEL_FC_INSTRUCTIONS_PER_MAC,
                                             REFERENCE_OPS_PER_CYCLE, node_cycles)


def _model(macs: int, fc_macs: int) -> Cost:
    return Cost(ops=2 * macs, detail={"macs": macs, "fc_macs": fc_macs})


def test_a_fully_connected_mac_is_estimated_cheaper_than_a_convolution_mac():
    conv = node_cycles(node_type("model.tflite"), _model(100_000, 0), REFERENCE_OPS_PER_CYCLE)
    dense = node_cycles(node_type("model.tflite"), _model(100_000, 100_000), REFERENCE_OPS_PER_CYCLE)
    assert abs((conv - dense) - 100_000 * (MODEL_CONV_INSTRUCTIONS_PER_MAC - MODEL_FC_INSTRUCTIONS_PER_MAC)) < 1e-6


def test_a_core_of_half_the_throughput_takes_twice_the_cycles():
    for type_id, cost in ((node_type("model.tflite"), _model(5_000, 1_000)), (node_type("dsp.window"), Cost(ops=1_000))):
        assert abs(node_cycles(type_id, cost, REFERENCE_OPS_PER_CYCLE / 2)
                   - 2 * node_cycles(type_id, cost, REFERENCE_OPS_PER_CYCLE)) < 1e-6


def test_a_model_without_macs_costs_nothing():
    assert node_cycles(node_type("model.tflite"), Cost(), REFERENCE_OPS_PER_CYCLE) == 0.0


def test_the_model_summary_counts_fully_connected_macs_apart():
    from pathlib import Path

    from codegen.model.analysis import analyze_tflite

    root = Path(__file__).resolve().parents[2] / "sample_projects"
    dense = analyze_tflite(root / "gesture" / "gesture.tflite")   # dense layers only
    convs = analyze_tflite(root / "kws" / "kws.tflite")           # DS-CNN: one small dense layer
    assert dense.fc_macs > 0.99 * dense.macs
    assert 0 < convs.fc_macs < 0.01 * convs.macs
