"""Validation and budgets: the one function the editor, ``check`` and codegen all call.

``validate(graph, board, ctx)`` walks the graph in data-flow order, propagates tensor specs from
node to node, sums each node's RAM/flash/ops, turns ops into time on the board's core and compares
it all with the board's budget. It returns a frozen ``Report``; nothing here prints or raises for a
problem in the pipeline (problems are ``Issue``s).
"""
from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from nodes.base import FIXED, Cost, NodeContext, NodeError, TensorSpec, arithmetic_for
from nodes.datafiles import load_numeric_npy
from studio.core.boards import Board, boards
from studio.core.energy import BATTERIES, Battery, EnergyEstimate, estimate_energy
from studio.core.graph import Graph
from studio.core.latency_calibration import node_cycles
from studio.core.errors import BadInput
from nodes.base import Role
from studio.core.plan import DRIVER, PipelinePlan, PlanError, build_plan, disagreeing_outputs_message, reported_sources
from studio.core.project import Project, ProblemKind, safe_join
from studio.core.sample_source import (HOST_STREAM, HOST_STREAM_FLASH_BYTES, HOST_STREAM_KEY, REPLAY,
                                      driver_ring_bytes, driver_ring_capacity,
                                       emulated_source, host_stream_for)
from studio.core.sensor_check import SensorResolution, resolve_sensors
from studio.core.sensor_parts import BUS_GLUE_CODE_BYTES, DRIVER_RUNTIME_CODE_BYTES, PARTS, mcu_family
from studio.core.optimization import stale_int8_models

# What every firmware image carries besides the pipeline's nodes: start-up code, vector table, UART
# driver, protocol printer with its own number formatting, quantize/argmax, libc pieces. Measured
# (bench/bench_build.py, runtime-only pipeline): 2.7-2.9 KB of flash on Cortex-M4F boards, about
# 7 KB on Cortex-M0+ where float arithmetic is software; 16-148 B of data+bss (nRF52840's UART DMA
# buffer being the largest).
RUNTIME_FLASH_BYTES = {True: 3 * 1024, False: 7 * 1024}   # keyed by "the core has an FPU"
RUNTIME_RAM_BYTES = 192

# DSP runs in float32; a core without an FPU does it in software. Measured on QEMU: the KWS MFCC
# takes 148.7 M instructions compiled for Cortex-M0+ against 4.98 M with the M4F's FPU, i.e. about
# 13x the M4F-calibrated MFCC cycles (latency_calibration) scaled to an M0+ board's ops_per_cycle.
# Nodes that run fixed point there (nodes.base.arithmetic_for) do not pay it: their cost is integer
# work, calibrated by their own fixed_ops_weight.
SOFT_FLOAT_SLOWDOWN = 13.0

_DSP_ROLES = (Role.STREAM, Role.WINDOW, Role.FRAME)

RUNTIME_KEY = "(runtime)"
# the USB CDC-ACM serial port (codegen/runtime/usb/) of a board with serial_transport: usb-cdc, measured
# against the UART build (bench/bench_usb_serial.py): +3.1 KB flash on the nRF52840, +3.2 KB on the
# RP2040; +1.06 KB RAM on the nRF52840 (EasyDMA staging buffers), +0.85 KB on the RP2040
USB_SERIAL_KEY = "(usb serial)"
USB_SERIAL_COST = Cost(ram_bytes=960, flash_bytes=3150)
STACK_KEY = "(stack)"
# the firmware's stage profiler (codegen/templates/tms_profile.c.j2: its laps, the timed copy of the
# per-sample stages, the profile line), measured against builds without it: +0.9-1.05 KB of flash
# (Cortex-M4F and M0+, the four samples), +84-108 B of RAM
PROFILE_KEY = "(stage profile)"
PROFILE_COST = Cost(ram_bytes=96, flash_bytes=1000)


class Severity(str, Enum):
    """How bad an issue is; a str so ``issue.severity == "error"`` reads as it always has."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Issue:
    severity: Severity
    node: str | None
    message: str
    port: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "severity", Severity(self.severity))

    def to_json(self) -> dict[str, Any]:
        return {"severity": self.severity.value, "node": self.node, "port": self.port, "message": self.message}


@dataclass(frozen=True)
class Budget:
    used_bytes: int
    budget_bytes: int
    by_node: Mapping[str, int]

    @property
    def fraction(self) -> float:
        return self.used_bytes / self.budget_bytes if self.budget_bytes else float("inf")

    @property
    def over(self) -> bool:
        return self.used_bytes > self.budget_bytes

    def to_json(self) -> dict[str, Any]:
        return {"used_bytes": self.used_bytes, "budget_bytes": self.budget_bytes,
                "by_node": dict(self.by_node)}


@dataclass(frozen=True)
class Latency:
    window_us: float          # work done per inference window (all nodes, scaled to the window rate)
    period_us: float          # time between inference windows (0 when there is no window rate)
    by_node_us: Mapping[str, float]
    utilization: float        # window_us / period_us

    def to_json(self) -> dict[str, Any]:
        return {"window_us": round(self.window_us, 3), "period_us": round(self.period_us, 3),
                "utilization": round(self.utilization, 4),
                "by_node_us": {k: round(v, 3) for k, v in self.by_node_us.items()}}


@dataclass(frozen=True)
class Report:
    board: Board
    issues: tuple[Issue, ...]
    ram: Budget
    flash: Budget
    latency: Latency
    energy: EnergyEstimate | None
    order: tuple[str, ...]
    specs: Mapping[tuple[str, str], TensorSpec]
    costs: Mapping[str, Cost]
    labels: tuple[str, ...] = ()   # what the output nodes receive (see ``validate``)
    elapsed_ms: float = 0.0
    node_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # labels of each node's output
    # what the graph means (``studio.core.plan``); stages with errors are planned with ``ok`` False;
    # None when the graph is not one pipeline (``plan_problem`` says why)
    plan: PipelinePlan | None = None
    plan_problem: str = ""

    @property
    def ok(self) -> bool:
        return not any(i.severity is Severity.ERROR for i in self.issues)

    def issues_for(self, node_id: str) -> list[Issue]:
        return [i for i in self.issues if i.node == node_id]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "board": self.board.id,
            "ram": self.ram.to_json(),
            "flash": self.flash.to_json(),
            "latency": self.latency.to_json(),
            "energy": self.energy.to_json() if self.energy else {},
            "issues": [i.to_json() for i in self.issues],
            "sensors": [s.to_json() for s in (self.plan.sensors if self.plan is not None else ())],
            "order": list(self.order),
            "labels": list(self.labels),
            "tensors": {f"{n}.{p}": {"shape": list(s.shape), "dtype": s.dtype, "rate_hz": s.rate_hz}
                        for (n, p), s in sorted(self.specs.items())},
        }


def _int8_would_fit(name: str, budget: Budget, costs: Mapping[str, Cost]) -> list[Issue]:
    """A float model over budget that int8 quantization would bring inside it: say so, with the
    bytes int8 saves (the model node's cost detail carries them)."""
    key = "int8_ram_saving_bytes" if name == "RAM" else "int8_flash_saving_bytes"
    out = []
    for node_id, cost in costs.items():
        saving = int(cost.detail.get(key, 0)) if cost.detail.get("float_model") else 0
        if saving > 0 and budget.used_bytes - saving <= budget.budget_bytes:
            out.append(Issue("info", node_id, f"this float32 model fits once quantized to int8: int8 "
                             f"saves {saving} bytes of {name} (add a Quantize int8 node, or convert "
                             "with full-integer post-training quantization)"))
    return out


def validate(graph: Graph, board: Board, ctx: NodeContext | None = None,
             battery: Battery | None = None, extra_issues: tuple[Issue, ...] = (),
             extra_costs: Mapping[str, Cost] | None = None, recording_name: str = "",
             sensors: SensorResolution | None = None) -> Report:
    """``extra_costs`` are parts of the image that are not nodes (e.g. the recording an emulated
    board plays), listed in the budgets under their own key; ``recording_name`` names that
    recording in an overflow message; ``sensors``: what each sensor node reads on the board
    (``studio.core.sensor_check``; resolved here, without an emulated recording, when not given)."""
    start = time.perf_counter()
    ctx = ctx or NodeContext(board=board.info())
    if ctx.board is None:
        ctx.board = board.info()
    issues: list[Issue] = list(extra_issues)
    order, cyclic = graph.topological_order()
    for node_id in cyclic:
        issues.append(Issue("error", node_id, "this node is part of a cycle; data must flow one way"))

    into: dict[str, list] = {n.id: [] for n in graph.nodes}
    out_count: dict[str, int] = {n.id: 0 for n in graph.nodes}
    for e in graph.edges:
        if e.dst in into:
            into[e.dst].append(e)
        if e.src in out_count:
            out_count[e.src] += 1

    specs: dict[tuple[str, str], TensorSpec] = {}
    costs: dict[str, Cost] = {}
    failed: set[str] = set(cyclic)
    # Labels flow along the edges: a node's output carries its own labels (a model's classes, an
    # anomaly score's name) or else those of what feeds it; each node checks the labels it receives.
    node_labels: dict[str, tuple[str, ...]] = {}
    stream_rate: dict[str, float] = {}  # sample rate of the stream a node's data came from
    checked: dict[str, dict[str, Any]] = {}             # each node's checked properties
    received_by: dict[str, tuple[str, ...]] = {}        # the labels arriving at each node
    for node_id in order:
        node = graph.node(node_id)
        try:
            spec_cls = node.spec
        except NodeError as e:
            issues.append(Issue("error", node_id, e.message))
            failed.add(node_id)
            continue
        ntype = spec_cls()
        inputs: dict[str, TensorSpec] = {}
        blocked = False
        by_port: dict[str, list] = {}
        for e in into[node_id]:
            by_port.setdefault(e.dst_port, []).append(e)
        for port in spec_cls.inputs:
            feeding = by_port.pop(port.name, [])
            if len(feeding) > 1:
                srcs = ", ".join(f"'{e.src}'" for e in feeding)
                issues.append(Issue("error", node_id, f"input '{port.name}' is fed by several nodes ({srcs}); "
                                    "keep one", port.name))
                blocked = True
                continue
            if not feeding:
                if not port.optional:
                    issues.append(Issue("error", node_id, f"input '{port.name}' is not connected", port.name))
                    blocked = True
                continue
            e = feeding[0]
            if e.src in failed:
                blocked = True
                continue
            upstream = specs.get((e.src, e.src_port))
            if upstream is None:
                issues.append(Issue("error", node_id, f"'{e.src}' has no output '{e.src_port}'", port.name))
                blocked = True
                continue
            if upstream.dtype not in port.dtypes:
                issues.append(Issue("error", node_id, f"input '{port.name}' receives {upstream.dtype} from "
                                    f"'{e.src}' but takes {'/'.join(port.dtypes)}", port.name))
                blocked = True
                continue
            inputs[port.name] = upstream
        for port_name, edges in by_port.items():
            issues.append(Issue("error", node_id, f"'{edges[0].src}' is connected to an input "
                                f"'{port_name}' this node does not have", port_name))
        if blocked:
            failed.add(node_id)
            continue
        upstream_rates = [stream_rate[e.src] for e in into[node_id] if e.src in stream_rate]
        stream_in = [s.rate_hz for s in inputs.values() if len(s.shape) == 1 and s.rate_hz]
        if stream_in or upstream_rates:
            stream_rate[node_id] = stream_in[0] if stream_in else upstream_rates[0]
        try:
            props = spec_cls.check_props(node.props)
            outputs = ntype.infer(inputs, props, ctx)
            cost = ntype.cost(inputs, outputs, props, ctx)
            own_labels = ntype.labels(props, ctx)
            rate_param = spec_cls.sample_rate_param
            if rate_param and node_id in stream_rate and \
                    abs(props[rate_param] - stream_rate[node_id]) > 1e-6 * stream_rate[node_id]:
                raise NodeError(f"{rate_param} is {props[rate_param]:g} Hz but its samples arrive at "
                                f"{stream_rate[node_id]:g} Hz from upstream; set it to {stream_rate[node_id]:g}")
            received = _received_labels(spec_cls, into[node_id], node_labels)
            if received:
                ntype.check_labels(props, received)
        except NodeError as e:
            issues.append(Issue("error", node_id, e.message, e.port))
            failed.add(node_id)
            continue
        if own_labels or received:
            node_labels[node_id] = tuple(own_labels) if own_labels else received
        for port_name, spec in outputs.items():
            specs[(node_id, port_name)] = spec
        costs[node_id] = cost
        checked[node_id] = props
        received_by[node_id] = received
        for w in ntype.warnings(props, ctx) or []:
            issues.append(Issue("warning", node_id, w))
        snr = ntype.fixed_point_snr(props) if arithmetic_for(spec_cls, ctx.board) == FIXED else None
        if snr is not None:
            issues.append(Issue("info", node_id, f"{spec_cls.title} in Q15 fixed point (the core has no FPU): "
                                f"SNR {snr[0]:.0f} dB vs float on {snr[1]}"))

    issues.extend(_structure_issues(graph, into, out_count))
    if sensors is None:
        sensors = resolve_sensors(sensor_nodes(graph, order, checked), board, None, boards().all())
    issues.extend(Issue(p.severity, p.node_id, p.message) for p in sensors.problems)

    latency = _latency(graph, board, specs, costs, ctx)
    ram_by = {n: c.ram_bytes for n, c in costs.items()}
    flash_by = {n: c.flash_bytes for n, c in costs.items()}
    for node_id, cost in driver_sensor_costs(sensors.sensors, specs, checked, order, graph, board,
                                             latency.window_us).items():
        ram_by[node_id] = ram_by.get(node_id, 0) + cost.ram_bytes
        flash_by[node_id] = flash_by.get(node_id, 0) + cost.flash_bytes
    ram_by[RUNTIME_KEY] = RUNTIME_RAM_BYTES
    ram_by[STACK_KEY] = board.stack_bytes
    flash_by[RUNTIME_KEY] = RUNTIME_FLASH_BYTES[board.fpu]
    ram_by[PROFILE_KEY], flash_by[PROFILE_KEY] = PROFILE_COST.ram_bytes, PROFILE_COST.flash_bytes
    for key, cost in (extra_costs or {}).items():
        ram_by[key] = ram_by.get(key, 0) + cost.ram_bytes
        flash_by[key] = flash_by.get(key, 0) + cost.flash_bytes
    ram = Budget(sum(ram_by.values()), board.ram_budget_bytes, ram_by)
    flash = Budget(sum(flash_by.values()), board.flash_budget_bytes, flash_by)
    for name, budget in (("RAM", ram), ("flash", flash)):
        if budget.over:
            worst = max((k for k in budget.by_node if not k.startswith("(")),
                        key=lambda k: budget.by_node[k], default=None)
            share = f"; the largest share is '{worst}' with {_kib(budget.by_node[worst])}" if worst else ""
            recording = budget.by_node.get(RECORDING_KEY, 0)
            if recording and (worst is None or recording > budget.by_node[worst]):
                # the embedded test recording, not a node, is what overflows: say so, and the way out
                named = f" '{recording_name}'" if recording_name else ""
                share = (f"; the largest share is the embedded test recording{named} (dataset.test.samples) "
                         f"with {_kib(recording)}: import the test split instead (tinyml-studio import) and "
                         "the emulated board streams it from the host at run time")
                worst = None
            issues.append(Issue("error", worst, f"the pipeline needs {_kib(budget.used_bytes)} of {name} but "
                                f"{board.name} has {_kib(budget.budget_bytes)} available{share}"))
            issues.extend(_int8_would_fit(name, budget, costs))
        elif budget.fraction > 0.9:
            issues.append(Issue("warning", None, f"{name} is {budget.fraction:.0%} full "
                                f"({_kib(budget.used_bytes)} of {_kib(budget.budget_bytes)})"))

    if latency.period_us and latency.window_us > latency.period_us:
        slowest = max(latency.by_node_us, key=latency.by_node_us.get, default=None)
        needs = (f"the pipeline needs {latency.window_us / 1000:.1f} ms per window but a new window arrives "
                 f"every {latency.period_us / 1000:.1f} ms on {board.name}")
        if extra_costs and HOST_STREAM_KEY in extra_costs:
            # the host streams the samples and waits for the board: correct results, not real time
            issues.append(Issue("warning", slowest, f"{needs}: a live sensor would outrun it; the host "
                                "stream waits for the board, so the results are still every window's"))
        else:
            issues.append(Issue("error", slowest, f"{needs}: it cannot keep up in real time"))
    elif latency.utilization > 0.8:
        issues.append(Issue("warning", None, f"the core is {latency.utilization:.0%} busy; little headroom"))

    energy = None
    if latency.period_us:
        sample_rate_hz = max((spec.rate_hz for spec in specs.values()), default=0.0)
        energy = estimate_energy(board, latency.window_us, latency.period_us, battery, sample_rate_hz)
        issues.append(Issue("info", None, energy.describe()))
        issues.extend(Issue("info", None, note) for note in energy.notes)

    issues.sort(key=lambda i: (_SEVERITY_RANK[i.severity],
                               order.index(i.node) if i.node in order else len(order)))
    labels = _result_labels(graph, order, into, node_labels)
    plan, plan_problem = None, ""
    if cyclic:
        plan_problem = "the graph has a cycle"
    else:
        try:
            arithmetic = {n: arithmetic_for(graph.node(n).spec, ctx.board) for n in checked}
            plan = build_plan(graph, tuple(order), specs, checked, received_by, labels, frozenset(failed),
                              arithmetic, sensors.sensors)
        except PlanError as e:
            plan_problem = e.message
    return Report(board, tuple(issues), ram, flash, latency, energy, tuple(order), specs, costs,
                  labels, (time.perf_counter() - start) * 1000.0,
                  node_labels=node_labels, plan=plan, plan_problem=plan_problem)


def _received_labels(spec_cls, edges: list, node_labels: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The labels arriving at a node: those of the first of its input ports (in declared order)
    whose source has labels."""
    by_port = {e.dst_port: e.src for e in edges}
    for port in spec_cls.inputs:
        src = by_port.get(port.name)
        if src in node_labels:
            return node_labels[src]
    return ()


def _result_labels(graph: Graph, order: list[str], into: dict, node_labels: Mapping[str, tuple[str, ...]]
                   ) -> tuple[str, ...]:
    """The pipeline's labels: what the first output node (in data-flow order) receives, else the
    labels of the last node that has some."""
    for node_id in order:
        if _role(graph.node(node_id)) is Role.RESULT:
            for e in into[node_id]:
                if e.src in node_labels:
                    return node_labels[e.src]
    last = [n for n in order if n in node_labels]
    return node_labels[last[-1]] if last else ()


def _structure_issues(graph: Graph, into: dict, out_count: dict) -> list[Issue]:
    issues = []
    nodes = graph.nodes
    if not nodes:
        return [Issue("warning", None, "the pipeline is empty: add a sensor from the palette")]
    categories = {}
    for n in nodes:
        try:
            categories[n.id] = n.spec.category
        except NodeError:
            categories[n.id] = n.type_id.split(".", 1)[0]
    if "sensors" not in categories.values():
        issues.append(Issue("error", None, "the pipeline has no sensor: every pipeline starts with one"))
    if "outputs" not in categories.values():
        issues.append(Issue("warning", None, "the pipeline has no output node: results go nowhere"))
    feeding = reported_sources(graph)
    problem = disagreeing_outputs_message(feeding)
    if problem:
        issues.extend(Issue("error", out, problem) for outs in feeding.values() for out in outs)
    for n in nodes:
        if len(nodes) > 1 and not into[n.id] and not out_count[n.id]:
            issues.append(Issue("warning", n.id, "this node is not connected to anything"))
            continue
        try:
            has_outputs = bool(n.spec.outputs)
        except NodeError:
            continue
        if categories[n.id] != "outputs" and has_outputs and not out_count[n.id]:
            issues.append(Issue("warning", n.id, "nothing uses this node's output"))
    return issues


def _latency(graph: Graph, board: Board, specs: Mapping[tuple[str, str], TensorSpec],
             costs: Mapping[str, Cost], ctx: NodeContext) -> Latency:
    """Per-node time per inference window: the node's cycles (``latency_calibration``) × (node rate /
    window rate) ÷ clock."""
    node_rate: dict[str, float] = {}
    for (node_id, _port), spec in specs.items():
        node_rate[node_id] = max(node_rate.get(node_id, 0.0), spec.rate_hz)
    rates = [r for r in node_rate.values() if r > 0]
    window_rate = min(rates) if rates else 0.0
    by_node: dict[str, float] = {}
    for node_id, cost in costs.items():
        rate = node_rate.get(node_id, window_rate)
        per_window = rate / window_rate if window_rate else 1.0
        # DSP (the stream, window and frame nodes) runs in float32, except where it runs fixed point
        spec = graph.node(node_id).spec
        arithmetic = arithmetic_for(spec, ctx.board)
        float_dsp = _role(graph.node(node_id)) in _DSP_ROLES and arithmetic != FIXED
        slowdown = SOFT_FLOAT_SLOWDOWN if not board.fpu and float_dsp else 1.0
        cycles = node_cycles(spec, cost, board.ops_per_cycle, arithmetic)
        by_node[node_id] = cycles * per_window * slowdown / board.clock_hz * 1e6
    window_us = sum(by_node.values())
    period_us = 1e6 / window_rate if window_rate else 0.0
    return Latency(window_us, period_us, by_node, window_us / period_us if period_us else 0.0)


def _kib(n: int) -> str:
    return f"{n / 1024:.1f} KiB"


# Model summaries and other per-file analyses, keyed by content hash: shared by every validation
# in the process so live validation in the editor reads a model once.
_ANALYSIS_CACHE: dict = {}


def validate_project(project: Project, board: Board | None = None) -> Report:
    """The entry point the CLI, the editor and codegen use: the project's board unless another is
    given, its assets checked, its battery for the energy estimate. On an emulated board a live
    sensor plays the project's recorded test samples, which then count in flash."""
    board = board or boards().get(project.board_id)
    ctx = NodeContext(project.dir, board.info(), cache=_ANALYSIS_CACHE)
    extra = tuple(Issue(Severity.WARNING if p.kind is ProblemKind.CHANGED else Severity.ERROR, None, p.message)
                  for p in project.asset_problems())
    if project.battery not in BATTERIES:
        extra += (Issue("warning", None, f"unknown battery '{project.battery}'; known: "
                        f"{', '.join(BATTERIES)}"),)
    extra_costs: dict[str, Cost] = {}
    if board.serial_transport == "usb-cdc":
        extra_costs[USB_SERIAL_KEY] = USB_SERIAL_COST
    recording_name = ""
    feed = emulated_source(project.dataset) if board.emulated else None
    sensors = resolve_sensors(sensor_nodes(project.graph), board, feed, boards().all())
    streamed = sensors.host_stream_nodes
    if streamed:
        # the host streams the samples at run time: a block buffer, no recording. The emulated board
        # streams the imported test split as imported; a host-stream node, the values it emits
        stream = (host_stream_for(project.dataset) if feed == HOST_STREAM and not _streams_by_node(project, streamed)
                  else host_stream_for(None, _sample_values(project.graph, streamed[0], ctx)))
        extra_costs[HOST_STREAM_KEY] = Cost(ram_bytes=stream.ram_bytes, flash_bytes=HOST_STREAM_FLASH_BYTES)
    played = [s.node_id for s in sensors.sensors
              if s.source == REPLAY and not project.graph.node(s.node_id).spec.plays_recording]
    live_without_feed = board.emulated and feed is None and _live_nodes_without_part(project.graph, sensors)
    if played or live_without_feed:
        try:
            shape = recording_shape(project)
            extra_costs[RECORDING_KEY] = Cost(flash_bytes=4 * int(np.prod(shape)))
            recording_name = str(project.dataset["test"]["samples"])
        except BadInput as e:
            extra += tuple(Issue("error", n, f"the emulated board has no live sensors: {e.message}")
                           for n in (played or live_without_feed))
    extra += tuple(Issue("warning", node_id, message) for node_id, message in stale_int8_models(project.graph, ctx))
    return validate(project.graph, board, ctx, BATTERIES.get(project.battery), extra, extra_costs,
                    recording_name=recording_name, sensors=sensors)


def driver_sensor_costs(sensors, specs, checked, order, graph: Graph, board: Board,
                        busy_us: float) -> dict[str, Cost]:
    """What a driver-fed sensor adds to its node beyond the node's own cost: RAM for its driver's
    struct and its sample ring (``driver_ring_capacity``: what arrives during one window's busy time),
    flash for its driver, its bus glue and the ring's runtime."""
    out: dict[str, Cost] = {}
    for s in sensors:
        spec = specs.get((s.node_id, "out"))
        if s.source != DRIVER or spec is None:
            continue
        part = PARTS.get(s.part)
        capacity = driver_ring_capacity(spec.rate_hz, busy_us, window_hop(graph, order, checked))
        glue = BUS_GLUE_CODE_BYTES.get(part.bus if part else "", {}).get(mcu_family(board.mcu), 0)
        out[s.node_id] = Cost(ram_bytes=driver_ring_bytes(capacity, spec.elements)
                              + (part.driver_state_bytes if part else 64),
                              flash_bytes=(part.driver_code_bytes if part else 0) + glue
                              + DRIVER_RUNTIME_CODE_BYTES)
    return out


def window_hop(graph: Graph, order, checked) -> int | None:
    """The hop of the pipeline's window node, in samples (None without one)."""
    for node_id in order:
        node = graph.node(node_id)
        if _role(node) is Role.WINDOW and "hop" in checked.get(node_id, {}):
            return int(checked[node_id]["hop"])
    return None


def sensor_nodes(graph: Graph, order: list[str] | None = None,
                 checked: Mapping[str, Mapping[str, Any]] | None = None) -> list[tuple[str, Any, Mapping[str, Any]]]:
    """(id, node class, checked properties) of every sensor node whose properties check, in data-flow
    order (``order``) or the graph's; ``checked``: properties already checked by ``validate``."""
    out = []
    ids = order if order is not None else [n.id for n in graph.nodes]
    for node_id in ids:
        node = graph.node(node_id)
        if _role(node) is not Role.SENSOR:
            continue
        if checked is not None:
            if node_id in checked:
                out.append((node_id, node.spec, checked[node_id]))
            continue
        try:
            out.append((node_id, node.spec, node.spec.check_props(node.props)))
        except NodeError:
            continue   # validate reports the bad property
    return out


def _streams_by_node(project: Project, nodes: tuple[str, ...]) -> bool:
    """A node set to host-stream (rather than the emulated board streaming its imported split)."""
    return any(project.graph.node(n).props.get("source") == HOST_STREAM for n in nodes)


def _sample_values(graph: Graph, node_id: str, ctx: NodeContext) -> int:
    """Values per sample a sensor node emits (what a host stream carries for it)."""
    node = graph.node(node_id)
    try:
        return node.spec().infer({}, node.spec.check_props(node.props), ctx)["out"].elements
    except (NodeError, KeyError):
        return 1


def _live_nodes_without_part(graph: Graph, sensors: SensorResolution) -> list[str]:
    """Live sensor nodes the emulated board resolved to nothing (no part, no recording to play)."""
    resolved = {s.node_id for s in sensors.sensors}
    return [n.id for n in graph.nodes if _role(n) is Role.SENSOR and not n.spec.plays_recording
            and n.id not in resolved]


RECORDING_KEY = "(recording)"


def _role(node) -> Role | None:
    try:
        return node.spec.role
    except NodeError:
        return None


def recording_path(project: Project) -> Path:
    """The project's recorded test samples (dataset.test.samples, a .npy of samples × channels)
    that an emulated board plays in place of a live sensor."""
    rel = (project.dataset.get("test") or {}).get("samples") if isinstance(project.dataset, dict) else None
    if not rel or not isinstance(rel, str):
        raise BadInput("use a Replay sensor, or give the project a dataset with recorded test samples")
    if project.dir is None:
        raise BadInput("save the project first: its recording is read from the project folder")
    path = safe_join(project.dir, rel)
    if path.suffix != ".npy" or not path.is_file():
        raise BadInput(f"the recording '{rel}' must be a .npy file in the project folder")
    return path


def _recording(project: Project, mmap: bool) -> np.ndarray:
    path = recording_path(project)
    try:
        arr = load_numeric_npy(path, "recording", mmap=mmap)
    except NodeError as e:
        raise BadInput(e.message) from None
    if arr.ndim != 2:
        raise BadInput(f"the recording '{path.name}' must be samples × channels, not shape {arr.shape}")
    return arr


def recording_shape(project: Project) -> tuple[int, ...]:
    """Read from the .npy header only (memory-mapped), so live validation stays cheap."""
    return tuple(int(d) for d in _recording(project, mmap=True).shape)


def load_recording(project: Project) -> np.ndarray:
    return np.asarray(_recording(project, mmap=False), dtype=np.float32)
