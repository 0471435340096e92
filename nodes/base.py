"""The node-type contract: ports, typed parameters, shape rules, costs and the registry.

A node type is one class in its category module, decorated with ``@register``. Everything the
editor, the validator and the code generator know about a node comes from that class.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping, Sequence

import numpy as np

DTYPES = ("f32", "i32", "i16", "i8", "u8")
DTYPE_BYTES = {"f32": 4, "i32": 4, "i16": 2, "i8": 1, "u8": 1}


class Role(Enum):
    """What a node type is in a pipeline; the plan (``studio.core.plan``) orders stages by it.

    ``STREAM`` nodes run on the sensor's samples before the window, or on each frame after it;
    ``FRAME`` nodes need whole frames (after the window); ``POST`` nodes run after the model on its
    scores (and, for some, its input features); ``RESULT`` nodes consume the result; a
    ``PASS_THROUGH`` node (optimization) hands its input on unchanged on the device.
    """

    SENSOR = "sensor"
    STREAM = "stream"
    WINDOW = "window"
    FRAME = "frame"
    MODEL = "model"
    POST = "post"
    RESULT = "result"
    PASS_THROUGH = "pass-through"


class Mode(Enum):
    """When a planned stage runs on the device (and how the host executor applies its reference).

    ``SAMPLE``: once per sensor sample, on the stream; ``WINDOW``: the window node itself;
    ``FRAME``: once per frame the window makes; ``POST``: after each inference on the model's
    output; ``RESULT``: after each inference on the result; ``NONE``: nothing runs (pass-through).
    """

    SAMPLE = "sample"
    WINDOW = "window"
    FRAME = "frame"
    POST = "post"
    RESULT = "result"
    NONE = "none"


@dataclass(frozen=True)
class RunState:
    """What a node's ``reference`` may know of where it runs: its stage mode and the labels it receives.

    On the stream (``Mode.SAMPLE``) the arrays are the whole stream (T, ...) the firmware feeds sample
    by sample (stateful nodes carry their state along it); in a frame, one frame; after the model,
    the sequence of inferences (N, ...).
    """

    mode: Mode = Mode.FRAME
    labels: tuple[str, ...] = ()
    arithmetic: str = "float"   # the plan stage's ``arithmetic``: "float", or "fixed" (see arithmetic_for)


class NodeError(Exception):
    """A problem with one node a user can act on (bad property, wrong input shape...)."""

    def __init__(self, message: str, port: str | None = None):
        super().__init__(message)
        self.message = message
        self.port = port


@dataclass(frozen=True)
class TensorSpec:
    """What flows on an edge: a tensor of ``shape`` and ``dtype`` produced ``rate_hz`` times a second.

    A sensor emits one sample of shape ``(channels,)`` per sample period; a window node turns that
    stream into frames of shape ``(window, channels)`` at ``sample_rate / hop``.
    """

    shape: tuple[int, ...]
    dtype: str = "f32"
    rate_hz: float = 0.0

    @property
    def elements(self) -> int:
        return math.prod(self.shape) if self.shape else 1

    @property
    def bytes(self) -> int:
        return self.elements * DTYPE_BYTES[self.dtype]

    def describe(self) -> str:
        dims = "×".join(str(d) for d in self.shape) or "scalar"
        rate = f" @ {self.rate_hz:g} Hz" if self.rate_hz else ""
        return f"{dims} {self.dtype}{rate}"


@dataclass(frozen=True)
class Port:
    name: str
    dtypes: tuple[str, ...] = ("f32",)
    doc: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Param:
    """A typed property with its default, limits and unit. ``kind`` tells the editor which widget."""

    name: str
    type: type
    default: Any
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    unit: str = ""
    doc: str = ""
    kind: str = "value"  # "value" | "asset" (a file inside the project folder) | "labels" |
    #                      "record" (written by a tool, e.g. Optimize; shown read-only)

    def coerce(self, value: Any) -> Any:
        """Checks and converts ``value``; raises NodeError with a message naming the property."""
        t = self.type
        try:
            if t is bool:
                if not isinstance(value, bool):
                    raise TypeError
                out = value
            elif t is int:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise TypeError
                out = int(value)
            elif t is float:
                if isinstance(value, bool):
                    raise TypeError
                out = float(value)
                if not math.isfinite(out):
                    raise ValueError
            elif t is str:
                if not isinstance(value, str):
                    raise TypeError
                out = value
            elif t is list:
                if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                    raise TypeError
                out = [str(v) for v in value]
            else:  # pragma: no cover - a catalogue bug, not user input
                raise TypeError
        except (TypeError, ValueError):
            raise NodeError(f"property '{self.name}' must be {self._type_name()}, not {value!r}") from None
        if self.choices is not None and out not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise NodeError(f"property '{self.name}' must be one of {allowed}, not {out!r}")
        if self.min is not None and out < self.min:
            raise NodeError(f"property '{self.name}' must be ≥ {self.min:g}{self.unit_suffix}, not {out!r}")
        if self.max is not None and out > self.max:
            raise NodeError(f"property '{self.name}' must be ≤ {self.max:g}{self.unit_suffix}, not {out!r}")
        return out

    @property
    def unit_suffix(self) -> str:
        return f" {self.unit}" if self.unit else ""

    def _type_name(self) -> str:
        return {bool: "true or false", int: "a whole number", float: "a number",
                str: "text", list: "a list of text"}.get(self.type, self.type.__name__)


@dataclass(frozen=True)
class Cost:
    """What one node costs on the device per inference window.

    ``ram_bytes`` is memory the node owns for the life of the firmware (buffers, state, arena);
    ``flash_bytes`` its code and constants; ``ops`` arithmetic operations per window (a MAC is 2).
    """

    ram_bytes: int = 0
    flash_bytes: int = 0
    ops: int = 0
    detail: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BoardInfo:
    """The part of a board profile node types may look at (kept here so nodes need not import core)."""

    id: str
    cpu: str
    clock_hz: int
    fpu: bool
    dsp: bool
    # (kind, part) of every sensor the board carries, e.g. ("accelerometer", "lsm9ds1")
    sensors: tuple[tuple[str, str], ...] = ()


FLOAT = "float"
FIXED = "fixed"


def arithmetic_for(node_class: type, board: BoardInfo | None) -> str:
    """How a node computes on a board: ``"fixed"`` (Q15/Q31 integer kernels) when the node has a
    fixed-point kernel and the board's core has no FPU, else ``"float"`` (float32). The one rule:
    validation records it on each plan stage (``PlanStage.arithmetic``), which codegen, the host
    executor, training features and evaluation read; a node's cost() asks it of ``ctx.board``."""
    if getattr(node_class, "fixed_point", False) and board is not None and not board.fpu:
        return FIXED
    return FLOAT


class NodeContext:
    """What a node may ask of the project while it checks itself: assets by relative path.

    ``resolve_asset`` refuses paths that leave the project folder; ``cache`` lets expensive
    analyses (reading a model) be done once per file content.
    """

    def __init__(self, project_dir: Path | None = None, board: BoardInfo | None = None,
                 cache: dict | None = None):
        self.project_dir = Path(project_dir) if project_dir is not None else None
        self.board = board
        self.cache = cache if cache is not None else {}

    def resolve_asset(self, rel: str) -> Path:
        if not rel:
            raise NodeError("no file chosen")
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts or "\\" in rel:
            raise NodeError(f"asset path '{rel}' must be relative and stay inside the project folder")
        if self.project_dir is None:
            raise NodeError(f"asset '{rel}' cannot be read: the project has no folder yet (save it first)")
        full = (self.project_dir / p).resolve()
        root = self.project_dir.resolve()
        if root not in full.parents and full != root:
            raise NodeError(f"asset path '{rel}' leaves the project folder")
        if not full.is_file():
            raise NodeError(f"asset '{rel}' not found in the project folder")
        from nodes.datafiles import regular_file_size   # the one read guard (it imports this module)

        try:
            regular_file_size(full, what=f"asset '{rel}'")
        except OSError as e:
            raise NodeError(str(e)) from None
        return full

    def cached(self, key: tuple, make: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


class NodeType:
    """Base class of every node type. Subclasses set the class attributes and override the rules."""

    type_id: ClassVar[str] = ""
    version: ClassVar[int] = 1
    title: ClassVar[str] = ""
    category: ClassVar[str] = ""  # sensors | dsp | model | quantize | outputs
    doc: ClassVar[str] = ""
    inputs: ClassVar[Sequence[Port]] = ()
    outputs: ClassVar[Sequence[Port]] = ()
    params: ClassVar[Sequence[Param]] = ()
    kernel: ClassVar[str | None] = None  # the C pair in codegen/runtime/ that runs it
    role: ClassVar[Role] = Role.STREAM
    # the property that must equal the sample rate of the stream arriving at the node (e.g. a
    # filter's design rate); validation checks it
    sample_rate_param: ClassVar[str | None] = None
    reports_result: ClassVar[bool] = False   # a result node driven by the firmware's one result per inference
    plays_recording: ClassVar[bool] = False  # a sensor that plays a recorded file (``load_samples``) on any board
    prints_events: ClassVar[bool] = False    # a result node whose ``events`` the firmware prints (alerts)
    optimization_step: ClassVar[str] = ""    # what Optimize does for a pass-through node: "prune" | "int8"
    # measured instructions per op of the node's kernel ÷ the core's average (calibrated on the
    # emulated M4F: studio.core.latency_calibration, bench/bench_latency.py); 1.0 = the average
    ops_weight: ClassVar[float] = 1.0
    # the node has a fixed-point kernel (and reference) that runs on cores without an FPU; then
    # ``fixed_ops_weight`` calibrates its cost() ops there as ``ops_weight`` does for float
    fixed_point: ClassVar[bool] = False
    fixed_ops_weight: ClassVar[float] = 1.0
    # the fixed-point output's signal-to-error ratio against the float reference, measured in a
    # bench, and on what; validation states it (``fixed_point_snr``) where the node runs fixed point
    fixed_snr_db: ClassVar[float | None] = None
    fixed_snr_source: ClassVar[str] = ""
    # what the two axes of the node's output mean, for plots of the features (e.g. frame, coefficient)
    feature_axes: ClassVar[tuple[str, str] | None] = None
    records_audio: ClassVar[bool] = False    # a sensor of sound: imported clips at another rate are resampled

    # ---- properties -------------------------------------------------------------------------
    @classmethod
    def param(cls, name: str) -> Param:
        for p in cls.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in cls.params) or "none"
        raise NodeError(f"{cls.title} has no property '{name}' (it has: {known})")

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, list) else p.default) for p in cls.params}

    @classmethod
    def check_props(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults filled in, each value coerced; unknown names refused."""
        out = cls.defaults()
        for name, value in props.items():
            out[name] = cls.param(name).coerce(value)
        return out

    @classmethod
    def migrate(cls, props: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Turns the properties of an older saved version into this version's. Default: unchanged."""
        return props

    @classmethod
    def input_port(cls, name: str) -> Port:
        for p in cls.inputs:
            if p.name == name:
                return p
        raise NodeError(f"{cls.title} has no input '{name}'")

    @classmethod
    def output_port(cls, name: str) -> Port:
        for p in cls.outputs:
            if p.name == name:
                return p
        raise NodeError(f"{cls.title} has no output '{name}'")

    # ---- rules ----------------------------------------------------------------------------------
    def infer(self, inputs: Mapping[str, TensorSpec], p: Mapping[str, Any],
              ctx: NodeContext) -> dict[str, TensorSpec]:
        """The shape rule: output specs from input specs. Raises NodeError (with ``port``)."""
        raise NotImplementedError

    def cost(self, inputs: Mapping[str, TensorSpec], outputs: Mapping[str, TensorSpec],
             p: Mapping[str, Any], ctx: NodeContext) -> Cost:
        return Cost()

    def sensor_kinds(self, p: Mapping[str, Any]) -> tuple[str, ...]:
        """What a sensor node measures (``studio.core.sensor_parts.KINDS``), in the order of its
        sample's values; () for a node that reads no sensor (a replay plays a file)."""
        return ()

    def labels(self, p: Mapping[str, Any], ctx: NodeContext) -> list[str] | None:
        """Class labels this node produces, if it knows them (model, outputs pass them on)."""
        return None

    def check_labels(self, p: Mapping[str, Any], labels: Sequence[str]) -> None:
        """Raises NodeError when the labels arriving at the node do not fit its properties."""
        return None

    def warnings(self, p: Mapping[str, Any], ctx: NodeContext) -> list[str]:
        """Problems worth a warning that do not stop the pipeline."""
        return []

    def fixed_point_snr(self, p: Mapping[str, Any]) -> tuple[float, str] | None:
        """(SNR in dB against float, what it was measured on) of the fixed-point kernel as set."""
        return (self.fixed_snr_db, self.fixed_snr_source) if self.fixed_snr_db is not None else None

    # ---- the host reference -------------------------------------------------------------------
    def reference(self, inputs: Mapping[str, np.ndarray], p: Mapping[str, Any],
                  state: RunState | None = None) -> dict[str, np.ndarray]:
        """The numpy truth the device's C must match: output arrays by port from input arrays by
        port. Default: a one-in/one-out node applies ``transform`` to its single input."""
        if len(self.inputs) != 1 or len(self.outputs) != 1:
            raise NodeError(f"{self.title} has no numpy reference")
        x = inputs[self.inputs[0].name]
        return {self.outputs[0].name: np.asarray(self.transform(x, p, state or RunState()), dtype=np.float32)}

    def events(self, result: np.ndarray, p: Mapping[str, Any], labels: Sequence[str]) -> list[dict]:
        """The protocol messages (beside the inference line) a result node prints for a sequence of
        results (N, classes), as the firmware prints them. Default: none."""
        return []

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        """The numpy reference of a one-in/one-out node on one array (see ``RunState`` for its shape)."""
        raise NodeError(f"{self.title} has no numpy reference, so it cannot run on the host")


REGISTRY: dict[str, type[NodeType]] = {}


def register(cls: type[NodeType]) -> type[NodeType]:
    if not cls.type_id or "." not in cls.type_id:
        raise ValueError(f"{cls.__name__}: type_id must be '<category>.<name>'")
    if cls.type_id in REGISTRY and REGISTRY[cls.type_id] is not cls:
        raise ValueError(f"duplicate node type id {cls.type_id}")
    if not cls.category:
        cls.category = cls.type_id.split(".", 1)[0]
    REGISTRY[cls.type_id] = cls
    return cls


def node_type(type_id: str) -> type[NodeType]:
    from nodes import load_catalogue

    load_catalogue()
    try:
        return REGISTRY[type_id]
    except KeyError:
        raise NodeError(f"unknown node type '{type_id}' (this version of TinyML Studio does not know it)") from None


def catalogue() -> list[type[NodeType]]:
    from nodes import load_catalogue

    load_catalogue()
    return sorted(REGISTRY.values(), key=lambda c: (CATEGORY_ORDER.index(c.category)
                                                     if c.category in CATEGORY_ORDER else 99, c.title))


CATEGORY_ORDER = ["sensors", "dsp", "model", "quantize", "outputs"]


def single_input(inputs: Mapping[str, TensorSpec], name: str = "in") -> TensorSpec:
    spec = inputs.get(name)
    if spec is None:
        raise NodeError(f"input '{name}' is not connected", port=name)
    return spec


def require_dtype(spec: TensorSpec, allowed: Sequence[str], port: str = "in") -> None:
    if spec.dtype not in allowed:
        raise NodeError(f"input '{port}' is {spec.dtype}, this node takes {', '.join(allowed)}", port=port)
