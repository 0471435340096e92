"""The one narrow call from the export into the firmware generator: the stages, model sources,
labels and buffers ``codegen.project_firmware.generate`` hands to ``write_firmware``.

The export must compute exactly what the firmware computes, so it does not rebuild the pipeline: it
takes the generator's own parts (``firmware_parts``), the same ones ``generate`` writes a firmware from.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.stage import StageCode
from studio.core.boards import Board
from studio.core.project import Project


@dataclass(frozen=True)
class PipelineParts:
    project_name: str
    board: Board
    stages: tuple[StageCode, ...]
    model_files: dict[str, bytes]      # the model compiler's model.h/model.c and kernels, by file name
    labels: tuple[str, ...]
    feature_buffer: str | None
    model_buffer: str | None
    result_buffer: str | None
    report: Any                        # studio.core.validate.Report: the budget the editor shows
    channels: int                      # values per input frame (the sensor node's output)


def pipeline_parts(project: Project, board: Board) -> PipelineParts:
    """The firmware generator's own parts for ``board`` (``codegen.project_firmware.firmware_parts``:
    the stages, the compiled model's sources, labels and buffers), with no firmware written. Raises
    what the generator raises (PipelineHasErrors, BadInput)."""
    from codegen.project_firmware import firmware_parts

    with firmware_parts(project, board, library=True) as parts:
        files: dict[str, bytes] = {}
        if parts.model_dir is not None:
            for p in sorted(Path(parts.model_dir).iterdir()):
                if p.is_file() and p.suffix in (".c", ".h"):
                    files[p.name] = p.read_bytes()
    report = parts.report
    sensor = parts.stages[0].node_id
    channels = next(spec.elements for (n, port), spec in report.specs.items() if n == sensor and port == "out")
    return PipelineParts(project_name=project.name, board=board, stages=parts.stages, model_files=files,
                         labels=parts.labels, feature_buffer=parts.feature_buffer, model_buffer=parts.model_buffer,
                         result_buffer=parts.result_buffer, report=report, channels=channels)
