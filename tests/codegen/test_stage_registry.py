"""Planned stages become C through the emitter registered for their type; no emitter is a loud error."""
from __future__ import annotations

import pytest

from codegen.emitters.registry import UnknownStageType, emit_stage_code, registered_types
from nodes.base import Mode, Role, TensorSpec, catalogue, node_type
from studio.core.boards import boards
from studio.core.plan import PlanStage


def _stage(type_id: str, props: dict, inputs: dict, mode: Mode) -> PlanStage:
    cls = node_type(type_id)
    return PlanStage("n1", type_id, cls.role, mode, cls, cls.check_props(props), inputs, {},
                     {port: ("src", "out") for port in inputs})


def test_a_type_without_an_emitter_is_refused_naming_the_node_and_its_type():
    stage = _stage("outputs.gpio_led", {"label": "yes"}, {"scores": TensorSpec((2,))}, Mode.RESULT)
    with pytest.raises(UnknownStageType, match="n1: node type 'outputs.gpio_led' has no C emitter"):
        emit_stage_code(stage, {"scores": "tms_buf_src_out"}, boards().get("qemu-mps2-an386"), ["no", "yes"])


def test_a_smoother_not_after_the_model_is_refused():
    stage = _stage("outputs.smoother", {}, {"scores": TensorSpec((2,))}, Mode.FRAME)
    with pytest.raises(Exception, match="put it after the model"):
        emit_stage_code(stage, {"scores": "tms_buf_src_out"}, boards().get("qemu-mps2-an386"), ["a", "b"])


def test_every_stream_window_and_frame_node_type_has_an_emitter():
    dsp_roles = (Role.STREAM, Role.WINDOW, Role.FRAME)
    assert {c.type_id for c in catalogue() if c.role in dsp_roles} <= registered_types()
