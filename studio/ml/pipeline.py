"""The host reference of a project's pipeline: the features its DSP makes and its int8 inference.

One walk of the graph serves training (features for the model), calibration (representative data)
and the comparison with the firmware on the emulated board (``host_inference``). The walk follows
the chain from the sensor to the model node's input:

- *stream* nodes before ``dsp.window`` run their ``reference`` on the whole stream (T, C), as the
  firmware runs them sample by sample with state;
- ``dsp.window`` frames the stream exactly as the firmware does: a frame every ``hop`` samples, the
  first once ``window`` samples have arrived (frame k covers samples k·hop … k·hop + window − 1);
- *frame* nodes after it run their ``reference`` on each frame.

Without a window node every stream sample is one model input (e.g. an 8×8 image per sample). A
camera's stream is one image (H, W, C) per sample: pass samples (N, H, W, C) and every node runs
on each image.

``host_inference`` then quantizes each feature tensor into the model's int8 input exactly as the
firmware's ``tms_quantize_int8`` does — float32 ``x / scale``, rounded half away from zero, plus
the zero point, clamped to [-128, 127] — runs the int8 ``.tflite`` in TFLM (tflite_micro: the
micro kernels, not the desktop interpreter's), dequantizes the output ``(q − zp) · scale`` in
float32 and takes the first arg-max. When the outputs read a node after the model
(``model.reconstruction_error``: the anomaly score of an autoencoder, from the features the model
was given and its dequantized output), that node's ``reference`` makes the scores instead, as the
firmware's stage after the model does.

The public functions here are the contract the firmware evaluation relies on; keep them stable.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from nodes.base import NodeContext, NodeError, NodeType
from nodes.model import device_model_file
from studio.core.graph import Node
from studio.core.optimization import device_source, disagreeing_outputs_message, reported_sources
from studio.core.project import Project
from studio.ml.errors import MLError

MODEL_TYPES = ("model.tflite", "model.keras")
WINDOW_TYPE = "dsp.window"
# nodes that run after the model on its input features and its output (the firmware's "post" stages)
AFTER_MODEL_TYPES = ("model.reconstruction_error",)
SMOOTHER_TYPE = "outputs.smoother"     # steadies the result over inferences (a "post" stage too)


@dataclass(frozen=True)
class Stage:
    """One node of the chain with its checked properties and an instance of its type."""

    node_id: str
    type_id: str
    props: Mapping[str, Any]
    ntype: NodeType

    def reference(self, x: np.ndarray) -> np.ndarray:
        if not callable(getattr(self.ntype, "reference", None)):
            raise MLError(f"node '{self.node_id}' ({self.type_id}) has no host reference, so the "
                          "pipeline's features cannot be computed on the host")
        try:
            return np.asarray(self.ntype.reference(x, self.props), dtype=np.float32)
        except NodeError as e:
            raise MLError(f"node '{self.node_id}': {e.message}") from None


@dataclass(frozen=True)
class PipelineChain:
    """The path sensor → DSP → model of a project, split where the window node ends the stream."""

    sensor: Stage
    stream: tuple[Stage, ...]
    window: Stage | None
    frame: tuple[Stage, ...]
    model: Stage
    labels: tuple[str, ...]          # of the result: the model's, or the node after it
    after_model: Stage | None = None  # the node the outputs read instead of the model, if any
    smoothers: tuple[Stage, ...] = ()  # outputs.smoother nodes between that and the outputs, in order


@dataclass(frozen=True)
class HostResult:
    """One inference of the host reference: what the firmware should print for window ``index``
    (its ``"index"`` field is ``class_index``, the position of ``label`` in the model's labels)."""

    index: int                 # window number in the stream (0 = the first whole window)
    label: str                 # label of the first highest score
    scores: tuple[float, ...]  # dequantized int8 scores, float32 values

    @property
    def class_index(self) -> int:
        return int(np.argmax(np.asarray(self.scores, dtype=np.float32)))


@dataclass(frozen=True)
class QuantParams:
    scale: float
    zero_point: int


# ---- the chain ---------------------------------------------------------------------------------

def _stage(node: Node) -> Stage:
    try:
        cls = node.spec
        props = cls.check_props(node.props)
    except NodeError as e:
        raise MLError(f"node '{node.id}': {e.message}") from None
    return Stage(node.id, node.type_id, props, cls())


# Model summaries and recordings keyed by content hash (the nodes' own cache keys): a make script
# or an evaluation calls the pipeline per segment and must not re-read the model each time.
_CACHE: dict = {}


def context(project: Project) -> NodeContext:
    """The node context of the project's folder (assets resolved inside it)."""
    return NodeContext(project.dir, cache=_CACHE)


def pipeline_chain(project: Project) -> PipelineChain:
    """The linear chain from the sensor to the model node; MLError if the graph is not one."""
    graph = project.graph
    models = [n for n in graph.nodes if n.type_id in MODEL_TYPES]
    if len(models) != 1:
        raise MLError(f"the pipeline needs exactly one model node to compute features for, found "
                      f"{len(models)}")
    chain: list[Node] = []
    cur = models[0]
    seen = {cur.id}
    while True:
        feeding = [e for e in graph.edges_into(cur.id) if e.dst_port == "in"]
        if not feeding:
            if cur is models[0]:
                raise MLError(f"the model node '{cur.id}' has nothing connected to its input")
            break
        src = graph.node(feeding[0].src)
        if src.id in seen:
            raise MLError(f"node '{src.id}' is part of a cycle")
        seen.add(src.id)
        chain.append(src)
        cur = src
    chain.reverse()
    sensor = chain[0]
    if sensor.spec.category != "sensors":
        raise MLError(f"the chain into the model starts at '{sensor.id}' ({sensor.type_id}), not at a "
                      "sensor; connect a sensor at its start")
    stages = [_stage(n) for n in chain[1:]]
    win_at = [i for i, s in enumerate(stages) if s.type_id == WINDOW_TYPE]
    if len(win_at) > 1:
        raise MLError("the chain has more than one window node; keep one")
    model = _stage(models[0])
    after, smoothers = _result_path(project, models[0])
    labels = tuple((after or model).ntype.labels((after or model).props, context(project)) or ())
    if win_at:
        i = win_at[0]
        return PipelineChain(_stage(sensor), tuple(stages[:i]), stages[i], tuple(stages[i + 1:]), model, labels,
                             after, smoothers)
    return PipelineChain(_stage(sensor), tuple(stages), None, (), model, labels, after, smoothers)


def _result_path(project: Project, model: Node) -> tuple[Stage | None, tuple[Stage, ...]]:
    """What lies between the model and the scores the outputs report (``reported_sources``): the
    smoothers just before the outputs, and before them the node after the model that replaces its
    scores (None when the outputs report the model's own, maybe smoothed)."""
    graph = project.graph
    feeding = reported_sources(graph)
    problem = disagreeing_outputs_message(feeding)
    if problem:
        raise MLError(problem)
    if not feeding:
        return None, ()
    src = next(iter(feeding))[0]
    smoothers: list[Node] = []
    while graph.has_node(src) and graph.node(src).type_id == SMOOTHER_TYPE and src not in {n.id for n in smoothers}:
        smoothers.append(graph.node(src))
        into = graph.edges_into(src)
        if not into:
            raise MLError(f"the smoother '{src}' has nothing connected to its input")
        src = device_source(graph, into[0].src, into[0].src_port)[0]
    smoothed = tuple(_stage(n) for n in reversed(smoothers))
    if not graph.has_node(src) or graph.node(src).type_id not in AFTER_MODEL_TYPES:
        return None, smoothed
    return _after_model(graph, graph.node(src), model), smoothed


def _after_model(graph, node: Node, model: Node) -> Stage:
    """The node after the model whose scores the outputs report: it must compare the model's own
    input features with the model's output."""
    into = {e.dst_port: device_source(graph, e.src, e.src_port) for e in graph.edges_into(node.id)}
    model_in = [(e.src, e.src_port) for e in graph.edges_into(model.id) if e.dst_port == "in"]
    if into.get("reconstruction") != (model.id, "scores"):
        raise MLError(f"node '{node.id}': its 'reconstruction' input must be the model '{model.id}''s scores")
    if not model_in or into.get("features") != model_in[0]:
        raise MLError(f"node '{node.id}': its 'features' input must come from the node that feeds the model "
                      f"'{model.id}' (the features the model was given)")
    return _stage(node)


def after_model_scores(chain: PipelineChain, features: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The result of each window of one continuous stream: the model's dequantized ``scores``
    (N, outputs), or the node after the model run on the ``features`` (N, ...) the model was given
    and those scores; then each smoother in order over the windows (they remember earlier ones)."""
    result = np.asarray(scores, dtype=np.float32)
    stage = chain.after_model
    try:
        if stage is not None:
            result = stage.ntype.scores(features, result, stage.props)
        for stage in chain.smoothers:
            result = stage.ntype.reference(result, stage.props) if result.shape[0] else result
    except NodeError as e:
        raise MLError(f"node '{stage.node_id}': {e.message}") from None
    return result


def model_path(project: Project) -> Path:
    """The int8 .tflite the device runs for the project's model node (``nodes.model.device_model_file``:
    a .tflite node's file, a Keras node's int8 model), inside the project folder."""
    model = pipeline_chain(project).model
    rel = device_model_file(model.type_id, model.props)
    if not rel:
        raise MLError(f"host inference runs the int8 .tflite the device runs; the model node "
                      f"'{model.node_id}' is {model.type_id} without an int8 model: run Optimize first")
    try:
        return context(project).resolve_asset(rel)
    except NodeError as e:
        raise MLError(f"model node '{model.node_id}': {e.message}") from None


def replay_samples(project: Project) -> np.ndarray:
    """The recording a ``sensors.replay`` sensor plays, float32 (T, C) (a copy)."""
    sensor = pipeline_chain(project).sensor
    if sensor.type_id != "sensors.replay":
        raise MLError(f"the sensor '{sensor.node_id}' is {sensor.type_id}, not a replay of a recording; "
                      "pass the samples explicitly")
    try:
        return np.array(sensor.ntype.load_samples(sensor.props, context(project)), dtype=np.float32)
    except NodeError as e:
        raise MLError(f"sensor '{sensor.node_id}': {e.message}") from None


def model_input_shape(project: Project) -> tuple[int, ...] | None:
    """The model's input shape without the batch dimension, or None while there is no model file
    yet (while making training features, before the first model exists)."""
    model = pipeline_chain(project).model
    if not model.props.get("model"):
        return None
    ctx = context(project)
    try:
        if model.type_id != "model.tflite":
            device = model.ntype.int8(model.props, ctx)    # the int8 model Optimize made, if any
            if device is None:
                return tuple(model.ntype.summary(model.props, ctx).input_shape)  # Keras: batch already dropped
            shape = tuple(device[1].shape)
        else:
            shape = tuple(model.ntype.summary(model.props, ctx).inputs[0].shape)
    except NodeError:
        return None
    return shape[1:] if len(shape) > 1 and shape[0] == 1 else shape


# ---- features ----------------------------------------------------------------------------------

def frame_stream(x: np.ndarray, window: int, hop: int) -> np.ndarray:
    """Frames (n, window, C) of the stream (T, C): frame k starts at k·hop; only whole frames."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    n = 0 if x.shape[0] < window else (x.shape[0] - window) // hop + 1
    if n == 0:
        return np.zeros((0, window, x.shape[1]), np.float32)
    idx = (np.arange(n) * hop)[:, None] + np.arange(window)[None, :]
    return x[idx]


def _check_samples(samples: np.ndarray, images: bool = False) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 and not (images and x.ndim == 4):
        want = "(N, height, width, channels) images" if images else "(T, channels)"
        raise MLError(f"samples must be {want}, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise MLError("samples contain NaN or infinite values")
    return x


def _reshape(features: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    if shape is None:
        return features
    per = math.prod(features.shape[1:])
    if per != math.prod(shape):
        raise MLError(f"the pipeline makes features of {per} values ({'×'.join(map(str, features.shape[1:]))}) "
                      f"but the model input {'×'.join(map(str, shape))} takes {math.prod(shape)}")
    return features.reshape((features.shape[0],) + tuple(shape))


def _frames_to_features(frames: np.ndarray, stages: Sequence[Stage]) -> np.ndarray:
    out = []
    for frame in frames:
        f = frame
        for s in stages:
            f = s.reference(f)
        out.append(f)
    if not out:
        return np.zeros((0,), np.float32)
    return np.stack(out).astype(np.float32)


def features_for_stream(project: Project, samples: np.ndarray,
                        input_shape: Sequence[int] | None = None) -> np.ndarray:
    """Features (windows, *model_input_shape) the pipeline makes from a sensor stream (T, C).

    ``input_shape`` overrides the model's (needed before a model exists; without either, the shape
    of the last DSP node's output is kept)."""
    chain = pipeline_chain(project)
    x = _check_samples(samples, images=chain.window is None)
    if x.ndim == 4:  # a stream of images: each node runs on each image
        feats = _frames_to_features(x, chain.stream)
        if feats.shape[0] == 0:
            return feats
        shape = tuple(input_shape) if input_shape is not None else model_input_shape(project)
        return _reshape(feats, shape)
    for s in chain.stream:
        x = _on_stream(s, x)
    if chain.window is not None:
        x = frame_stream(x, chain.window.props["window"], chain.window.props["hop"])
    return _finish(project, chain, x, input_shape)


def features_for_clip(project: Project, clip: np.ndarray,
                      input_shape: Sequence[int] | None = None) -> np.ndarray:
    """Features (*model_input_shape) of one fixed-length clip (T, C) that fills one window: its
    first window (a longer clip's tail is ignored; a shorter clip is refused: pad it)."""
    chain = pipeline_chain(project)
    x = _check_samples(clip)
    for s in chain.stream:
        x = _on_stream(s, x)
    if chain.window is not None:
        w = chain.window.props["window"]
        if x.shape[0] < w:
            raise MLError(f"the clip has {x.shape[0]} samples after the stream nodes; the window needs "
                          f"{w}: pad the clip")
        x = x[None, :w]
    elif x.shape[0] < 1:
        raise MLError("the clip holds no samples")
    return _finish(project, chain, x[:1], input_shape)[0]


def _on_stream(stage: Stage, x: np.ndarray) -> np.ndarray:
    """A stream node over the whole stream (T, C). frame_minmax scales each tensor by its own
    range; on a stream the tensor is one sample (C,), not the whole recording."""
    if stage.type_id == "dsp.normalize" and stage.props["mode"] == "frame_minmax":
        return np.stack([stage.reference(row) for row in x]) if x.shape[0] else x
    return stage.reference(x)


def _finish(project: Project, chain: PipelineChain, frames: np.ndarray,
            input_shape: Sequence[int] | None) -> np.ndarray:
    """Frame nodes on each frame (or, without a window, each stream sample is one input), reshaped
    to the model input."""
    shape = tuple(input_shape) if input_shape is not None else model_input_shape(project)
    if chain.window is None:
        feats = frames
    elif frames.shape[0] == 0:
        return np.zeros((0,) + (shape or ()), np.float32)
    else:
        feats = _frames_to_features(frames, chain.frame)
    return _reshape(feats, shape)


def features_for_clips(project: Project, clips: Sequence[np.ndarray],
                       input_shape: Sequence[int] | None = None) -> np.ndarray:
    """``features_for_clip`` of each clip, stacked: (clips, *model_input_shape)."""
    return np.stack([features_for_clip(project, c, input_shape) for c in clips]).astype(np.float32)


# ---- int8 arithmetic of the firmware ----------------------------------------------------------

def round_half_away_from_zero(r: np.ndarray) -> np.ndarray:
    """C's ``roundf``: halves go away from zero. Done in float64, where a float32 plus 0.5 is exact
    (a float32 ``floor(|r| + 0.5)`` would round 0.49999997 up to 1)."""
    r64 = np.asarray(r, dtype=np.float32).astype(np.float64)
    return np.trunc(r64 + np.copysign(0.5, r64))


def quantize_int8(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """The firmware's ``tms_quantize_int8``: clamp(roundf(x / scale) + zp, −128, 127), with float32
    division (TFLite divides rather than multiplying by 1/scale; the two round differently)."""
    q = np.asarray(x, dtype=np.float32) / np.float32(scale)
    r = round_half_away_from_zero(q)
    r = np.where(np.isnan(r), 0.0, np.clip(r, -1e6, 1e6))
    return np.clip(r.astype(np.int64) + int(zero_point), -128, 127).astype(np.int8)


def dequantize_int8(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """The firmware's ``tms_dequantize_int8``: scale · (q − zp) in float32."""
    return (np.float32(scale) * (np.asarray(q, dtype=np.int32) - int(zero_point)).astype(np.float32)).astype(np.float32)


class Int8Model:
    """An int8 .tflite in the TFLM interpreter, run in a limited child process (a crash of the
    native interpreter on a hostile model is an MLError, never the app going down)."""

    def __init__(self, model_bytes: bytes):
        import tempfile
        import weakref

        from codegen.model.errors import ModelError
        from codegen.model.tflm_reference import child_details

        self._dir = tempfile.TemporaryDirectory(prefix="tms_int8_")
        weakref.finalize(self, self._dir.cleanup)
        self._path = str(Path(self._dir.name) / "model.tflite")
        Path(self._path).write_bytes(bytes(model_bytes))
        self._arena = max(1 << 22, 16 * len(model_bytes))
        try:
            info = child_details(self._path)
        except ModelError as e:
            raise MLError(e.message) from None
        inp, out = info["input"], info["output"]
        for d, what in ((inp, "input"), (out, "output")):
            if d["dtype"] != "int8":
                raise MLError(f"the model {what} is {d['dtype']}; host inference runs "
                              "full-integer int8 models")
        self.input_shape = tuple(inp["shape"])
        self.output_shape = tuple(out["shape"])
        self.input_q = _qparams({"quantization_parameters": {"scales": inp["scales"], "zero_points": inp["zero_points"]}})
        self.output_q = _qparams({"quantization_parameters": {"scales": out["scales"], "zero_points": out["zero_points"]}})

    def _run_rows(self, rows: np.ndarray) -> np.ndarray:
        from codegen.model.errors import ModelError
        from codegen.model.tflm_reference import child_run

        rows = np.asarray(rows, np.int8).reshape(len(rows), -1)
        if not len(rows):
            return np.zeros((0, math.prod(self.output_shape)), np.int8)
        q = [(self.input_q.scale, self.input_q.zero_point)]
        try:
            return child_run(self._path, rows, q, [(self.output_q.scale, self.output_q.zero_point)], self._arena)
        except ModelError as e:
            raise MLError(e.message) from None

    @classmethod
    def from_file(cls, path: Path) -> "Int8Model":
        try:
            return cls(Path(path).read_bytes())
        except OSError as e:
            raise MLError(f"cannot read the model {path}: {e.strerror or e}") from None

    def invoke_int8(self, q: np.ndarray) -> np.ndarray:
        return self._run_rows(np.asarray(q, np.int8).reshape(1, -1))[0]

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Dequantized scores (N, outputs) of feature tensors (N, ...), each quantized as the firmware
        quantizes its feature buffer."""
        feats = np.asarray(features, dtype=np.float32)
        n_in = math.prod(self.input_shape)
        if feats.ndim < 1 or (feats.size and math.prod(feats.shape[1:]) != n_in):
            raise MLError(f"features of shape {feats.shape[1:]} do not fill the model input "
                          f"{'×'.join(map(str, self.input_shape))}")
        n_out = math.prod(self.output_shape)
        if not len(feats):
            return np.zeros((0, n_out), np.float32)
        q = np.stack([quantize_int8(f.reshape(-1), self.input_q.scale, self.input_q.zero_point) for f in feats])
        return dequantize_int8(self._run_rows(q), self.output_q.scale, self.output_q.zero_point).reshape(len(feats), n_out)


def _qparams(detail: Mapping[str, Any]) -> QuantParams:
    qp = detail["quantization_parameters"]
    if len(qp["scales"]) != 1:
        raise MLError("the model input/output must be quantized per tensor (one scale)")
    return QuantParams(float(np.float32(qp["scales"][0])), int(qp["zero_points"][0]))


def int8_model(project: Project) -> Int8Model:
    """The project's int8 .tflite (``model_path``) loaded into TFLM."""
    return Int8Model.from_file(model_path(project))


def classify(scores: np.ndarray, labels: Sequence[str], first_index: int = 0) -> list[HostResult]:
    """HostResults of score rows: the first arg-max (as ``tms_argmax``) and its label."""
    out = []
    for i, row in enumerate(np.asarray(scores, dtype=np.float32)):
        k = int(np.argmax(row))
        label = labels[k] if k < len(labels) else f"class{k}"
        out.append(HostResult(first_index + i, label, tuple(float(v) for v in row)))
    return out


def host_inference(project: Project, samples: np.ndarray | None = None,
                   model: Int8Model | None = None) -> list[HostResult]:
    """What the firmware should report for the stream ``samples`` (T, C): one HostResult per
    whole window, in order. Without ``samples``, the recording the project's ``sensors.replay``
    plays, once through (the firmware loops it: compare its first len(results) inferences).
    ``model`` may be passed to reuse a loaded interpreter."""
    chain = pipeline_chain(project)
    if samples is None:
        samples = replay_samples(project)
    model = model or int8_model(project)
    feats = features_for_stream(project, samples, model.input_shape[1:] if model.input_shape[0] == 1
                                else model.input_shape)
    scores = after_model_scores(chain, feats, model.scores(feats))
    labels = chain.labels or tuple(f"class{i}" for i in range(scores.shape[1] if scores.ndim == 2 else 0))
    return classify(scores, labels)
