"""The contract between the firmware writer (main loop) and each node's C emitter.

Each node in the pipeline becomes one ``StageCode``: the runtime files it needs, its file-scope
declarations (buffers, constant tables, state), its start-up statements and the statements that run
it. The writer places them in ``pipeline.c`` in data-flow order; it never knows what a node does.

Buffers: a node's output is a ``float`` array named by ``buffer_name(node_id, port)`` holding one
output tensor (row-major). A stage reads its inputs from the buffers named in ``StageInputs``.
Stages upstream of a ``dsp.window`` node run once per sample (``mode == "sample"``); the window
stage sets ``<prefix>_frame_ready`` when a frame is complete, and the stages after it run once
per frame (``mode == "frame"``). A ``"post"`` stage runs after the model, once its dequantized output
is in ``buffer_name(model_id, "scores")`` (e.g. an anomaly score computed from the model's input and
output); when the outputs read a post stage's buffer, that buffer is ``tms_scores``. A ``"result"`` stage runs after each inference and may read
``tms_result_index`` and ``tms_scores`` (outputs such as an alert or an LED).

The ``run`` of a sensor, ``"sample"`` or ``"window"`` stage appears twice in ``pipeline.c``: as it
runs, and in the copy the stage profiler times (``tms_profile.c.j2``). So ``run`` keeps its state in
``declarations``, never in ``static`` locals or labels of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from codegen.cnames import c_identifier

PREFIX = "tms"


def buffer_name(node_id: str, port: str) -> str:
    return f"{PREFIX}_buf_{c_identifier(node_id)}_{c_identifier(port)}"


@dataclass(frozen=True)
class StageCode:
    node_id: str
    mode: str                        # "sample" | "window" (the window node itself) | "frame" | "post" | "result"
    sources: tuple[str, ...] = ()    # runtime files to copy, relative to codegen/runtime ("dsp/mfcc.c")
    includes: tuple[str, ...] = ()   # headers pipeline.c includes ("dsp/mfcc.h")
    declarations: str = ""           # file-scope C: static buffers, const tables, state
    init: str = ""                   # statements run once at start-up
    run: str = ""                    # statements run per sample / per frame
    ram_bytes: int = 0               # what these declarations put in RAM (for the estimate check)
    flash_bytes: int = 0             # constant tables put in flash
    extra: Mapping[str, str] = field(default_factory=dict)
