"""The output nodes' C: stages that run after each inference (mode ``"result"``).

``outputs.serial`` is the firmware's own inference line (``codegen.firmware``). Here:
``outputs.threshold_alert`` — the reference is ``nodes.outputs.ThresholdAlert.reference``: on when
the watched score reaches the threshold, off when it falls below threshold − hysteresis, one
``{"type":"alert",...}`` line at each change. Output nodes without device code are refused by name.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from codegen.cnames import c_identifier, json_string_literal
from codegen.stage import PREFIX, StageCode
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
