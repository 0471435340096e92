"""Project -> firmware: the one path from a validated graph to a generated C project.

It validates the project with the same function the editor and ``check`` use (and refuses a
pipeline with errors), turns each node into its ``StageCode`` (sensors here, DSP through
``codegen.emit_dsp``), compiles the model with ``codegen.model``, and hands it all to
``codegen.firmware.write_firmware``. On an emulated board the sensor plays recorded samples.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from codegen.emitters.registry import emit_stage_code
from codegen.emitters.sensor_driver import driver_sensor_stage
from codegen.firmware import FirmwareFiles, write_firmware
from codegen.output_dir import project_paths
from codegen.sensor_binding import NONE, SensorBinding, sensor_binding
from codegen.stage import StageCode, buffer_name
from nodes.base import NodeContext, NodeError, Role, TensorSpec
from nodes.model import device_model_file
from studio.core.boards import Board, boards
from studio.core.errors import BadInput, StudioError
from studio.core.plan import PlanStage
from studio.core.project import Project
from studio.core.plan import DRIVER
from studio.core.sample_source import HOST_STREAM, REPLAY, HostStream, driver_ring_capacity, host_stream_for
from studio.core.sensor_parts import PARTS
from studio.core.validate import Report, load_recording, validate_project

EMULATED_BOARD = "qemu-mps2-an386"
EMULATED_BOARD_NO_FPU = "qemu-mps2-an385"


class PipelineHasErrors(StudioError):
    """The project does not validate on the board: the report says why (CLI exit code 1)."""

    exit_code = 1

    def __init__(self, report: Report):
        errors = [i for i in report.issues if i.severity == "error"]
        lines = [f"{(i.node + ': ') if i.node else ''}{i.message}" for i in errors]
        super().__init__(f"the pipeline has {len(errors)} error(s) on {report.board.name}:\n  " + "\n  ".join(lines))
        self.report = report


@dataclass(frozen=True)
class GeneratedFirmware:
    files: FirmwareFiles
    report: Report
    model: Any | None          # codegen.model.CompileReport
    board: Board
    replay_samples: int        # samples embedded for an emulated board (0 on real boards)
    labels: tuple[str, ...]
    sample_source: str = "replay"   # the plan's sensor source: "replay" (embedded), "host-stream" or "driver"
    sensors: tuple[SensorBinding, ...] = ()  # each sensor node's part, bus, address and source

    def estimate(self) -> dict[str, int]:
        """What validation estimated for this build: the numbers the measured sizes are held to."""
        return {"flash_bytes": self.report.flash.used_bytes, "ram_bytes": self.report.ram.used_bytes}


def emulated_board_for(project: Project) -> str:
    """The emulated board that computes as the project's board does, so ``--emulate`` and the host
    reference (the project board's plan) agree: the project's own board when it is emulated, the
    Cortex-M3 without an FPU for a board without one (its spectral DSP runs fixed point:
    nodes.base.arithmetic_for), else the Cortex-M4F."""
    try:
        own = boards().get(project.board_id)
    except BadInput:
        return EMULATED_BOARD
    if own.emulated:
        return own.id
    return EMULATED_BOARD if own.fpu else EMULATED_BOARD_NO_FPU


def resolve_board(project: Project, board_id: str | None = None, emulate: bool = False) -> Board:
    if emulate:
        board = boards().get(board_id or emulated_board_for(project))
        if not board.emulated:
            raise BadInput(f"board '{board.id}' is not an emulated board; --emulate runs on {EMULATED_BOARD}")
        return board
    return boards().get(board_id or project.board_id)


def replay_data(project: Project, report: Report) -> np.ndarray:
    """The samples an emulated board plays: the Replay sensor's file, or for a live sensor the
    project's recorded test samples (the same figure validation counted in flash)."""
    sensor = report.plan.sensor if report.plan is not None else None
    if sensor is None:
        raise BadInput("the pipeline has no sensor")
    if not sensor.node_class.plays_recording:
        return load_recording(project)
    ctx = NodeContext(project.dir, report.board.info())
    try:
        return sensor.node.load_samples(sensor.props, ctx)
    except NodeError as e:
        raise BadInput(f"{sensor.node_id}: {e.message}") from None


def sample_source(report: Report) -> str | None:
    """Where the pipeline's sensor gets its samples on the report's board: ``driver``, ``replay``
    or ``host-stream`` (the plan's resolution, ``studio.core.sensor_check``); None without one."""
    plan = report.plan
    if plan is None or plan.sensor is None:
        return None
    return plan.sensor_source(plan.sensor.node_id)


def _in_buffers(stage: PlanStage) -> dict[str, str]:
    return {port: buffer_name(*src) for port, src in stage.sources.items()}


def sensor_stage(node_id: str, out: TensorSpec) -> StageCode:
    """Copies the current sample (``tms_sample``: the replay table on the emulated board) into the
    sensor's output buffer."""
    buf = buffer_name(node_id, "out")
    n = out.elements
    return StageCode(
        node_id=node_id, mode="sample",
        declarations=f"static float {buf}[{n}];",
        # Real boards have no on-board sensor drivers yet (tms_sample stays NULL there): the
        # stage then feeds zeros rather than reading address 0, so the image runs but says nothing.
        run=(f"size_t k;\nfor (k = 0; k < {n}u; k++) {{\n    {buf}[k] = tms_sample ? tms_sample[k] : 0.0f;\n}}"),
        ram_bytes=4 * n)


def device_model_asset(node_id: str, type_id: str, props: Mapping[str, Any]) -> str:
    """The int8 .tflite (project-relative) a model node runs on the device: a .tflite node's own
    file, a float Keras node's ``int8_model`` made by Optimize; BadInput when there is none."""
    rel = device_model_file(type_id, props)
    if rel:
        return rel
    raise BadInput(f"{node_id}: the device runs int8 models; run Optimize (Run → Optimize model…, or "
                   f"`tinyml-studio optimize PROJECT`) to quantize '{node_id}' with the Quantize int8 node "
                   "after it")


@dataclass(frozen=True)
class FirmwareParts:
    """What the firmware writer is handed for one project on one board: the stages in data-flow
    order, the compiled model's folder (alive inside ``firmware_parts``' block), labels, buffers and
    the sample source. The firmware (``generate``) and the library export write from these alone."""

    report: Report
    model_report: Any
    stages: tuple[StageCode, ...]
    model_dir: Path | None
    labels: tuple[str, ...]
    replay: np.ndarray | None
    host_stream: HostStream | None
    feature_buffer: str | None
    model_buffer: str | None
    result_buffer: str | None
    model_outputs: int | None
    sensors: tuple[SensorBinding, ...] = ()
    model_id: str | None = None      # the model node (its time in the stage profile)


@contextmanager
def firmware_parts(project: Project, board: Board | None = None, library: bool = False) -> Iterator[FirmwareParts]:
    """The project's firmware parts for ``board`` (default: the project's); the model's C exists
    in a temporary folder until the block ends. ``library``: the parts of an exported library, whose
    integrator hands it the samples (no sensor driver). Raises PipelineHasErrors or BadInput."""
    from codegen.model import ModelError, compile_tflite

    board = board or boards().get(project.board_id)
    report = validate_project(project, board)
    if not report.ok:
        raise PipelineHasErrors(report)
    plan = report.plan
    if plan is None:
        raise BadInput(report.plan_problem)
    ctx = NodeContext(project.dir, board.info())
    stages: list[StageCode] = []
    model_report = None
    feature_buffer = None
    model_id: str | None = None
    source = plan.result
    labels = list(report.node_labels.get(source[0], ())) if source else _labels(report)
    # what the sensor reads, as validation resolved it (studio.core.sensor_check): a Replay sensor
    # plays its recording on any board (a real one loops it), an emulated board plays the project's
    # recording in place of a live sensor; a host-stream sensor (any board) or the emulated board's
    # imported test split streams from the host; a driver reads the board's part
    sample_from = sample_source(report)
    host_stream = (host_stream_for(None, plan.sensor.outputs["out"].elements) if sample_from == HOST_STREAM
                   else None)
    replay = replay_data(project, report) if sample_from == REPLAY else None
    bindings = tuple(SensorBinding(s.node_id, NONE) if library else sensor_binding(plan, s)
                     for s in plan.by_role(Role.SENSOR))
    hop = int(plan.window.props["hop"]) if plan.window is not None and "hop" in plan.window.props else None
    busy_us = report.latency.window_us if report.latency is not None else 0.0
    with tempfile.TemporaryDirectory(prefix="tms-model-") as tmp:
        model_dir = None
        for stage in plan.stages:
            node_id, props = stage.node_id, stage.props
            if stage.role is Role.SENSOR:
                binding = next(b for b in bindings if b.node_id == node_id)
                if binding.source == DRIVER:
                    out = stage.outputs["out"]
                    part = PARTS.get(plan.sensors_of(node_id)[0].part)
                    stages.append(driver_sensor_stage(
                        node_id, props, out.elements, binding, board,
                        driver_ring_capacity(out.rate_hz, busy_us, hop), part.driver_state_bytes if part else 64))
                else:
                    stages.append(sensor_stage(node_id, stage.outputs["out"]))
            elif stage.role is Role.PASS_THROUGH:
                continue  # the model node's .tflite is already the int8 model the device runs
            elif stage.role is Role.MODEL:
                device_model = device_model_asset(node_id, stage.type_id, props)
                if model_dir is not None:
                    raise BadInput(f"{node_id}: one model per pipeline for now")
                model_dir = Path(tmp)
                try:
                    model_report = compile_tflite(ctx.resolve_asset(device_model), model_dir,
                                                  source_name=device_model)
                except (ModelError, NodeError) as e:
                    raise BadInput(f"{node_id}: {e.message}") from None
                feature_buffer = _in_buffers(stage).get(stage.node_class.inputs[0].name)
                model_id = node_id
            else:
                code = emit_stage_code(stage, _in_buffers(stage), board, labels)
                if code is not None:
                    stages.append(code)
        if not labels:
            labels = _labels(report)
        # the result is a stage's output when the outputs read a node other than the model
        after_model = source is not None and model_id is not None and source[0] != model_id
        yield FirmwareParts(report, model_report, tuple(stages), model_dir, tuple(labels), replay, host_stream,
                            feature_buffer, buffer_name(model_id, "scores") if model_id else None,
                            buffer_name(*source) if after_model else None,
                            _model_outputs(report) if model_id else None, bindings, model_id)


def generate(project: Project, out_dir: str | Path, board: Board | None = None, force: bool = False) -> GeneratedFirmware:
    """Writes the complete firmware project for ``board`` (default: the project's) into ``out_dir``
    (empty, or made by an earlier generation unless ``force``; never the project's folder)."""
    board = board or boards().get(project.board_id)
    with firmware_parts(project, board) as parts:
        files = write_firmware(Path(out_dir), board, project.name, parts.stages, parts.model_dir, parts.labels,
                               parts.replay, feature_buffer=parts.feature_buffer, model_buffer=parts.model_buffer,
                               result_buffer=parts.result_buffer, model_outputs=parts.model_outputs,
                               force=force, protected=project_paths(project), host_stream=parts.host_stream,
                               sample_rate_hz=sensor_rate_hz(parts.report), model_id=parts.model_id or "model")
    return GeneratedFirmware(files, parts.report, parts.model_report, board,
                             0 if parts.replay is None else int(parts.replay.shape[0]), parts.labels,
                             sample_source(parts.report) or DRIVER, parts.sensors)


def sensor_rate_hz(report: Report) -> float | None:
    """The rate the sensor delivers samples at (what the firmware's sample tick paces), if known."""
    sensor = report.plan.sensor if report.plan is not None else None
    spec = sensor.outputs.get("out") if sensor is not None else None
    return spec.rate_hz if spec is not None and spec.rate_hz > 0 else None


def result_source(project: Project, report: Report) -> tuple[str, str] | None:
    """The (node, port) whose scores the firmware's outputs report (the plan's result)."""
    if report.plan is None:
        raise BadInput(report.plan_problem)
    return report.plan.result


def _labels(report: Report) -> list[str]:
    return list(report.labels) or [f"class{i}" for i in range(_model_outputs(report))]


def _model_outputs(report: Report) -> int:
    model = report.plan.model if report.plan is not None else None
    if model is not None and model.outputs:
        return next(iter(model.outputs.values())).elements
    return 1
