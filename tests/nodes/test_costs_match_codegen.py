"""A DSP node's estimated RAM and constant tables equal what the code generator actually declares,
so the budget `check` shows is the firmware's (code size stays an estimate until a real build)."""
from __future__ import annotations

import pytest

from codegen.emit_dsp import emit_stage
from nodes.base import NodeContext, TensorSpec, node_type

CASES = [
    ("dsp.window", {"window": 16000, "hop": 8000}, (1,), 16000.0),
    ("dsp.window", {"window": 100, "hop": 50}, (3,), 100.0),
    ("dsp.normalize", {"mode": "frame_minmax"}, (49, 10), 2.0),
    ("dsp.biquad", {"sample_rate_hz": 100.0, "cutoff_hz": 10.0, "stages": 2}, (3,), 100.0),
    ("dsp.biquad", {"sample_rate_hz": 100.0, "cutoff_hz": 10.0}, (100, 3), 1.0),
    ("dsp.downsample", {"factor": 4}, (3,), 100.0),
    ("dsp.downsample", {}, (100, 3), 1.0),
    ("dsp.stats", {"skew": True}, (100, 3), 1.0),
    ("dsp.spectrum", {"n_fft": 256}, (200, 3), 1.0),
    ("dsp.spectrum", {"n_fft": 64, "window": "none"}, (64, 1), 1.0),
    ("dsp.mfe", {}, (16000, 1), 2.0),
    ("dsp.mfcc", {}, (16000, 1), 2.0),
    ("dsp.mfcc", {"n_fft": 512, "frame_length": 480, "frame_stride": 160, "n_mels": 32, "n_mfcc": 13}, (8000, 1), 4.0),
    ("dsp.resize", {"width": 48, "height": 40}, (96, 96, 3), 1.0),
    ("dsp.resize", {"width": 32, "height": 32, "method": "nearest"}, (96, 96, 1), 1.0),
    ("dsp.crop", {"width": 48, "height": 48}, (96, 96, 3), 1.0),
    ("dsp.grayscale", {}, (96, 96, 3), 1.0),
    ("dsp.delta", {}, (49, 10), 2.0),
    ("dsp.delta", {"order": 1, "include_input": False, "width": 3}, (49, 13), 2.0),
]


@pytest.mark.parametrize("type_id,props,shape,rate_hz", CASES, ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_estimated_ram_and_tables_equal_the_emitted_stage(type_id, props, shape, rate_hz):
    cls = node_type(type_id)
    p = cls.check_props(props)
    inputs = {"in": TensorSpec(shape, "f32", rate_hz)}
    outputs = cls().infer(inputs, p, NodeContext())
    cost = cls().cost(inputs, outputs, p, NodeContext())
    stage = emit_stage("n1", type_id, props, inputs, outputs, {"in": "tms_buf_src_out"}, True)
    assert cost.ram_bytes == stage.ram_bytes
    assert cost.flash_bytes - cost.detail["code_bytes"] == stage.flash_bytes


def test_the_cases_cover_every_dsp_type_with_an_emitter():
    from codegen.emit_dsp import supported_types

    assert {c[0] for c in CASES} == set(supported_types())


FIXED_CASES = [c for c in CASES if node_type(c[0]).fixed_point]


@pytest.mark.parametrize("type_id,props,shape,rate_hz", FIXED_CASES, ids=[f"{c[0]}{c[2]}" for c in FIXED_CASES])
def test_estimated_ram_and_tables_of_the_fixed_point_kernels_equal_the_emitted_stage(type_id, props, shape, rate_hz):
    from nodes.base import FIXED, BoardInfo, arithmetic_for

    no_fpu = NodeContext(board=BoardInfo("pico", "cortex-m0plus", 125_000_000, False, False))
    cls = node_type(type_id)
    assert arithmetic_for(cls, no_fpu.board) == FIXED
    p = cls.check_props(props)
    inputs = {"in": TensorSpec(shape, "f32", rate_hz)}
    outputs = cls().infer(inputs, p, no_fpu)
    cost = cls().cost(inputs, outputs, p, no_fpu)
    stage = emit_stage("n1", type_id, props, inputs, outputs, {"in": "tms_buf_src_out"}, False, arithmetic=FIXED)
    assert cost.ram_bytes == stage.ram_bytes
    assert cost.flash_bytes - cost.detail["code_bytes"] == stage.flash_bytes
