"""The DSP emitter's contract: errors, names, tables equal to nodes.dsp_tables, byte counts."""
from __future__ import annotations

import re

import numpy as np
import pytest

from codegen.emit_dsp import (KERNEL_SOURCES, SUPPORTED_TYPES, EmitError, emit_stage, frame_ready_flag,
                               sample_gate_flag)
from codegen.emitters.ctables import c_float
from codegen.emitters.dsp_host import RUNTIME_DIR
from nodes import dsp_tables as tables
from nodes.base import NodeContext, TensorSpec, catalogue, node_type


def emit(type_id: str, props: dict, in_shape: tuple, node_id: str = "n1", rate_hz: float = 2.0):
    cls = node_type(type_id)
    p = cls.check_props(props)
    spec_in = TensorSpec(in_shape, "f32", rate_hz)
    out = cls().infer({"in": spec_in}, p, NodeContext())
    return emit_stage(node_id, type_id, p, {"in": spec_in}, out, {"in": "tms_buf_src_out"}, fpu=True)


def c_table(declarations: str, name: str) -> np.ndarray:
    m = re.search(rf"static const float {re.escape(name)}\[\d+\] = \{{(.*?)\}};", declarations, re.S)
    assert m, f"{name} not declared"
    return np.array([float(v.strip().rstrip("f")) for v in m.group(1).split(",")], dtype=np.float32)


def test_a_type_without_a_c_kernel_raises_emit_error_naming_node_and_type():
    with pytest.raises(EmitError, match=r"node 'clf' \(model\.tflite\): has no C kernel"):
        emit_stage("clf", "model.tflite", {}, {"in": TensorSpec((10,))}, {}, {"in": "tms_buf_x_out"}, fpu=True)


def test_a_node_that_does_not_check_raises_emit_error_with_the_nodes_message():
    with pytest.raises(EmitError, match=r"node 'mf' \(dsp\.mfcc\): .*n_mfcc 50 cannot exceed n_mels 40"):
        emit_stage("mf", "dsp.mfcc", {"n_mfcc": 50}, {"in": TensorSpec((16000, 1))}, {"out": TensorSpec((49, 50))},
                   {"in": "tms_buf_x_out"}, fpu=True)


def test_outputs_that_disagree_with_the_shape_rule_are_refused():
    with pytest.raises(EmitError, match="output 'out' is 3×3 f32 but the node makes"):
        emit_stage("s", "dsp.stats", {}, {"in": TensorSpec((100, 3))}, {"out": TensorSpec((3, 3))},
                   {"in": "tms_buf_x_out"}, fpu=True)


def test_every_dsp_node_type_in_the_catalogue_has_a_c_kernel():
    dsp_types = {cls.type_id for cls in catalogue() if cls.category == "dsp"}
    assert dsp_types == set(SUPPORTED_TYPES)


def test_every_kernel_source_exists_and_names_the_python_reference_it_matches():
    for rel in sorted({r for rels in KERNEL_SOURCES.values() for r in rels}):
        for path in (RUNTIME_DIR / rel, (RUNTIME_DIR / rel).with_suffix(".h")):
            head = path.read_text(encoding="utf-8").split("*/", 1)[0]
            assert re.search(r"nodes\.dsp(_image)?\.\w+", head), f"{path.name} does not name its reference"


def test_mfcc_tables_are_exactly_the_float32_tables_of_nodes_dsp_tables():
    stage = emit("dsp.mfcc", {}, (16000, 1), node_id="kws")
    d = stage.declarations
    cos_tab, msin_tab = tables.fft_twiddles(1024)
    _, _, weights = tables.sparse_rows(node_type("dsp.mfcc")().filterbank(node_type("dsp.mfcc").check_props({})))
    np.testing.assert_array_equal(c_table(d, "tms_kws__hann"), tables.hann_window(640))
    np.testing.assert_array_equal(c_table(d, "tms_kws__fft_cos"), cos_tab)
    np.testing.assert_array_equal(c_table(d, "tms_kws__fft_msin"), msin_tab)
    np.testing.assert_array_equal(c_table(d, "tms_kws__mel_weights"), weights)
    np.testing.assert_array_equal(c_table(d, "tms_kws__dct").reshape(10, 40), tables.dct_matrix(10, 40))


def test_biquad_coefficients_reach_c_exactly():
    props = {"kind": "bandpass", "cutoff_hz": 123.4, "q": 3.3, "sample_rate_hz": 1000.0}
    stage = emit("dsp.biquad", props, (2,), node_id="bp", rate_hz=1000.0)
    want = node_type("dsp.biquad")().coefficients(node_type("dsp.biquad").check_props(props))
    np.testing.assert_array_equal(c_table(stage.declarations, "tms_bp__coeffs"), want)


@pytest.mark.parametrize("value", [0.1, -0.0, 1e-30, 1.0 / 3.0, 3.4e38, 2.0 ** -149, 16777217.0])
def test_c_float_literals_parse_back_to_the_same_float32(value):
    text = c_float(value)
    assert text.endswith("f") and np.float32(float(text[:-1])) == np.float32(value)


def test_a_hostile_node_id_becomes_a_plain_identifier_and_every_symbol_is_prefixed():
    stage = emit("dsp.stats", {}, (100, 3), node_id='x"; } int main(void) { /*')
    declared = re.findall(r"static (?:const )?\w+ (\w+)", stage.declarations)
    assert declared and all(re.fullmatch(r"tms_[A-Za-z0-9_]+", name) for name in declared)
    assert "main(" not in stage.run and '"' not in stage.run and "/*" not in stage.declarations


def test_ram_and_flash_bytes_count_the_declared_buffers_and_tables():
    stage = emit("dsp.mfcc", {}, (16000, 1), node_id="kws")
    ram = sum(4 * int(n) for n in re.findall(r"static float \w+\[(\d+)\];", stage.declarations))
    floats = sum(4 * int(n) for n in re.findall(r"static const float \w+\[(\d+)\]", stage.declarations))
    shorts = sum(2 * int(n) for n in re.findall(r"static const uint16_t \w+\[(\d+)\]", stage.declarations))
    assert stage.ram_bytes == ram == 4 * (490 + 1026 + 40)
    assert floats + shorts <= stage.flash_bytes <= floats + shorts + 128  # + the config structs


def test_stage_modes_follow_the_input_shape():
    assert emit("dsp.biquad", {"sample_rate_hz": 2.0, "cutoff_hz": 0.5}, (3,)).mode == "sample"
    assert emit("dsp.biquad", {"sample_rate_hz": 100.0, "cutoff_hz": 5.0}, (50, 3)).mode == "frame"
    assert emit("dsp.window", {"window": 10, "hop": 5}, (3,)).mode == "window"


def test_frame_ready_flag_is_the_firmware_writers_flag():
    assert frame_ready_flag("any") == "tms_frame_ready"


def test_node_ids_that_extend_each_other_declare_distinct_symbols():
    names = [set(re.findall(r"static (?:const )?\w+ (\w+)", emit("dsp.mfcc", {}, (16000, 1), node_id=i).declarations))
             for i in ("a", "a_mel", "a_fft")]
    assert not (names[0] & names[1]) and not (names[0] & names[2]) and not (names[1] & names[2])


def test_sample_gate_flag_names_the_gate_a_stream_downsample_declares():
    stage = emit("dsp.downsample", {"factor": 3}, (2,), node_id="imu ds")
    assert stage.extra["sample_gate"] == sample_gate_flag("imu ds")
