"""The output nodes' C: stages that run after each inference.

``outputs.serial`` is the firmware's own inference line (``codegen.firmware``). Here:
``outputs.threshold_alert`` (mode ``"result"``) — the reference is
``nodes.outputs.ThresholdAlert.reference``: on when the watched score reaches the threshold, off
when it falls below threshold − hysteresis, one ``{"type":"alert",...}`` line at each change;
``outputs.smoother`` (mode ``"post"``: after the model, before the result is reported) — the
reference is ``nodes.outputs.Smoother.reference``. Output nodes without device code (the LED, which
needs board pin glue) are refused by name.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from codegen.cnames import c_identifier, json_string_literal
from codegen.stage import PREFIX, StageCode, buffer_name
from nodes.base import node_type

SUPPORTED_TYPES = frozenset({"outputs.threshold_alert"})


class OutputEmitError(Exception):
    def __init__(self, node_id: str, type_id: str, problem: str):
        self.message = f"node '{node_id}' ({type_id}): {problem}"
        super().__init__(self.message)


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
    # The reference compares a float32 score (widened to double) with double thresholds: so does C.
    on_at, off_below = repr(float(p["threshold"])), repr(float(p["threshold"]) - float(p["hysteresis"]))
    declarations = (f"static int {sym}on;\nstatic uint32_t {sym}window;\n"
                    f"static const char {sym}label[] = {json_string_literal(labels[idx])};")
    run = f"""double score = (double)tms_scores[{idx}];
int change = 0;
if (!{sym}on && score >= {on_at}) {{
    {sym}on = 1;
    change = 1;
}} else if ({sym}on && score < {off_below}) {{
    {sym}on = 0;
    change = 1;
}}
if (change) {{
    tms_put_raw("{{\\"type\\":\\"alert\\",\\"label\\":");
    tms_put_raw({sym}label);
    tms_put_raw(",\\"index\\":{idx},\\"score\\":");
    tms_put_float(tms_scores[{idx}], TMS_SCORE_DECIMALS);
    tms_put_raw({sym}on ? ",\\"state\\":\\"on\\",\\"window\\":" : ",\\"state\\":\\"off\\",\\"window\\":");
    tms_put_u32({sym}window);
    tms_put_raw("}}");
    tms_put_line_end();
}}
{sym}window++;"""
    return StageCode(node_id=node_id, mode="result", declarations=declarations, run=run, ram_bytes=8)


SMOOTHER_TYPE = "outputs.smoother"


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
    history = (f"static float {s}history[{w}][{n}];" if average else f"static uint8_t {s}history[{w}];")
    declarations = "\n".join([
        history,
        f"static float {s}candidate[{n}];",
        f"static float {out}[{n}];   /* the held output */",
        f"static uint8_t {s}count, {s}head, {s}held, {s}streak;",
        f"static int16_t {s}streak_class = -1;",
    ])
    if average:
        store = f"for (k = 0; k < {n}u; k++) {{\n    {s}history[{s}head][k] = {in_buffer}[k];\n}}"
        candidate = f"""for (k = 0; k < {n}u; k++) {{
    float sum = {s}history[first][k];
    for (j = 1; j < {s}count; j++) {{
        sum += {s}history[(first + j) % {w}u][k];
    }}
    {s}candidate[k] = sum / (float){s}count;
}}"""
    else:
        store = f"{s}history[{s}head] = (uint8_t)tms_argmax({in_buffer}, {n}u);"
        candidate = f"""for (k = 0; k < {n}u; k++) {{
    uint32_t votes = 0;
    for (j = 0; j < {s}count; j++) {{
        votes += (size_t){s}history[(first + j) % {w}u] == k;
    }}
    {s}candidate[k] = (float)((double)votes / (double){s}count);
}}"""
    run = f"""size_t k;
uint32_t j, first;
int32_t top;
{store}
{s}head = (uint8_t)(({s}head + 1u) % {w}u);
if ({s}count < {w}u) {{
    {s}count++;
}}
first = ({s}head + {w}u - {s}count) % {w}u;
{candidate}
top = tms_argmax({s}candidate, {n}u);
if (top == (int32_t){s}streak_class) {{
    if ({s}streak < 255u) {{
        {s}streak++;
    }}
}} else {{
    {s}streak = 1u;
    {s}streak_class = (int16_t)top;
}}
if (!{s}held || top == tms_argmax({out}, {n}u) || {s}streak >= {debounce}u) {{
    for (k = 0; k < {n}u; k++) {{
        {out}[k] = {s}candidate[k];
    }}
    {s}held = 1u;
}}"""
    # init runs again when a host stream starts a new clip: the smoother forgets the last clip
    init = f"{s}count = 0u;\n{s}head = 0u;\n{s}held = 0u;\n{s}streak = 0u;\n{s}streak_class = -1;"
    return StageCode(node_id=node_id, mode="post", declarations=declarations, init=init, run=run,
                     ram_bytes=smoother_ram_bytes(n, p))
