"""The host reference of a project's pipeline: the features its DSP makes and its int8 inference.

The project's validated plan (``studio.core.plan``, from ``validate_project``) serves training
(features for the model), calibration (representative data) and the comparison with the firmware
on the emulated board (``host_inference``); the one host executor (``studio.core.host``) runs it:
stream stages on the whole stream (T, C) as the firmware runs them sample by sample with state,
the window framing it (frame k covers samples k·hop … k·hop + window − 1), frame stages on each
frame. Without a window every stream sample is one model input (e.g. an 8×8 image per sample); a
camera's stream is one image (H, W, C) per sample: pass samples (N, H, W, C).

``host_inference`` then quantizes each feature tensor into the model's int8 input exactly as the
firmware's ``tms_quantize_int8`` does — float32 ``x / scale``, rounded half away from zero, plus
the zero point, clamped to [-128, 127] — runs the int8 ``.tflite`` in TFLM (tflite_micro: the
micro kernels, not the desktop interpreter's), dequantizes the output ``(q − zp) · scale`` in
float32 and takes the first arg-max. When the outputs read a stage after the model (e.g. the
anomaly score of an autoencoder, from the features the model was given and its dequantized output,
or a smoother), the post stages' references make the result, as the firmware's stages after the
model do.

The public functions here are the contract the firmware evaluation relies on; keep them stable.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from nodes.base import NodeContext, NodeError, Role
from nodes.model import device_model_file
from studio.core.errors import StudioError
from studio.core.host import HostError, run_after_model, run_to_features
from studio.core.plan import PipelinePlan
from studio.core.project import Project
from studio.core.validate import validate_project
from studio.ml.errors import MLError

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


# ---- the plan ----------------------------------------------------------------------------------

# Model summaries and recordings keyed by content hash (the nodes' own cache keys): a make script
# or an evaluation calls the pipeline per segment and must not re-read the model each time.
_CACHE: dict = {}


def context(project: Project) -> NodeContext:
    """The node context of the project's folder (assets resolved inside it)."""
    return NodeContext(project.dir, cache=_CACHE)


def pipeline_plan(project: Project) -> PipelinePlan:
    """The project's validated plan (``studio.core.plan``) with exactly one model node fed by a
    sensor; MLError otherwise."""
    try:
        report = validate_project(project)
    except StudioError as e:
        raise MLError(e.message) from None
    plan = report.plan
    if plan is None:
        raise MLError(report.plan_problem or "the graph is not one pipeline")
    models = plan.by_role(Role.MODEL)
    if len(models) != 1:
        raise MLError(f"the pipeline needs exactly one model node to compute features for, found "
                      f"{len(models)}")
    if plan.feature_source is None:
        raise MLError(f"the model node '{models[0].node_id}' has nothing connected to its input")
    return plan


def _host(call, *args):
    try:
        return call(*args)
    except HostError as e:
        raise MLError(e.message) from None


def after_model_scores(plan: PipelinePlan, features: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The result of each window of one continuous stream (``studio.core.host.run_after_model``)."""
    return _host(run_after_model, plan, features, scores)


def model_path(project: Project) -> Path:
    """The int8 .tflite the device runs for the project's model node (``nodes.model.device_model_file``:
    a .tflite node's file, a Keras node's int8 model), inside the project folder."""
    model = pipeline_plan(project).model
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
    sensor = pipeline_plan(project).sensor
    if not sensor.node_class.plays_recording:
        raise MLError(f"the sensor '{sensor.node_id}' is {sensor.type_id}, not a replay of a recording; "
                      "pass the samples explicitly")
    try:
        return np.array(sensor.node.load_samples(sensor.props, context(project)), dtype=np.float32)
    except NodeError as e:
        raise MLError(f"sensor '{sensor.node_id}': {e.message}") from None


def model_input_shape(project: Project) -> tuple[int, ...] | None:
    """The model's input shape without the batch dimension, or None while there is no model file
    yet (while making training features, before the first model exists)."""
    model = pipeline_plan(project).model
    if not model.props.get("model"):
        return None
    try:
        shape = model.node.device_input_shape(model.props, context(project))
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


def features_for_stream(project: Project, samples: np.ndarray,
                        input_shape: Sequence[int] | None = None) -> np.ndarray:
    """Features (windows, *model_input_shape) the pipeline makes from a sensor stream (T, C), or
    from a stream of images (N, H, W, C) when there is no window.

    ``input_shape`` overrides the model's (needed before a model exists; without either, the shape
    of the last DSP node's output is kept)."""
    plan = pipeline_plan(project)
    x = _check_samples(samples, images=plan.window is None)
    feats = _host(run_to_features, plan, x)
    if feats.shape[0] == 0 and plan.window is not None:
        shape = tuple(input_shape) if input_shape is not None else model_input_shape(project)
        return np.zeros((0,) + (shape or ()), np.float32)
    return _reshape(feats, tuple(input_shape) if input_shape is not None else model_input_shape(project))


def features_for_clip(project: Project, clip: np.ndarray,
                      input_shape: Sequence[int] | None = None, plan: PipelinePlan | None = None) -> np.ndarray:
    """Features (*model_input_shape) of one fixed-length clip (T, C) that fills one window: its
    first window (a longer clip's tail is ignored; a shorter clip is refused: pad it)."""
    plan = plan or pipeline_plan(project)
    x = _check_samples(clip)
    if x.shape[0] < 1:
        raise MLError("the clip holds no samples")
    feats = _host(run_to_features, plan, x)
    if feats.shape[0] == 0:
        raise MLError(f"the clip has {x.shape[0]} samples; the window needs "
                      f"{plan.window.props['window']} after the stream nodes: pad the clip")
    shape = tuple(input_shape) if input_shape is not None else model_input_shape(project)
    return _reshape(feats[:1], shape)[0]


def features_for_clips(project: Project, clips: Sequence[np.ndarray],
                       input_shape: Sequence[int] | None = None) -> np.ndarray:
    """``features_for_clip`` of each clip, stacked: (clips, *model_input_shape)."""
    plan = pipeline_plan(project)
    shape = tuple(input_shape) if input_shape is not None else model_input_shape(project)
    return np.stack([features_for_clip(project, c, shape, plan) for c in clips]).astype(np.float32)


# ---- int8 arithmetic of the firmware ----------------------------------------------------------

def round_half_away_from_zero(r: np.ndarray) -> np.ndarray:
    """C's ``roundf``: halves go away from zero. Done in float64, where a float32 plus 0.5 is exact
    (a float32 ``floor(|r| + 0.5)`` would round 0.49999997 up to 1)."""
    r64 = np.asarray(r, dtype=np.float32).astype(np.float64)
    return np.trunc(r64 + np.copysign(0.5, r64))


def quantize_int8(x: np.ndarray, scale: float, zero_point: int, dtype=np.int8) -> np.ndarray:
    """The firmware's ``tms_quantize_int8``: clamp(roundf(x / scale) + zp, −128, 127), with float32
    division (TFLite divides rather than multiplying by 1/scale; the two round differently).
    ``dtype`` np.int16: ``tms_quantize_int16`` (an int16x8 model's input), clamped to int16."""
    q = np.asarray(x, dtype=np.float32) / np.float32(scale)
    r = round_half_away_from_zero(q)
    r = np.where(np.isnan(r), 0.0, np.clip(r, -1e6, 1e6))
    info = np.iinfo(dtype)
    return np.clip(r.astype(np.int64) + int(zero_point), info.min, info.max).astype(dtype)


def dequantize_int8(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """The firmware's ``tms_dequantize_int8``: scale · (q − zp) in float32."""
    return (np.float32(scale) * (np.asarray(q, dtype=np.int32) - int(zero_point)).astype(np.float32)).astype(np.float32)


class Int8Model:
    """An int8 .tflite in the TFLM interpreter, run in a limited child process (a crash of the
    native interpreter on a hostile model is an MLError, never the app going down). A float32
    .tflite (float32 or float16 weights) runs in TFLite's float reference kernels in the same kind
    of child (``float_model``: ``scores`` passes the features unquantized, as the firmware does;
    ``input_q``/``output_q`` are None)."""

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
        summary = _float_summary(model_bytes)
        self.float_model = summary is not None
        if summary is not None:  # a float32 model, run by TFLite's float reference kernels
            self.input_shape = tuple(summary.inputs[0].shape)
            self.output_shape = tuple(summary.outputs[0].shape)
            self.input_q = self.output_q = None
            self.dtype = np.float32
            return
        try:
            info = child_details(self._path)
        except ModelError as e:
            raise MLError(e.message) from None
        inp, out = info["input"], info["output"]
        for d, what in ((inp, "input"), (out, "output")):
            if d["dtype"] not in ("int8", "int16") or d["dtype"] != inp["dtype"]:
                raise MLError(f"the model {what} is {d['dtype']}; host inference runs "
                              "full-integer int8 models (or int16x8 ones, int16 in and out) and float32 ones")
        # int8, or int16 for an int16x8 model (int16 activations, int8 weights)
        self.dtype = np.dtype(inp["dtype"]).type
        self.input_shape = tuple(inp["shape"])
        self.output_shape = tuple(out["shape"])
        self.input_q = _qparams({"quantization_parameters": {"scales": inp["scales"], "zero_points": inp["zero_points"]}})
        self.output_q = _qparams({"quantization_parameters": {"scales": out["scales"], "zero_points": out["zero_points"]}})

    def _run_rows(self, rows: np.ndarray) -> np.ndarray:
        from codegen.model.errors import ModelError
        from codegen.model.tflm_reference import child_run

        rows = np.asarray(rows, self.dtype).reshape(len(rows), -1)
        if not len(rows):
            return np.zeros((0, math.prod(self.output_shape)), self.dtype)
        q = [(self.input_q.scale, self.input_q.zero_point)]
        try:
            return child_run(self._path, rows, q, [(self.output_q.scale, self.output_q.zero_point)], self._arena)
        except ModelError as e:
            raise MLError(e.message) from None

    def _run_float(self, rows: np.ndarray) -> np.ndarray:
        from codegen.model.errors import ModelError
        from codegen.model.tflm_reference import child_run_float

        try:
            return child_run_float(self._path, rows, self._arena)
        except ModelError as e:
            raise MLError(e.message) from None

    @classmethod
    def from_file(cls, path: Path) -> "Int8Model":
        try:
            return cls(Path(path).read_bytes())
        except OSError as e:
            raise MLError(f"cannot read the model {path}: {e.strerror or e}") from None

    def invoke_int8(self, q: np.ndarray) -> np.ndarray:
        """One run on quantized input (int8, or int16 for an int16x8 model)."""
        if self.float_model:
            raise MLError("this is a float32 model: it takes features, not int8 values")
        return self._run_rows(np.asarray(q, self.dtype).reshape(1, -1))[0]

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
        if self.float_model:  # the features as they are, as the firmware passes them
            return self._run_float(feats.reshape(len(feats), -1)).reshape(len(feats), n_out)
        q = np.stack([quantize_int8(f.reshape(-1), self.input_q.scale, self.input_q.zero_point, self.dtype)
                      for f in feats])
        return dequantize_int8(self._run_rows(q), self.output_q.scale, self.output_q.zero_point).reshape(len(feats), n_out)


def _float_summary(model_bytes: bytes):
    """The compiler's summary when it runs the model as float32 (one input, one output), else None
    (the compiler decides: an int8 model with float I/O is int8 on the device)."""
    from codegen.model.analysis import analyze_tflite
    from codegen.model.errors import ModelError

    try:
        s = analyze_tflite(bytes(model_bytes))
    except ModelError:
        return None
    return s if s.float_model and len(s.inputs) == 1 and len(s.outputs) == 1 else None


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


def host_inference_per_stream(project: Project, streams: Sequence[np.ndarray],
                              model: Int8Model | None = None) -> list[list[HostResult]]:
    """``host_inference`` of each of several independent streams (each from a fresh pipeline
    state, as a board that restarts per clip), with one plan and one model run over all their
    windows (the reference interpreter runs in a child process: one start, not one per clip)."""
    plan = pipeline_plan(project)
    model = model or int8_model(project)
    shape = model.input_shape[1:] if model.input_shape[0] == 1 else model.input_shape
    feats = []
    for x in streams:
        f = _host(run_to_features, plan, _check_samples(x, images=plan.window is None))
        feats.append(_reshape(f, tuple(shape)) if f.shape[0] else np.zeros((0,) + tuple(shape), np.float32))
    counts = [f.shape[0] for f in feats]
    if not sum(counts):
        return [[] for _ in streams]
    all_scores = model.scores(np.concatenate([f for f in feats if f.shape[0]]))
    out, at = [], 0
    for f, n in zip(feats, counts):
        if n == 0:
            out.append([])
            continue
        scores = after_model_scores(plan, f, all_scores[at:at + n])
        at += n
        labels = plan.labels or tuple(f"class{i}" for i in range(scores.shape[1] if scores.ndim == 2 else 0))
        out.append(classify(scores, labels))
    return out


def host_inference(project: Project, samples: np.ndarray | None = None,
                   model: Int8Model | None = None) -> list[HostResult]:
    """What the firmware should report for the stream ``samples`` (T, C): one HostResult per
    whole window, in order. Without ``samples``, the recording the project's ``sensors.replay``
    plays, once through (the firmware loops it: compare its first len(results) inferences).
    ``model`` may be passed to reuse a loaded interpreter."""
    plan = pipeline_plan(project)
    if samples is None:
        samples = replay_samples(project)
    model = model or int8_model(project)
    feats = features_for_stream(project, samples, model.input_shape[1:] if model.input_shape[0] == 1
                                else model.input_shape)
    scores = after_model_scores(plan, feats, model.scores(feats))
    labels = plan.labels or tuple(f"class{i}" for i in range(scores.shape[1] if scores.ndim == 2 else 0))
    return classify(scores, labels)
