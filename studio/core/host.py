"""The host executor: a pipeline plan run on the host with each node's numpy ``reference``, the way
the firmware runs it.

Values are arrays keyed by (node, port). The sensor's value is the recording: a stream (T, C), or a
stream of images (N, H, W, C). Each stage then runs by its mode (``nodes.base.Mode``):

- ``SAMPLE``: on the whole stream, as the firmware runs it sample by sample with its state carried
  along (``RunState.mode`` tells a node such as Normalize(frame_minmax) that a tensor is one sample);
- ``WINDOW``: frames the stream (frame k covers samples k·hop … k·hop + window − 1);
- ``FRAME``: on each frame (or, without a window, on each sample of the stream, e.g. each image);
- the model: ``model_scores(features)`` on all the frames at once (N, ...) → (N, outputs);
- ``POST``: on the sequence of inferences (N, ...), as the firmware's stages after the model.

Result stages and pass-through stages compute nothing here. This is the one host reference of the
product: training features, int8 calibration data, evaluation against the device and the tests
that hold the firmware to the host all use it.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from nodes.base import Mode, NodeError, Role, RunState
from studio.core.plan import PipelinePlan, PlanStage

Values = dict[tuple[str, str], np.ndarray]


class HostError(Exception):
    """The plan cannot run on the host as it stands; the message names the node."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _run_stage(stage: PlanStage, values: Values) -> None:
    node = stage.node
    try:
        inputs = {port: values[src] for port, src in stage.sources.items()}
    except KeyError:
        return  # fed by something the host does not compute here
    state = RunState(stage.mode, stage.labels, stage.arithmetic)
    try:
        if stage.mode is Mode.FRAME:
            n = next(iter(inputs.values())).shape[0] if inputs else 0
            rows = [node.reference({p: a[k] for p, a in inputs.items()}, stage.props, state) for k in range(n)]
            out = {port: (np.stack([r[port] for r in rows]) if rows else
                          np.zeros((0,) + tuple(spec.shape), np.float32))
                   for port, spec in stage.outputs.items()}
        else:
            out = node.reference(inputs, stage.props, state)
    except NodeError as e:
        raise HostError(f"node '{stage.node_id}': {e.message}") from None
    for port, arr in out.items():
        values[(stage.node_id, port)] = np.asarray(arr, dtype=np.float32)


def run_to_features(plan: PipelinePlan, samples: np.ndarray) -> np.ndarray:
    """The model's input features (frames, *shape) the pipeline makes from the sensor's ``samples``:
    the stages on the path from the sensor to the model, by their modes."""
    path = plan.feature_path()
    if not path or path[0].role is not Role.SENSOR:
        start = f"'{path[0].node_id}'" if path else "nothing"
        raise HostError(f"the chain into the model starts at {start}, not at a sensor; connect a sensor at its start")
    for stage in path:
        if not stage.ok:
            raise HostError(f"node '{stage.node_id}' has errors; fix them to compute the pipeline's features")
    sensor = path[0]
    values: Values = {(sensor.node_id, p.name): np.asarray(samples, dtype=np.float32)
                      for p in sensor.node_class.outputs}
    for stage in path[1:]:
        _run_stage(stage, values)
    return values[plan.feature_source]


def run_after_model(plan: PipelinePlan, features: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The result of each inference of one continuous stream: the model's ``scores`` (N, outputs)
    run through the post stages (which may also read the features the model was given), read
    where the outputs read it."""
    model = plan.model
    if model is None:
        raise HostError("the pipeline has no model node")
    values: Values = {plan.feature_source: np.asarray(features, np.float32)}
    for p in model.node_class.outputs:
        values[(model.node_id, p.name)] = np.asarray(scores, np.float32)
    for stage in plan.after_model():
        if not stage.ok:
            raise HostError(f"node '{stage.node_id}' has errors")
        if values[(model.node_id, model.node_class.outputs[0].name)].shape[0] == 0:
            continue
        _run_stage(stage, values)
    if plan.result is None or plan.result not in values:
        return values[(model.node_id, model.node_class.outputs[0].name)]
    return values[plan.result]


def run_plan(plan: PipelinePlan, samples: np.ndarray,
             model_scores: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The result the firmware reports for each window of ``samples``: features, the model (the
    callable, e.g. TFLite Micro on int8), then the post stages."""
    feats = run_to_features(plan, samples)
    return run_after_model(plan, feats, model_scores(feats))


def result_events(plan: PipelinePlan, result: np.ndarray, labels: Sequence[str]) -> Mapping[str, list[dict]]:
    """The messages (``NodeType.events``) each result stage prints for a sequence of results
    (N, classes) with the given labels, by node id; stages that print none are left out."""
    out: dict[str, list[dict]] = {}
    for stage in plan.reporting:
        events = stage.node.events(result, stage.props, labels)
        if events:
            out[stage.node_id] = events
    return out
