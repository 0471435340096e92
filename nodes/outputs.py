"""Output node types: what the firmware does with the scores (serial protocol, LED, alerts, smoothing).

Output nodes look no labels up themselves: the validator and the code generator take the class
labels from the model node upstream (its ``labels(p, ctx)``) and may call ``check_labels`` here to
report a label a node names that the model does not have. ``outputs.smoother`` sits between a
model and the other outputs (scores in, scores out); its ``reference`` and
``ThresholdAlert.reference`` are the behaviour the generated C must reproduce.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from nodes.base import Mode, Role, RunState, Cost, NodeError, NodeType, Param, Port, TensorSpec, register, require_dtype, single_input

# C code size of each output kernel (bytes). threshold_alert and smoother: the .text of
# codegen/runtime/outputs/<kernel>.c built with arm-none-eabi-gcc 12.2 -Os for cortex-m4 hard-float
# plus ~40 B for its call in pipeline.c (measured 2026-12-02 by bench/bench_dsp.py, checked by
# tests/nodes/test_code_size_estimates.py). serial and gpio_led are estimates: serial assembles its
# line in pipeline.c, and the LED has no device code yet. The protocol printer and float formatting
# (codegen/runtime/tms_protocol.c, ~1.3 KB) are part of every image and charged by the validator as
# runtime.
CODE_BYTES = {
    "outputs/serial": 300,
    "outputs/gpio_led": 300,
    "outputs/threshold_alert": 308,
    "outputs/smoother": 412,
}

# sizeof() of the output kernels' structs on a 32-bit Cortex-M (codegen.emit_outputs.STRUCT_BYTES, which
# a test checks against the compiler): the alert's state in RAM, each kernel's configuration in flash.
ALERT_STATE_BYTES = 8
ALERT_CONFIG_BYTES = 16
SMOOTHER_CONFIG_BYTES = 32

_SCORES_IN = Port("scores", ("f32",), "class scores (classes,)")


def _scores(inputs: Mapping[str, TensorSpec], title: str) -> TensorSpec:
    spec = single_input(inputs, "scores")
    require_dtype(spec, ("f32",), "scores")
    if len(spec.shape) != 1:
        raise NodeError(f"{title} takes class scores (classes,), but its input is {spec.describe()}; "
                        "connect it to a model's scores", port="scores")
    return spec


def _check_label(name: str, labels: Sequence[str], param: str) -> None:
    if name not in labels:
        raise NodeError(f"'{param}' is '{name}', which the model does not produce (its labels: "
                        f"{', '.join(labels)})")


def _sink_cost(kernel: str, ram_bytes: int, ops: int) -> Cost:
    return Cost(ram_bytes=ram_bytes, flash_bytes=CODE_BYTES[kernel], ops=ops,
                detail={"state_bytes": ram_bytes, "code_bytes": CODE_BYTES[kernel]})


@register
class Serial(NodeType):
    type_id = "outputs.serial"
    role = Role.RESULT
    reports_result = True
    title = "Serial output"
    doc = ('Prints one JSON line per inference: {"type":"inference","seq":…,"label":…,"index":…,'
           '"scores":[…],"dsp_us":…,"model_us":…} (label and index of the top score).')
    inputs = [_SCORES_IN]
    params = [
        Param("print_scores", bool, True, doc="include every class score in the line"),
        Param("min_interval_ms", int, 0, min=0, max=3_600_000, unit="ms",
              doc="print at most one line per interval (0 = every inference)"),
    ]
    kernel = "outputs/serial"

    def infer(self, inputs, p, ctx):
        _scores(inputs, self.title)
        return {}

    def cost(self, inputs, outputs, p, ctx):
        n = inputs["scores"].elements
        # printed piecewise straight to the UART, so no line buffer: a sequence number and the time
        # of the last line (for min_interval_ms) are its only state
        state = 8
        # ops per inference: arg-max plus float formatting (≈40 operations a printed score)
        ops = 2 * n + (40 * n if p["print_scores"] else 0)
        return _sink_cost(self.kernel, state, ops)



@register
class GpioLed(NodeType):
    type_id = "outputs.gpio_led"
    role = Role.RESULT
    title = "LED on class"
    doc = "Lights the LED on `pin` while the top class is `label` with a score of at least `min_score`."
    inputs = [_SCORES_IN]
    params = [
        Param("label", str, "", doc="class that lights the LED"),
        Param("pin", int, 13, min=0, max=255, doc="board GPIO number (the board glue maps it)"),
        Param("active_high", bool, True, doc="drive the pin high to light the LED"),
        Param("min_score", float, 0.5, min=0.0, max=1.0, doc="top score needed to light it"),
    ]
    kernel = "outputs/gpio_led"

    def infer(self, inputs, p, ctx):
        _scores(inputs, self.title)
        if not p["label"]:
            raise NodeError("choose the class label that lights the LED")
        return {}

    def cost(self, inputs, outputs, p, ctx):
        return _sink_cost(self.kernel, 4, 2 * inputs["scores"].elements)

    def check_labels(self, p: Mapping[str, Any], labels: Sequence[str]) -> None:
        _check_label(p["label"], labels, "label")


@register
class ThresholdAlert(NodeType):
    type_id = "outputs.threshold_alert"
    role = Role.RESULT
    reports_result = True
    prints_events = True
    title = "Threshold alert"
    doc = ('Watches one class score (by label, or by index when label is empty). Goes on when the '
           'score reaches `threshold`, off when it falls below threshold − hysteresis, and prints '
           '{"type":"alert","label":…,"index":…,"score":…,"state":"on"|"off"} at each change.')
    inputs = [_SCORES_IN]
    params = [
        Param("label", str, "", doc="class to watch; empty = use index"),
        Param("index", int, 0, min=0, max=4095, doc="class index to watch when label is empty"),
        Param("threshold", float, 0.8, min=0.0, max=1.0),
        Param("hysteresis", float, 0.1, min=0.0, max=1.0, doc="drop below threshold − hysteresis to clear"),
    ]
    kernel = "outputs/threshold_alert"

    def infer(self, inputs, p, ctx):
        spec = _scores(inputs, self.title)
        if not p["label"] and p["index"] >= spec.shape[0]:
            raise NodeError(f"index {p['index']} is past the {spec.shape[0]} scores "
                            f"(0…{spec.shape[0] - 1})", port="scores")
        return {}

    def cost(self, inputs, outputs, p, ctx):
        # on/off state and the inference count; the line is printed piecewise, so no line buffer
        code = CODE_BYTES[self.kernel]
        return Cost(ram_bytes=ALERT_STATE_BYTES, flash_bytes=code + ALERT_CONFIG_BYTES, ops=4,
                    detail={"state_bytes": ALERT_STATE_BYTES, "table_bytes": ALERT_CONFIG_BYTES, "code_bytes": code})

    def check_labels(self, p: Mapping[str, Any], labels: Sequence[str]) -> None:
        if p["label"]:
            _check_label(p["label"], labels, "label")

    def watched_index(self, p: Mapping[str, Any], labels: Sequence[str]) -> int:
        return list(labels).index(p["label"]) if p["label"] else p["index"]

    def reference(self, inputs, p, state=None):
        """The alert's state (T,) int8 (1 = on) after each of a sequence of score vectors (T, classes);
        ``state.labels`` are the labels it receives."""
        labels = state.labels if state is not None else ()
        idx = self.watched_index(p, labels)
        on, states = False, []
        for row in np.asarray(inputs["scores"], dtype=np.float32):
            score = float(row[idx])
            if not on and score >= p["threshold"]:
                on = True
            elif on and score < p["threshold"] - p["hysteresis"]:
                on = False
            states.append(1 if on else 0)
        return {"on": np.asarray(states, dtype=np.int8)}

    def events(self, scores: np.ndarray, p: Mapping[str, Any], labels: Sequence[str]) -> list[dict]:
        """The alert messages the firmware prints for a sequence of score vectors (T, classes): one
        at each change of ``reference``'s state."""
        idx = self.watched_index(p, labels)
        x = np.asarray(scores, dtype=np.float32)
        on = self.reference({"scores": x}, p, RunState(Mode.RESULT, tuple(labels)))["on"]
        events, prev = [], 0
        for t, now in enumerate(on):
            if now != prev:
                events.append({"type": "alert", "label": labels[idx], "index": idx, "score": float(x[t, idx]),
                               "state": "on" if now else "off", "window": t})
            prev = now
        return events


@register
class Smoother(NodeType):
    type_id = "outputs.smoother"
    role = Role.POST
    title = "Smoother"
    doc = ("Steadies the result over the last `windows` inferences: average of the score vectors, or "
           "majority (each class's share of the top-1 votes). With debounce d > 1 a new top class is "
           "passed on only after it has won d inferences in a row; until then the previous output "
           "is repeated. Scores in, scores out.")
    inputs = [_SCORES_IN]
    outputs = [Port("scores", ("f32",), "smoothed scores (classes,)")]
    params = [
        Param("mode", str, "average", choices=("average", "majority")),
        Param("windows", int, 3, min=1, max=64, doc="inferences remembered"),
        Param("debounce", int, 1, min=1, max=64, doc="wins in a row before the top class may change"),
    ]
    kernel = "outputs/smoother"

    def infer(self, inputs, p, ctx):
        spec = _scores(inputs, self.title)
        return {"scores": spec}

    def cost(self, inputs, outputs, p, ctx):
        n = inputs["scores"].elements
        # history: whole score vectors for average, one class index byte per inference for majority
        history = p["windows"] * (4 * n if p["mode"] == "average" else 1)
        state = history + 4 * n + 8  # plus the output held for debounce and two counters
        ops = (p["windows"] + 1) * n + 2 * n
        code = CODE_BYTES[self.kernel]
        return Cost(ram_bytes=state + outputs["scores"].bytes, flash_bytes=code + SMOOTHER_CONFIG_BYTES,
                    ops=ops, detail={"state_bytes": state, "output_bytes": outputs["scores"].bytes,
                                     "table_bytes": SMOOTHER_CONFIG_BYTES, "code_bytes": code})

    def transform(self, scores: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        """Smoothed output for each of a sequence of score vectors (T, classes) → (T, classes)."""
        x = np.asarray(scores, dtype=np.float32)
        n_classes = x.shape[1]
        out = np.empty_like(x)
        held: np.ndarray | None = None
        streak_class, streak = -1, 0
        for t in range(x.shape[0]):
            recent = x[max(0, t - p["windows"] + 1): t + 1]
            if p["mode"] == "average":
                candidate = recent.mean(axis=0, dtype=np.float32)
            else:
                votes = np.bincount(recent.argmax(axis=1), minlength=n_classes)
                candidate = (votes / np.float32(recent.shape[0])).astype(np.float32)
            top = int(candidate.argmax())
            streak = streak + 1 if top == streak_class else 1
            streak_class = top
            if held is None or top == int(held.argmax()) or streak >= p["debounce"]:
                held = candidate
            out[t] = held
        return out

