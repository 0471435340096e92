"""Which part each sensor node reads on a board, and whether the firmware can read it.

``resolve_sensors`` turns every sensor node of a graph into ``PlanSensor`` entries (the plan carries
them: ``studio.core.plan``; ``check --json`` lists them) and the problems a user must fix:

- a Replay node plays its file (``replay``) on any board;
- ``source: host-stream``: the host sends the samples over the board's serial link, on any board;
- ``source: external``: the part the user wired (``part`` on ``bus`` at ``address``), from the
  catalogue's external parts (``studio.core.sensor_parts``);
- ``source: board``: the board's own parts of the kinds the node measures (``NodeType.sensor_kinds``),
  from its profile; on the emulated board a kind no emulated part provides plays the project's
  recording or streams its imported test split (``studio.core.sample_source``).

A sensor the board does not have, or a part without a driver for the board's MCU family, is an
error naming the sensor and the ways out: a board that has it, an external part, or host-stream.
Qt-free; validation (``studio.core.validate``) calls it and turns the problems into issues.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from nodes.base import NodeType
from studio.core.boards import Board, BoardSensor
from studio.core.plan import DRIVER, HOST_STREAM, REPLAY, PlanSensor
from studio.core.sensor_parts import PARTS, SensorPart, external_parts, mcu_family

HOST_PART, HOST_BUS = "host", "serial"
REPLAY_PART, REPLAY_BUS = "replay", "flash"
# kinds read only through the board's own part for now (no node source property, no driver yet):
# a board without one keeps today's behaviour (a stage of zeros) with a warning, not an error
_WARN_ONLY_KINDS = ("camera",)


@dataclass(frozen=True)
class SensorProblem:
    severity: str          # "error" | "warning"
    node_id: str
    message: str


@dataclass(frozen=True)
class SensorResolution:
    sensors: tuple[PlanSensor, ...]
    problems: tuple[SensorProblem, ...]

    @property
    def host_stream_nodes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.node_id for s in self.sensors if s.source == HOST_STREAM))


def resolve_sensors(nodes: Iterable[tuple[str, type[NodeType], Mapping[str, Any]]], board: Board,
                    emulated_feed: str | None = None, catalogue: Iterable[Board] = ()) -> SensorResolution:
    """``nodes``: (node id, node class, checked properties) of the graph's sensor nodes in data-flow
    order; ``emulated_feed``: what the emulated board's live sensors play (``sample_source``:
    ``replay``, ``host-stream`` or None); ``catalogue``: the boards named as alternatives."""
    sensors: list[PlanSensor] = []
    problems: list[SensorProblem] = []
    for node_id, cls, props in nodes:
        found, issues = _resolve(node_id, cls, props, board, emulated_feed, tuple(catalogue))
        issues += _too_fast(node_id, props, found)
        sensors += found
        problems += issues
    return SensorResolution(tuple(sensors), tuple(problems))


def _too_fast(node_id: str, props: Mapping[str, Any], found: list[PlanSensor]) -> list[SensorProblem]:
    """A rate above what a driver-read part can deliver (its fastest output data rate)."""
    rate = props.get("rate_hz")
    out = []
    for s in found:
        part = PARTS.get(s.part) if s.source == DRIVER else None
        if part is not None and part.max_rate_hz and rate and float(rate) > part.max_rate_hz:
            out.append(SensorProblem("error", node_id, f"{part.name} delivers at most {part.max_rate_hz:g} Hz, "
                                     f"not {float(rate):g} Hz: lower 'rate_hz' (add a downsample or resample "
                                     "stage if the model needs the rate), or wire a faster part"))
    return out


def _resolve(node_id: str, cls: type[NodeType], props: Mapping[str, Any], board: Board, feed: str | None,
             catalogue: tuple[Board, ...]) -> tuple[list[PlanSensor], list[SensorProblem]]:
    if cls.plays_recording:
        return [PlanSensor(node_id, REPLAY, REPLAY_PART, REPLAY_BUS)], []
    kinds = tuple(cls().sensor_kinds(props))
    source = props.get("source", "board")
    if source == "host-stream":
        return [PlanSensor(node_id, HOST_STREAM, HOST_PART, HOST_BUS, kinds)], []
    if source == "external":
        return _external(node_id, kinds, props, board, catalogue)
    chosen_part = props.get("part", "")
    if board.emulated:
        on_board = _board_parts(node_id, kinds, board, catalogue, chosen_part) if kinds else ([], [])
        if on_board[0] and not on_board[1]:
            return on_board
        if feed == HOST_STREAM:
            return [PlanSensor(node_id, HOST_STREAM, HOST_PART, HOST_BUS, kinds)], []
        if feed == REPLAY:
            return [PlanSensor(node_id, REPLAY, REPLAY_PART, REPLAY_BUS, kinds)], []
        return [], []   # validation says the emulated board has nothing to play (studio.core.validate)
    if not kinds:
        return [], []   # a sensor node that names no kind (a test source) reads nothing on a board
    found, problems = _board_parts(node_id, kinds, board, catalogue, chosen_part)
    if kinds == ("adc",) and found:
        problems += _adc_input(node_id, props, board, found[0])
        found = found if not problems else []
    if any(k in _WARN_ONLY_KINDS for k in kinds):
        problems = [SensorProblem("warning", p.node_id, p.message + "; until then the firmware's camera stage "
                                  "feeds zeros") for p in problems]
    return found, problems


def _board_parts(node_id: str, kinds: tuple[str, ...], board: Board, catalogue: tuple[Board, ...],
                 wanted: str = "") -> tuple[list[PlanSensor], list[SensorProblem]]:
    """The board's own parts for ``kinds``: each kind from the first part with a driver for the
    board's MCU family, a part already chosen for an earlier kind first; ``wanted``: the node's
    ``part``, one of the board's own (e.g. the Rev2 part of a board with variants) where it has it."""
    family = mcu_family(board.mcu)
    chosen: dict[str, tuple[BoardSensor, list[str]]] = {}   # part -> (its entry, kinds it serves)
    for kind in kinds:
        entries = board.sensors_of(kind)
        if not entries:
            return [], [SensorProblem("error", node_id, _missing(kind, board, catalogue))]
        if wanted and not board.emulated:
            if wanted not in {e.part for e in board.sensors}:
                own = ", ".join(dict.fromkeys(e.part for k in kinds for e in board.sensors_of(k)))
                return [], [SensorProblem(
                    "error", node_id, f"{board.name} has no part '{wanted}' (its {' and '.join(kinds)}: {own}); "
                    "clear 'part' for the board's own, or set source to 'external' for a part you wired")]
            entries = tuple(e for e in entries if e.part == wanted) or entries
        reuse = next((e for e in entries if e.part in chosen), None)
        if reuse is not None:
            chosen[reuse.part][1].append(kind)
            continue
        usable = [e for e in entries if _driver(e.part, family)]
        if not usable:
            parts = ", ".join(dict.fromkeys(e.part for e in entries))
            return [], [SensorProblem("error", node_id, _no_driver(kind, parts, board, catalogue))]
        chosen[usable[0].part] = (usable[0], [kind])
    out, problems = [], []
    for part_id, (entry, served) in chosen.items():
        others = [e for k in served for e in board.sensors_of(k)
                  if e.variant and e.variant != entry.variant and e.part not in chosen]
        with_driver = tuple(dict.fromkeys(e.part for e in others if _driver(e.part, family)))
        for e in others:
            if not _driver(e.part, family):
                other = PARTS[e.part].name if e.part in PARTS else e.part
                problems.append(SensorProblem(
                    "warning", node_id, f"{board.name} {e.variant} carries {other} "
                    f"for {e.kind}, which has no driver yet: the firmware reads {PARTS[part_id].name} "
                    f"({entry.variant or 'every variant'}) only"))
        out.append(PlanSensor(node_id, DRIVER, part_id, entry.bus, tuple(served), entry.address,
                              _driver(part_id, family) or "", dict(entry.pins), entry.variant, with_driver))
    return out, _unique(problems)


def _adc_input(node_id: str, props: Mapping[str, Any], board: Board, sensor: PlanSensor) -> list[SensorProblem]:
    """An ADC node's ``channel`` must be one of the inputs the board brings out (``adcN`` pins)."""
    inputs = {k: v for k, v in sensor.pins.items() if k.startswith("adc")}
    channel = props.get("channel", 0)
    if not inputs or f"adc{channel}" in inputs:
        return []
    shown = ", ".join(f"{k[3:]} ({v})" for k, v in sorted(inputs.items()))
    return [SensorProblem("error", node_id, f"{board.name} has no ADC input {channel}; its inputs are {shown}: "
                          "set 'channel' to one of them")]


def _external(node_id: str, kinds: tuple[str, ...], props: Mapping[str, Any], board: Board,
              catalogue: tuple[Board, ...]) -> tuple[list[PlanSensor], list[SensorProblem]]:
    family = mcu_family(board.mcu)
    part_id = props.get("part", "")
    wanted = " and ".join(kinds)
    if not part_id:
        return [], [SensorProblem("error", node_id, f"source is 'external': set 'part' to the part you wired "
                                  f"({_external_choices(kinds, family)})")]
    part = PARTS.get(part_id)
    if part is None or not part.external:
        return [], [SensorProblem("error", node_id, f"'{part_id}' is not a part you can wire to a board "
                                  f"(external parts for {wanted}: {_external_choices(kinds, family)})")]
    missing = [k for k in kinds if k not in part.kinds]
    if missing:
        return [], [SensorProblem("error", node_id, f"{part.name} does not measure {', '.join(missing)} "
                                  f"(external parts for {wanted}: {_external_choices(kinds, family)})")]
    driver = part.driver_for(family)
    if driver is None:
        return [], [SensorProblem("error", node_id, f"{part.name} has no driver for {board.name} ({board.mcu}) "
                                  f"yet; {_options(kinds, board, catalogue)}")]
    bus = props.get("bus", "") or _default_bus(part)
    address = props.get("address", 0) or part.default_address
    if part.bus == "i2c" and address not in part.addresses:
        known = ", ".join(f"0x{a:02X}" for a in part.addresses)
        return [], [SensorProblem("error", node_id, f"{part.name} answers at {known}, not 0x{address:02X}; "
                                  "set 'address' to one of those (0 = the default)")]
    return [PlanSensor(node_id, DRIVER, part.id, bus, kinds, address if part.bus == "i2c" else None, driver,
                       external=True)], []


def _default_bus(part: SensorPart) -> str:
    return "i2c0" if part.bus == "i2c" else part.bus


def _driver(part_id: str, family: str) -> str | None:
    part = PARTS.get(part_id)
    return part.driver_for(family) if part is not None else None


def _missing(kind: str, board: Board, catalogue: tuple[Board, ...]) -> str:
    return f"{board.name} has no {kind}; {_options((kind,), board, catalogue)}"


def _no_driver(kind: str, parts: str, board: Board, catalogue: tuple[Board, ...]) -> str:
    return (f"the {kind} of {board.name} ({parts}) has no driver for its {board.mcu} yet; "
            f"{_options((kind,), board, catalogue)}")


def _options(kinds: tuple[str, ...], board: Board, catalogue: tuple[Board, ...]) -> str:
    """The ways out, in one sentence: boards that have the kinds, external parts, host-stream."""
    family = mcu_family(board.mcu)
    having = [b for b in catalogue if b.id != board.id and not b.emulated and all(b.sensors_of(k) for k in kinds)]
    # boards whose own part of every kind has a driver first: those run the pipeline as it is
    having.sort(key=lambda b: (not all(any(_driver(e.part, mcu_family(b.mcu)) for e in b.sensors_of(k))
                                           for k in kinds), b.name.lower()))
    shown = ", ".join(b.id for b in having[:6]) or "none in the catalogue"
    parts = _external_choices(kinds, family)
    return (f"choose a board that has it ({shown}), wire an external part (source 'external', part: {parts}), "
            f"or set source to 'host-stream' to send the samples from the host over the serial link")


def _external_choices(kinds: tuple[str, ...], family: str) -> str:
    wired = [p for p in external_parts() if all(k in p.kinds for k in kinds)]
    usable = [p.id for p in wired if p.driver_for(family)]
    if usable:
        return ", ".join(usable)
    if wired:
        return f"{', '.join(p.id for p in wired)} (no driver for this MCU yet)"
    return "none with a driver for this kind yet"


def _unique(problems: list[SensorProblem]) -> list[SensorProblem]:
    return list(dict.fromkeys(problems))

