"""Which C emitter turns a planned stage into its ``StageCode``, registered by node type.

``emit_stage_code`` looks the stage's type up here; a type with no registered emitter is a loud
error (``UnknownStageType``), never a fallback. The DSP types register through
``codegen.emit_dsp.dsp_emitter`` (one registration per type, sources from the node's ``kernel``);
the stages after the model and the result stages register below. A result node the firmware's own
inference line serves registers ``None``: nothing to emit.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

from codegen import emit_dsp
from codegen import emit_anomaly, emit_outputs
from codegen.emit_anomaly import AnomalyEmitError, emit_reconstruction_error
from codegen.emit_outputs import OutputEmitError, emit_output_stage, emit_smoother_stage
from codegen.stage import StageCode
from nodes.base import Mode
from studio.core.boards import Board
from studio.core.errors import BadInput
from studio.core.plan import PlanStage

StageEmitter = Callable[[PlanStage, Mapping[str, str], Board, Sequence[str]], "StageCode | None"]
_STAGE_EMITTERS: dict[str, StageEmitter | None] = {}


class UnknownStageType(BadInput):
    """A planned node whose type has no C emitter: the firmware cannot run it."""


def stage_emitter(type_id: str):
    def register(fn):
        if type_id in _STAGE_EMITTERS:
            raise ValueError(f"two stage emitters for {type_id}")
        _STAGE_EMITTERS[type_id] = fn
        return fn
    return register


def registered_types() -> frozenset[str]:
    return frozenset(_STAGE_EMITTERS) | emit_dsp.supported_types()


def emit_stage_code(stage: PlanStage, in_buffers: Mapping[str, str], board: Board,
                    labels: Sequence[str]) -> StageCode | None:
    """The C of one planned stage; BadInput with the node's id when it cannot become C as set."""
    if stage.type_id in emit_dsp.supported_types():
        try:
            return emit_dsp.emit_stage(stage.node_id, stage.type_id, stage.props, stage.inputs, stage.outputs,
                                       in_buffers, fpu=board.fpu, arithmetic=stage.arithmetic)
        except emit_dsp.EmitError as e:
            raise BadInput(e.message) from None
    if stage.type_id not in _STAGE_EMITTERS:
        known = ", ".join(sorted(registered_types()))
        raise UnknownStageType(f"{stage.node_id}: node type '{stage.type_id}' has no C emitter, so the firmware "
                               f"cannot run it (types with one: {known})")
    fn = _STAGE_EMITTERS[stage.type_id]
    if fn is None:
        return None
    try:
        return fn(stage, in_buffers, board, labels)
    except (AnomalyEmitError, OutputEmitError) as e:
        raise BadInput(e.message) from None


stage_emitter("outputs.serial")(None)   # the firmware's own inference line


@stage_emitter(emit_anomaly.TYPE_ID)
def _reconstruction_error(stage, in_buffers, board, labels):
    mode = "post" if stage.mode is Mode.POST else "frame"
    return emit_reconstruction_error(stage.node_id, stage.props, stage.inputs, in_buffers, mode)


@stage_emitter(emit_outputs.SMOOTHER_TYPE)
def _smoother(stage, in_buffers, board, labels):
    if stage.mode is not Mode.POST:
        raise BadInput(f"{stage.node_id}: the smoother steadies the model's scores over inferences; "
                       "put it after the model")
    return emit_smoother_stage(stage.node_id, stage.props, stage.inputs["scores"].elements, in_buffers["scores"])


def _output(stage, in_buffers, board, labels):
    return emit_output_stage(stage.node_id, stage.type_id, stage.props, labels)


for _type_id in sorted(emit_outputs.SUPPORTED_TYPES):   # the result nodes with device code
    stage_emitter(_type_id)(_output)
