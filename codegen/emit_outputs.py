"""The output nodes' C: stages that run after each inference.

``outputs.serial`` is the firmware's own inference line (``codegen.firmware``). Here:
``outputs.threshold_alert`` (mode ``"result"``) — the reference is
``nodes.outputs.ThresholdAlert.reference``: on when the watched score reaches the threshold, off
when it falls below threshold − hysteresis, one ``{"type":"alert",...}`` line at each change;
``outputs.smoother`` (mode ``"post"``: after the model, before the result is reported) — the
reference is ``nodes.outputs.Smoother.reference``. Each runs a C pair in codegen/runtime/outputs/
(``KERNEL_SOURCES``) that names its reference; the stage only declares its buffers, state and a
constant configuration struct whose numbers are formatted here. Output nodes without device code
(the LED, which needs board pin glue) are refused by name.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from codegen.cnames import c_identifier, json_string_literal
from codegen.emitters.ctables import c_float
from codegen.stage import PREFIX, StageCode, buffer_name
from nodes.base import node_type

ALERT_TYPE = "outputs.threshold_alert"
SMOOTHER_TYPE = "outputs.smoother"
SUPPORTED_TYPES = frozenset({ALERT_TYPE})

# The C pairs in codegen/runtime/outputs/ (each names its reference in nodes.outputs) and the
# sizeof() of their structs on a 32-bit Cortex-M; tests/codegen/test_output_kernels.py checks these
# against the compiler.
# the node's declared kernel (nodes.outputs: ``kernel = "outputs/threshold_alert"``) is the pair
ALERT_SOURCE, ALERT_HEADER = (f"{node_type(ALERT_TYPE).kernel}.{ext}" for ext in "ch")
SMOOTHER_SOURCE, SMOOTHER_HEADER = (f"{node_type(SMOOTHER_TYPE).kernel}.{ext}" for ext in "ch")
KERNEL_SOURCES: Mapping[str, tuple[str, ...]] = {ALERT_TYPE: (ALERT_SOURCE,), SMOOTHER_TYPE: (SMOOTHER_SOURCE,)}
STRUCT_BYTES = {
    "tms_threshold_alert_config_t": 16,
    "tms_threshold_alert_state_t": 8,
    "tms_smoother_config_t": 32,
    "tms_smoother_state_t": 8,
}


class OutputEmitError(Exception):
    def __init__(self, node_id: str, type_id: str, problem: str):
        self.message = f"node '{node_id}' ({type_id}): {problem}"
        super().__init__(self.message)


def float_at_or_above(threshold: float) -> np.float32:
    """The smallest float32 >= ``threshold`` (a double): for every float32 score s,
    ``s >= threshold`` exactly when ``s >= float_at_or_above(threshold)``."""
    f = np.float32(threshold)
    if float(f) < threshold:
        f = np.nextafter(f, np.float32(np.inf))
    return f


def _config(name: str, ctype: str, fields: list[tuple[str, str]]) -> str:
    """A constant configuration struct with designated initialisers: the numbers, formatted here."""
    body = ",\n".join(f"    .{field} = {value}" for field, value in fields)
    return f"static const {ctype} {name} = {{\n{body}\n}};"


def emit_output_stage(node_id: str, type_id: str, props: Mapping, labels: Sequence[str]) -> StageCode:
    if type_id not in SUPPORTED_TYPES:
        raise OutputEmitError(node_id, type_id, "has no device code yet (output nodes with one: serial, "
                              + ", ".join(sorted(t.split(".", 1)[1] for t in SUPPORTED_TYPES)) + ")")
    cls = node_type(type_id)
    p = cls.check_props(dict(props))
    idx = cls().watched_index(p, labels)
    if not 0 <= idx < len(labels):
        raise OutputEmitError(node_id, type_id, f"watches score {idx} but the model gives {len(labels)}")
    sym = f"{PREFIX}_{c_identifier(node_id)}__"
    # The reference compares a float32 score (widened to double) with double thresholds; for a float
    # score that is the comparison with each threshold rounded up to float, which C makes.
    declarations = "\n".join([
        f"static const char {sym}label[] = {json_string_literal(labels[idx])};",
        _config(f"{sym}cfg", "tms_threshold_alert_config_t", [
            ("on_at", c_float(float_at_or_above(float(p["threshold"])))),
            ("off_below", c_float(float_at_or_above(float(p["threshold"]) - float(p["hysteresis"])))),
            ("index", f"{idx}u"), ("label_json", f"{sym}label")]),
        f"static tms_threshold_alert_state_t {sym}state;"])
    return StageCode(node_id=node_id, mode="result", sources=(ALERT_SOURCE,), includes=(ALERT_HEADER,),
                     declarations=declarations, run=f"tms_threshold_alert_run(&{sym}cfg, &{sym}state, tms_scores);",
                     ram_bytes=STRUCT_BYTES["tms_threshold_alert_state_t"],
                     flash_bytes=STRUCT_BYTES["tms_threshold_alert_config_t"])



def smoother_ram_bytes(n: int, p: Mapping) -> int:
    """RAM of one smoother stage: the history (score vectors, or one class byte per inference),
    the candidate vector, the held output (its buffer) and 8 bytes of counters — as the node's cost."""
    history = p["windows"] * (4 * n if p["mode"] == "average" else 1)
    return history + 4 * n + 8 + 4 * n


def emit_smoother_stage(node_id: str, props: Mapping, n: int, in_buffer: str) -> StageCode:
    """A ``"post"`` stage steadying the scores in ``in_buffer`` (``n`` floats) over the last
    ``windows`` inferences into ``buffer_name(node_id, "scores")``; the reference is
    ``nodes.outputs.Smoother.reference``: numpy's float32 ``mean(axis=0)`` adds the remembered
    vectors oldest first and divides by the count in float32; a majority share is votes ÷ count
    computed in double and rounded to float, as numpy's int / float32 division is; the first of
    equal scores wins the arg-max; the held output changes when the new top class equals the held
    one's or has won ``debounce`` inferences in a row."""
    cls = node_type(SMOOTHER_TYPE)
    p = cls.check_props(dict(props))
    if c_identifier(in_buffer) != in_buffer:
        raise OutputEmitError(node_id, SMOOTHER_TYPE, f"input buffer {in_buffer!r} is not a C identifier")
    w, debounce, average = p["windows"], p["debounce"], p["mode"] == "average"
    if not average and n > 255:
        raise OutputEmitError(node_id, SMOOTHER_TYPE, f"majority mode remembers class indices as bytes: "
                              f"at most 255 classes, the scores have {n}")
    s = f"{PREFIX}_{c_identifier(node_id)}__"
    out = buffer_name(node_id, "scores")
    history = (f"static float {s}history[{w * n}];" if average else f"static uint8_t {s}votes[{w}];")
    declarations = "\n".join([
        history,
        f"static float {s}candidate[{n}];",
        f"static float {out}[{n}];   /* the held output */",
        _config(f"{s}cfg", "tms_smoother_config_t", [
            ("classes", f"{n}u"), ("windows", f"{w}u"), ("debounce", f"{debounce}u"),
            ("mode", "TMS_SMOOTHER_AVERAGE" if average else "TMS_SMOOTHER_MAJORITY"),
            ("history", f"{s}history" if average else "0"), ("votes", "0" if average else f"{s}votes"),
            ("candidate", f"{s}candidate"), ("held", out)]),
        f"static tms_smoother_state_t {s}state = TMS_SMOOTHER_STATE_INIT;"])
    # init runs again when a host stream starts a new clip: the smoother forgets the last clip
    init = f"{s}state = ({s}state_init);"
    declarations += f"\nstatic const tms_smoother_state_t {s}state_init = TMS_SMOOTHER_STATE_INIT;"
    return StageCode(node_id=node_id, mode="post", sources=(SMOOTHER_SOURCE,), includes=(SMOOTHER_HEADER,),
                     declarations=declarations, init=init, run=f"tms_smoother_run(&{s}cfg, &{s}state, {in_buffer});",
                     ram_bytes=smoother_ram_bytes(n, p), flash_bytes=STRUCT_BYTES["tms_smoother_config_t"])
