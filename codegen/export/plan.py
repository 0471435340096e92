"""The one narrow call from the export into the firmware generator: the stages, model sources,
labels and buffers ``codegen.project_firmware.generate`` hands to ``write_firmware``.

The export must compute exactly what the firmware computes, so it does not rebuild the pipeline: it
runs the generator itself and keeps what the generator passes to the firmware writer. When the
pipeline plan moves, only ``pipeline_parts`` needs re-pointing.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.stage import StageCode
from studio.core.boards import Board
from studio.core.project import Project


_LOCK = threading.Lock()  # one capture at a time; other threads' generate() calls pass through


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
    """Runs ``generate`` for ``board`` and captures the firmware writer's inputs (no firmware is
    written). Raises what ``generate`` raises (PipelineHasErrors, BadInput). While it runs,
    ``codegen.project_firmware.write_firmware`` is swapped for the capture in this thread only;
    a firmware generated meanwhile by another thread is written as usual."""
    import codegen.project_firmware as pf
    from codegen.firmware import FirmwareFiles

    captured: dict[str, Any] = {}
    me = threading.get_ident()

    def capture(out_dir, board_, project_name, stages, model_dir, labels, replay=None,
                feature_buffer=None, model_buffer=None, result_buffer=None, **more):
        if threading.get_ident() != me:  # another thread's real firmware generation meanwhile
            return original(out_dir, board_, project_name, stages, model_dir, labels, replay,
                            feature_buffer=feature_buffer, model_buffer=model_buffer, result_buffer=result_buffer,
                            **more)
        files: dict[str, bytes] = {}
        if model_dir is not None:
            for p in sorted(Path(model_dir).iterdir()):
                if p.is_file() and p.suffix in (".c", ".h"):
                    files[p.name] = p.read_bytes()
        captured.update(project_name=project_name, stages=tuple(stages), model_files=files,
                        labels=tuple(labels), feature_buffer=feature_buffer, model_buffer=model_buffer,
                        result_buffer=result_buffer)
        return FirmwareFiles(out_dir=Path(out_dir), files=(), board_id=board_.id, emulated=board_.emulated,
                             build_id="", kind="export", elf=None)

    with _LOCK:
        original = pf.write_firmware
        tmp = tempfile.mkdtemp(prefix="tms-export-plan-")
        pf.write_firmware = capture
        try:
            generated = pf.generate(project, tmp, board)
        finally:
            pf.write_firmware = original
            shutil.rmtree(tmp, ignore_errors=True)
    report = generated.report
    stages = captured["stages"]
    sensor = stages[0].node_id
    channels = next(spec.elements for (n, port), spec in report.specs.items() if n == sensor and port == "out")
    return PipelineParts(board=board, report=report, channels=channels, **captured)
