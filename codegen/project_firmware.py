"""Project -> firmware: the one path from a validated graph to a generated C project.

It validates the project with the same function the editor and ``check`` use (and refuses a
pipeline with errors), turns each node into its ``StageCode`` (sensors here, DSP through
``codegen.emit_dsp``), compiles the model with ``codegen.model``, and hands it all to
``codegen.firmware.write_firmware``. On an emulated board the sensor plays recorded samples.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from codegen.emit_anomaly import AnomalyEmitError, emit_reconstruction_error
from codegen.emit_outputs import SMOOTHER_TYPE, OutputEmitError, emit_output_stage, emit_smoother_stage
from codegen.firmware import FirmwareFiles, write_firmware
from codegen.stage import StageCode, buffer_name
from nodes.base import NodeContext, NodeError, TensorSpec
from nodes.model import device_model_file
from studio.core.boards import Board, boards
from studio.core.errors import BadInput, StudioError
from studio.core.optimization import device_source, disagreeing_outputs_message, reported_sources
from studio.core.project import Project
from studio.core.sample_source import HOST_STREAM, REPLAY, HostStream, emulated_source, host_stream_for
from studio.core.validate import Report, load_recording, validate_project

EMULATED_BOARD = "qemu-mps2-an386"


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
    sample_source: str = "replay"   # studio.core.sample_source: "replay" (embedded) or "host-stream"

    def estimate(self) -> dict[str, int]:
        """What validation estimated for this build: the numbers the measured sizes are held to."""
        return {"flash_bytes": self.report.flash.used_bytes, "ram_bytes": self.report.ram.used_bytes}


def resolve_board(project: Project, board_id: str | None = None, emulate: bool = False) -> Board:
    if emulate:
        board = boards().get(board_id or EMULATED_BOARD)
        if not board.emulated:
            raise BadInput(f"board '{board.id}' is not an emulated board; --emulate runs on {EMULATED_BOARD}")
        return board
    return boards().get(board_id or project.board_id)


def replay_data(project: Project, report: Report) -> np.ndarray:
    """The samples an emulated board plays: the Replay sensor's file, or for a live sensor the
    project's recorded test samples (the same figure validation counted in flash)."""
    for node_id in report.order:
        node = project.graph.node(node_id)
        if node.spec.category != "sensors":
            continue
        if node.type_id != "sensors.replay":
            return load_recording(project)
        ctx = NodeContext(project.dir, report.board.info())
        try:
            return node.spec().load_samples(node.spec.check_props(node.props), ctx)
        except NodeError as e:
            raise BadInput(f"{node_id}: {e.message}") from None
    raise BadInput("the pipeline has no sensor")


def emulated_host_stream(project: Project, report: Report) -> HostStream | None:
    """The host stream the emulated board's live sensor reads (``studio.core.sample_source``), or
    None when it plays an embedded recording. Its channels are what the sensor stage copies per sample."""
    if emulated_source(project.dataset) != HOST_STREAM:
        return None
    for node_id in report.order:
        if project.graph.node(node_id).spec.category == "sensors":
            out = report.specs[(node_id, "out")]
            return host_stream_for(project.dataset, out.elements)
    raise BadInput("the pipeline has no sensor")


def _io(report: Report, project: Project, node_id: str) -> tuple[dict[str, TensorSpec], dict[str, TensorSpec],
                                                                   dict[str, str]]:
    inputs, in_buffers = {}, {}
    for e in project.graph.edges_into(node_id):
        inputs[e.dst_port] = report.specs[(e.src, e.src_port)]
        in_buffers[e.dst_port] = buffer_name(*device_source(project.graph, e.src, e.src_port))
    outputs = {port: spec for (n, port), spec in report.specs.items() if n == node_id}
    return inputs, outputs, in_buffers


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


def generate(project: Project, out_dir: str | Path, board: Board | None = None) -> GeneratedFirmware:
    """Writes the complete firmware project for ``board`` (default: the project's) into ``out_dir``."""
    from codegen import emit_dsp
    from codegen.model import ModelError, compile_tflite

    board = board or boards().get(project.board_id)
    report = validate_project(project, board)
    if not report.ok:
        raise PipelineHasErrors(report)
    graph = project.graph
    ctx = NodeContext(project.dir, board.info())
    stages: list[StageCode] = []
    model_report = None
    feature_buffer = None
    model_id: str | None = None
    source = result_source(project, report)
    labels = list(report.node_labels.get(source[0], ())) if source else _labels(report)
    # a Replay sensor plays its recording on any board (a real one loops it); an emulated board
    # plays the project's recording in place of a live sensor
    has_replay_sensor = any(graph.node(n).type_id == "sensors.replay" for n in report.order)
    host_stream = emulated_host_stream(project, report) if board.emulated and not has_replay_sensor else None
    replay = (replay_data(project, report) if (board.emulated or has_replay_sensor) and host_stream is None
              else None)
    with tempfile.TemporaryDirectory(prefix="tms-model-") as tmp:
        model_dir = None
        for node_id in report.order:
            node = graph.node(node_id)
            spec = node.spec
            props = spec.check_props(node.props)
            inputs, outputs, in_buffers = _io(report, project, node_id)
            category = spec.category
            if category == "sensors":
                stages.append(sensor_stage(node_id, outputs["out"]))
            elif category == "dsp":
                try:
                    stages.append(emit_dsp.emit_stage(node_id, node.type_id, props, inputs, outputs, in_buffers,
                                                      fpu=board.fpu))
                except emit_dsp.EmitError as e:
                    raise BadInput(e.message) from None
            elif node.type_id == "model.reconstruction_error":
                mode = "post" if model_id is not None and _reaches(graph, model_id, node_id) else "frame"
                try:
                    stages.append(emit_reconstruction_error(node_id, props, inputs, in_buffers, mode))
                except AnomalyEmitError as e:
                    raise BadInput(e.message) from None
            elif node.type_id == SMOOTHER_TYPE:
                if model_id is None or not _reaches(graph, model_id, node_id):
                    raise BadInput(f"{node_id}: the smoother steadies the model's scores over inferences; "
                                   "put it after the model")
                try:
                    stages.append(emit_smoother_stage(node_id, props, inputs["scores"].elements,
                                                      in_buffers["scores"]))
                except OutputEmitError as e:
                    raise BadInput(e.message) from None
            elif category == "model":
                device_model = device_model_asset(node_id, node.type_id, props)
                if model_dir is not None:
                    raise BadInput(f"{node_id}: one model per pipeline for now")
                model_dir = Path(tmp)
                try:
                    model_report = compile_tflite(ctx.resolve_asset(device_model), model_dir,
                                                  source_name=device_model)
                except (ModelError, NodeError) as e:
                    raise BadInput(f"{node_id}: {e.message}") from None
                feature_buffer = in_buffers.get("in")
                model_id = node_id
            elif category == "quantize":
                continue  # the model node's .tflite is already the int8 model the device runs
            elif category == "outputs":
                if node.type_id == "outputs.serial":
                    continue  # the firmware's own inference line
                try:
                    stages.append(emit_output_stage(node_id, node.type_id, props, labels))
                except OutputEmitError as e:
                    raise BadInput(e.message) from None
        if not labels:
            labels = _labels(report)
        # the result is a stage's output when the outputs read a node other than the model
        after_model = source is not None and model_id is not None and source[0] != model_id
        files = write_firmware(Path(out_dir), board, project.name, stages, model_dir, labels, replay,
                               feature_buffer=feature_buffer,
                               model_buffer=buffer_name(model_id, "scores") if model_id else None,
                               result_buffer=buffer_name(*source) if after_model else None,
                               host_stream=host_stream)
    return GeneratedFirmware(files, report, model_report, board, 0 if replay is None else int(replay.shape[0]),
                             tuple(labels), HOST_STREAM if host_stream is not None else REPLAY)


def result_source(project: Project, report: Report) -> tuple[str, str] | None:
    """The (node, port) whose scores the firmware's outputs report: what feeds the serial and alert
    nodes (through optimization nodes). None when no output node is connected; validation has
    already refused outputs that read different nodes."""
    feeding = reported_sources(project.graph)
    problem = disagreeing_outputs_message(feeding)
    if problem:
        raise BadInput(problem)
    return next(iter(feeding), None)


def _reaches(graph, start: str, goal: str) -> bool:
    """Whether data flows from ``start`` to ``goal``."""
    seen, stack = set(), [start]
    while stack:
        cur = stack.pop()
        if cur == goal:
            return True
        if cur not in seen:
            seen.add(cur)
            stack.extend(e.dst for e in graph.edges_from(cur))
    return False


def _labels(report: Report) -> list[str]:
    return list(report.labels) or [f"class{i}" for i in range(_model_outputs(report))]


def _model_outputs(report: Report) -> int:
    for (node_id, port), spec in report.specs.items():
        if port == "scores":
            return spec.elements
    return 1


def size_comparison(generated: GeneratedFirmware, measured: Mapping[str, int]) -> dict[str, Any]:
    est = generated.estimate()
    out: dict[str, Any] = {"estimated": est, "measured": dict(measured), "error_percent": {}}
    for key in ("flash_bytes", "ram_bytes"):
        if measured.get(key):
            out["error_percent"][key] = round((est[key] - measured[key]) / measured[key] * 100.0, 2)
    return out
