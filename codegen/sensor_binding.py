"""Which part feeds a sensor node, on which bus and address, and where its samples come from.

``sensor_binding(plan_stage, board)`` is the one place codegen decides this until the validated plan
carries it per sensor node as (part, bus, address, source): then the lead swaps this function's body
for the plan's field and nothing else changes. Until then it reads

- the node's own ``source``, ``part``, ``bus`` and ``address`` parameters, when the node type has them
  (the sensor catalogue adds them; any of them may be absent or empty);
- else the board's part for the node's kind: from ``board.sensors`` entries that say (kind, part, bus,
  address), or, where the profile lists kind names only, from ``KNOWN_BOARD_PARTS`` below, which holds
  the one part that is certain on this branch: the TMP105 QEMU attaches at 0x48 on the emulated
  board (``-device tmp105,address=0x48``), which lands on the last SBCon, 0x4002A000 = bus i2c3.

``source`` is ``driver`` (the firmware reads the part through ``codegen/runtime/sensors/<part>.c``),
``replay`` or ``host-stream`` (the emulated board's samples, ``studio.core.sample_source``), or
``none``: a real board with no known part keeps the zero-feeding stage it had. On the emulated board a
node reads its part only when it asks (``source: driver`` or a named ``part``), so recordings and
host streams play there as before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from codegen.firmware import RUNTIME_DIR
from studio.core.errors import BadInput

DRIVER, REPLAY, HOST_STREAM, NONE = "driver", "replay", "host-stream", "none"
SOURCES = (DRIVER, REPLAY, HOST_STREAM)


@dataclass(frozen=True)
class BoardPart:
    part: str
    bus: str            # "i2c0", "adc0", "pdm0", ...
    address: int | None  # 7-bit I2C address; None off I2C


# the sensor kinds (board profile names) a node type reads
NODE_KINDS = {
    "sensors.environment": ("environment", "temperature", "humidity"),
    "sensors.accelerometer": ("accelerometer", "imu"),
    "sensors.microphone": ("microphone",),
    "sensors.adc": ("adc",),
}
# board id -> node type -> its part, for profiles whose `sensors` are kind names only
KNOWN_BOARD_PARTS: dict[str, dict[str, BoardPart]] = {
    "qemu-mps2-an386": {"sensors.environment": BoardPart("tmp105", "i2c3", 0x48)},
}

_PART = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_BUS = re.compile(r"^(i2c|adc|pdm|dfsdm|spi)([0-9])$")


@dataclass(frozen=True)
class SensorBinding:
    node_id: str
    source: str
    part: str | None = None
    bus: str | None = None
    address: int | None = None

    @property
    def bus_kind(self) -> str | None:
        m = _BUS.match(self.bus or "")
        return m.group(1) if m else None

    @property
    def bus_index(self) -> int:
        m = _BUS.match(self.bus or "")
        return int(m.group(2)) if m else 0

    def describe(self) -> str:
        where = f" on {self.bus}" if self.bus else ""
        at = f" at 0x{self.address:02x}" if self.address is not None else ""
        return f"{self.part}{where}{at}"


def _entry_field(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)


def board_part(type_id: str, board) -> BoardPart | None:
    """The board's own part for a node type: a structured ``board.sensors`` entry of one of the node's
    kinds, else ``KNOWN_BOARD_PARTS``."""
    kinds = NODE_KINDS.get(type_id, ())
    for entry in getattr(board, "sensors", ()) or ():
        if isinstance(entry, str):
            continue
        if _entry_field(entry, "kind") in kinds and _entry_field(entry, "part"):
            return BoardPart(str(_entry_field(entry, "part")), str(_entry_field(entry, "bus") or ""),
                             _address(_entry_field(entry, "address")))
    return KNOWN_BOARD_PARTS.get(board.id, {}).get(type_id)


def _address(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        address = int(value, 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise BadInput(f"sensor address '{value}' is not a number (write it as 0x48 or 72)") from None
    if not 0x08 <= address <= 0x77:
        raise BadInput(f"sensor address 0x{address:02x} is outside the 7-bit I2C range 0x08..0x77")
    return address


def sensor_binding(plan_stage, board) -> SensorBinding:
    """(part, bus, address, source) of a sensor stage of the plan on ``board`` (module doc)."""
    props: Mapping[str, Any] = plan_stage.props
    node_id = plan_stage.node_id
    asked = str(props.get("source") or "")
    if asked and asked not in SOURCES:
        raise BadInput(f"{node_id}: source '{asked}' is not one of {', '.join(SOURCES)}")
    if plan_stage.node_class.plays_recording:
        return SensorBinding(node_id, REPLAY)
    default = board_part(plan_stage.type_id, board)
    part = str(props.get("part") or "") or (default.part if default else "")
    bus = str(props.get("bus") or "") or (default.bus if default else "")
    # an address of 0 (a numeric parameter's default) means "the part's usual one"
    address = _address(props.get("address") or None)
    if address is None and default is not None and part == default.part:
        address = default.address
    if asked in (REPLAY, HOST_STREAM):
        return SensorBinding(node_id, asked)
    wants_driver = asked == DRIVER or bool(props.get("part"))
    if board.emulated and not wants_driver:
        return SensorBinding(node_id, REPLAY)  # codegen picks replay or host-stream as before
    if not part:
        if wants_driver:
            raise BadInput(f"{node_id}: board '{board.id}' has no known part for this sensor; name one "
                           "(part, bus, address) or use host-stream")
        return SensorBinding(node_id, NONE)
    if not _PART.match(part) or not (RUNTIME_DIR / "sensors" / f"{part}.c").is_file():
        raise BadInput(f"{node_id}: no driver for part '{part}' (codegen/runtime/sensors/<part>.c)")
    if bus and not _BUS.match(bus):
        raise BadInput(f"{node_id}: bus '{bus}' is not a bus name like i2c0 or adc0")
    if bus.startswith("i2c") and address is None:
        raise BadInput(f"{node_id}: {part} on {bus} needs its I2C address")
    return SensorBinding(node_id, DRIVER, part, bus or None, address)
