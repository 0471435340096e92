"""The pipeline plan: what a validated graph means, decided once.

``build_plan`` turns a graph whose nodes all checked (``validate`` calls it and puts the result on
the report as ``report.plan``) into a frozen ``PipelinePlan``: every node as a ``PlanStage`` in
data-flow order with its declared role (``nodes.base.Role``), the mode it runs in on the device
(``nodes.base.Mode``), its checked properties, its input and output tensors and, per input, the
(node, port) that makes those values on the device (optimization nodes pass values through). The
plan also names the sensor, the window, the model, the (node, port) whose scores the outputs
report and the labels of that result, and what each sensor node reads on the board (``PlanSensor``,
resolved by ``studio.core.sensor_check``).

Codegen, the host executor (``studio.core.host``), training features, evaluation, optimization and
the editor read the plan; none of them walks the graph or names a node type.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from nodes.base import Mode, NodeError, NodeType, Role, TensorSpec
from studio.core.graph import Graph


class PlanError(Exception):
    """The graph checks node by node but is not one pipeline the device can run; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PlanStage:
    node_id: str
    type_id: str
    role: Role
    mode: Mode
    node_class: type[NodeType] = field(repr=False, compare=False)
    props: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, TensorSpec] = field(default_factory=dict)
    outputs: Mapping[str, TensorSpec] = field(default_factory=dict)
    sources: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # input port -> device (node, port)
    labels: tuple[str, ...] = ()          # the labels arriving at the node
    ok: bool = True                       # False: the node (or what feeds it) has an error in the report
    arithmetic: str = "float"             # "float" or "fixed" (nodes.base.arithmetic_for the board)

    @property
    def node(self) -> NodeType:
        return self.node_class()


# where a sensor node's samples come from on the device (``studio.core.sensor_check``)
DRIVER, REPLAY, HOST_STREAM = "driver", "replay", "host-stream"


@dataclass(frozen=True)
class PlanSensor:
    """One sensor part a sensor node reads, resolved on the board (a node measuring quantities of
    two parts, e.g. humidity and pressure, has two). ``source``: ``driver`` (a generated driver reads
    ``part`` on ``bus``), ``replay`` (recorded samples embedded in the image: a Replay node, or the
    emulated board playing the project's recording) or ``host-stream`` (the host sends the samples
    over the serial link)."""

    node_id: str
    source: str
    part: str                              # a studio.core.sensor_parts id; "replay" / "host" otherwise
    bus: str                               # as the board names it (i2c1, pdm, adc...); "flash" / "serial"
    kinds: tuple[str, ...] = ()            # what the node reads from this part, in its sample's order
    address: int | None = None             # 7-bit I2C address
    driver: str = ""                       # codegen/runtime/sensors/<driver>.c
    pins: Mapping[str, str] = field(default_factory=dict)
    variant: str = ""                      # the board variant carrying this part ("" = every one)
    alternatives: tuple[str, ...] = ()     # other variants' parts of these kinds that have a driver
    external: bool = False                 # wired by the user, not on the board

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"node": self.node_id, "part": self.part, "bus": self.bus, "source": self.source,
                               "kinds": list(self.kinds)}
        if self.address is not None:
            out["address"] = self.address
        if self.driver:
            out["driver"] = self.driver
        if self.variant:
            out["variant"] = self.variant
        if self.alternatives:
            out["alternatives"] = list(self.alternatives)
        if self.external:
            out["external"] = True
        return out

    def describe(self) -> str:
        if self.source != DRIVER:
            return f"{self.node_id}: {self.source} ({', '.join(self.kinds) or 'samples'})"
        where = self.bus + (f" at 0x{self.address:02X}" if self.address is not None else "")
        extra = f", {self.variant}" if self.variant else ""
        extra += f"; other variants: {', '.join(self.alternatives)}" if self.alternatives else ""
        return (f"{self.node_id}: {', '.join(self.kinds)} from {self.part} on {where}{extra} "
                f"(driver {self.driver}{', external' if self.external else ''})")


@dataclass(frozen=True)
class PipelinePlan:
    stages: tuple[PlanStage, ...]          # data-flow order
    result: tuple[str, str] | None         # (node, port) whose scores the outputs report, on the device
    labels: tuple[str, ...]                # the labels of that result (or the pipeline's)
    sensors: tuple[PlanSensor, ...] = ()   # what each sensor node reads on the board

    def sensors_of(self, node_id: str) -> tuple[PlanSensor, ...]:
        return tuple(s for s in self.sensors if s.node_id == node_id)

    def sensor_source(self, node_id: str) -> str | None:
        """``driver``, ``replay`` or ``host-stream`` for a sensor node (None when unresolved)."""
        found = self.sensors_of(node_id)
        return found[0].source if found else None

    def stage(self, node_id: str) -> PlanStage:
        for s in self.stages:
            if s.node_id == node_id:
                return s
        raise KeyError(node_id)

    def by_role(self, role: Role) -> tuple[PlanStage, ...]:
        return tuple(s for s in self.stages if s.role is role)

    def by_mode(self, mode: Mode) -> tuple[PlanStage, ...]:
        return tuple(s for s in self.stages if s.mode is mode)

    @property
    def sensor(self) -> PlanStage | None:
        found = self.by_role(Role.SENSOR)
        return found[0] if found else None

    @property
    def window(self) -> PlanStage | None:
        found = self.by_role(Role.WINDOW)
        return found[0] if found else None

    @property
    def model(self) -> PlanStage | None:
        found = self.by_role(Role.MODEL)
        return found[0] if found else None

    @property
    def feature_source(self) -> tuple[str, str] | None:
        """The (node, port) whose output is the model's input features; without a model, what the
        firmware then reports as the scores: the result the outputs read, else the last stage's output."""
        m = self.model
        if m is not None:
            return m.sources.get(m.node_class.inputs[0].name) if m.node_class.inputs else None
        if self.result is not None:
            return self.result
        last = next((s for s in reversed(self.stages) if s.outputs), None)
        return (last.node_id, next(iter(last.outputs))) if last is not None else None

    def feature_path(self) -> tuple[PlanStage, ...]:
        """The stages from the sensor to the model's input, in order (sensor first)."""
        src = self.feature_source
        path: list[PlanStage] = []
        while src is not None:
            s = self.stage(src[0])
            path.append(s)
            first = s.node_class.inputs[0].name if s.node_class.inputs else None
            src = s.sources.get(first) if first else None
        return tuple(reversed(path))

    def after_model(self) -> tuple[PlanStage, ...]:
        """The post stages (in order) between the model and the reported result."""
        return tuple(s for s in self.stages if s.mode is Mode.POST)

    @property
    def reporting(self) -> tuple[PlanStage, ...]:
        return tuple(s for s in self.stages if s.role is Role.RESULT)


def device_source(graph: Graph, node_id: str, port: str) -> tuple[str, str]:
    """The (node, port) that makes these values on the device: pass-through (optimization) nodes
    hand the model's scores on unchanged, so the firmware reads the model's."""
    seen: set[str] = set()
    while graph.has_node(node_id) and _role(graph, node_id) is Role.PASS_THROUGH and node_id not in seen:
        seen.add(node_id)
        feeding = graph.edges_into(node_id)
        if len(feeding) != 1:
            break
        node_id, port = feeding[0].src, feeding[0].src_port
    return node_id, port


def _role(graph: Graph, node_id: str) -> Role | None:
    try:
        return graph.node(node_id).spec.role
    except NodeError:
        return None


def reported_sources(graph: Graph) -> dict[tuple[str, str], list[str]]:
    """(node, port) whose scores the reporting output nodes (``NodeType.reports_result``) read, on
    the device, with the output nodes reading each. More than one key: the outputs disagree."""
    feeding: dict[tuple[str, str], list[str]] = {}
    for node in graph.nodes:
        try:
            reports = node.spec.reports_result
        except NodeError:
            continue
        if reports:
            for e in graph.edges_into(node.id):
                feeding.setdefault(device_source(graph, e.src, e.src_port), []).append(node.id)
    return feeding


def disagreeing_outputs_message(feeding: Mapping[tuple[str, str], list[str]]) -> str | None:
    if len(feeding) <= 1:
        return None
    shown = "; ".join(f"{', '.join(dst)} read '{src}.{port}'" for (src, port), dst in feeding.items())
    return (f"the firmware reports one result per inference, but the outputs read different scores "
            f"({shown}); connect the serial and alert nodes to the same node")


def build_plan(graph: Graph, order: tuple[str, ...], specs: Mapping[tuple[str, str], TensorSpec],
               props: Mapping[str, Mapping[str, Any]], received: Mapping[str, tuple[str, ...]],
               labels: tuple[str, ...], failed: frozenset[str] = frozenset(),
               arithmetic: Mapping[str, str] | None = None,
               sensors: tuple[PlanSensor, ...] = ()) -> PipelinePlan:
    """The plan of an acyclic graph (``props``: each node's checked properties, ``received``: the
    labels arriving at each; ``arithmetic``: each node's, "float" when not given; ``failed``: nodes
    with errors, planned with ``ok`` False so that the
    parts that check can still run on the host, e.g. the features before a model exists). Raises
    PlanError for a graph that is not one pipeline: several windows or models, outputs that disagree."""
    stages: list[PlanStage] = []
    after_window: set[str] = set()
    after_model: set[str] = set()
    windows, models = [], []
    # each node's edges in and output specs, grouped once: scanning them node by node made a
    # 10,000-node graph take seconds
    edges_into: dict[str, list] = {}
    for e in graph.edges:
        edges_into.setdefault(e.dst, []).append(e)
    outputs_of: dict[str, dict[str, TensorSpec]] = {}
    for (n, port), spec in specs.items():
        outputs_of.setdefault(n, {})[port] = spec
    for node_id in order:
        node = graph.node(node_id)
        try:
            cls = node.spec
        except NodeError:
            raise PlanError(f"node '{node_id}' has an unknown type '{node.type_id}'") from None
        edges = edges_into.get(node_id, [])
        sources = {e.dst_port: device_source(graph, e.src, e.src_port) for e in edges}
        inputs = {e.dst_port: specs[(e.src, e.src_port)] for e in edges if (e.src, e.src_port) in specs}
        outputs = dict(outputs_of.get(node_id, {}))
        upstream = {e.src for e in edges}
        if upstream & after_window:
            after_window.add(node_id)
        if upstream & after_model:
            after_model.add(node_id)
        role = cls.role
        if role is Role.SENSOR:
            mode = Mode.SAMPLE
        elif role is Role.WINDOW:
            mode = Mode.WINDOW
            windows.append(node_id)
            after_window.add(node_id)
        elif role is Role.MODEL:
            mode = Mode.FRAME
            models.append(node_id)
            after_model.add(node_id)
        elif role is Role.RESULT:
            mode = Mode.RESULT
        elif role is Role.PASS_THROUGH:
            mode = Mode.NONE
        elif node_id in after_model:
            mode = Mode.POST
        else:
            first = cls.inputs[0].name if cls.inputs else None
            spec = inputs.get(first) if first else None
            mode = Mode.SAMPLE if spec is not None and len(spec.shape) == 1 else Mode.FRAME
        stages.append(PlanStage(node_id, node.type_id, role, mode, cls, dict(props.get(node_id, node.props)),
                                inputs, outputs, sources, tuple(received.get(node_id, ())),
                                ok=node_id not in failed, arithmetic=(arithmetic or {}).get(node_id, "float")))
    if len(windows) > 1:
        raise PlanError("the pipeline has more than one window node; keep one")
    if len(models) > 1:
        raise PlanError("one model per pipeline for now")
    feeding = reported_sources(graph)
    problem = disagreeing_outputs_message(feeding)
    if problem:
        raise PlanError(problem)
    result = next(iter(feeding), None)
    return PipelinePlan(tuple(stages), result, labels, sensors)
