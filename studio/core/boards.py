"""Board profiles: one YAML file per board, checked against a schema, loaded into frozen dataclasses.

Built-in profiles live in ``board_profiles/``; a user adds a board by dropping a file into
``<user data dir>/boards`` (platformdirs). A profile is data only: it is parsed with
``yaml.safe_load`` and every field is checked before use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from nodes.base import BoardInfo
from studio.core.errors import BoardError
from studio.core.flash_methods import FLASH_METHODS  # noqa: F401  (the one list of methods; re-exported)
from studio.core.files import read_bounded
from studio.core.paths import builtin_boards_dir, user_boards_dir
from studio.core.sensor_parts import KINDS, PARTS

# libyaml's safe loader when PyYAML has it (7x faster at start-up); safe either way: data only
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BOARD_FILE_BYTES = 1 << 20

CPUS = ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m4f", "cortex-m7", "cortex-m33", "cortex-m55",
        "xtensa-lx7", "arc-em")
TARGETS = ("cortex-m", "esp32", "arc")

# field -> (type, required). Integers carry their unit in the name.
SERIAL_TRANSPORTS = ("uart", "usb-cdc")

SCHEMA: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "id": (str, True),
    "name": (str, True),
    "vendor": (str, False),
    "mcu": (str, True),
    "cpu": (str, True),
    "fpu": (bool, True),
    "dsp_simd": (bool, True),
    "cores": (int, False),
    "ops_per_cycle": ((int, float), True),
    "clock_hz": (int, True),
    "flash_bytes": (int, True),
    "ram_bytes": (int, True),
    "flash_origin": (int, True),
    "ram_origin": (int, True),
    "reserved_flash_bytes": (int, True),
    "reserved_ram_bytes": (int, True),
    "stack_bytes": (int, True),
    "sensors": (list, True),
    "target": (str, True),
    "toolchain": (str, True),
    "flash_method": (str, True),
    "flash_options": (dict, False),
    "serial_baud": (int, True),
    "usb_vid": (int, False),
    "usb_pid": (int, False),
    # where the serial protocol goes: the MCU's own USB as a CDC-ACM port, or a UART pin
    "serial_transport": (str, False),
    "emulator_machine": (str, False),
    "supply_mv": (int, True),
    "active_current_ua": (int, True),
    "sleep_current_ua": (int, True),
    # the generated firmware sleeps (WFI) between its sample ticks on this board (tms_power.c): false
    # where the tick cannot wake the core (nRF52: SysTick stops in System ON idle) or the firmware is
    # an Arduino sketch; the energy estimate then counts the core awake all the time
    "sleeps_between_samples": (bool, False),
    "notes": (str, False),
}


@dataclass(frozen=True)
class BoardSensor:
    """One sensor a board carries: what it measures (``kind``), the part (an id of
    ``studio.core.sensor_parts``), where it is wired (``bus`` as the board names it, e.g. ``i2c1``, its
    7-bit ``address`` on an I2C bus, ``pins`` by function) and the board ``variant`` that has it
    ("" = every variant)."""

    kind: str
    part: str
    bus: str = ""
    address: int | None = None
    variant: str = ""
    pins: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "part": self.part, "bus": self.bus}
        if self.address is not None:
            out["address"] = self.address
        if self.variant:
            out["variant"] = self.variant
        if self.pins:
            out["pins"] = dict(self.pins)
        return out

    def describe(self) -> str:
        where = self.bus + (f"@0x{self.address:02X}" if self.address is not None else "")
        return f"{self.kind}: {self.part}" + (f" ({where})" if where else "") + \
            (f" [{self.variant}]" if self.variant else "")


SENSOR_FIELDS = {"kind": str, "part": str, "bus": str, "address": int, "variant": str, "pins": dict}


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    mcu: str
    cpu: str
    fpu: bool
    dsp_simd: bool
    ops_per_cycle: float
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    flash_origin: int
    ram_origin: int
    reserved_flash_bytes: int
    reserved_ram_bytes: int
    stack_bytes: int
    sensors: tuple[BoardSensor, ...]
    target: str
    toolchain: str
    flash_method: str
    serial_baud: int
    supply_mv: int
    active_current_ua: int
    sleep_current_ua: int
    vendor: str = ""
    cores: int = 1
    flash_options: Mapping[str, Any] = field(default_factory=dict)
    usb_vid: int | None = None
    usb_pid: int | None = None
    serial_transport: str = "uart"
    emulator_machine: str | None = None
    notes: str = ""
    sleeps_between_samples: bool = False
    source: str = ""

    @property
    def ram_budget_bytes(self) -> int:
        return self.ram_bytes - self.reserved_ram_bytes

    @property
    def flash_budget_bytes(self) -> int:
        return self.flash_bytes - self.reserved_flash_bytes

    @property
    def app_flash_origin(self) -> int:
        """Where the application starts in flash: after what the profile reserves (a bootloader, or
        the RP2040's 256-byte second-stage boot code). The linker script and the flashers use this."""
        return self.flash_origin + self.reserved_flash_bytes

    @property
    def image_flash_origin(self) -> int:
        """Where the built image (build/firmware.bin) is loaded: ``flash_options.base`` (an address)
        or flash_origin + ``flash_options.offset`` when the profile names one (an RP2040 image carries
        its boot code in front of the application, so it starts at flash_origin), else the
        application's origin. Every flasher and the README's instructions use this."""
        if "base" in self.flash_options:
            return int(self.flash_options["base"])
        if "offset" in self.flash_options:
            return self.flash_origin + int(self.flash_options["offset"])
        return self.app_flash_origin

    @property
    def emulated(self) -> bool:
        return self.flash_method == "emulator"

    @property
    def sensor_kinds(self) -> tuple[str, ...]:
        """What the board's sensors measure, each kind once, in profile order."""
        return tuple(dict.fromkeys(s.kind for s in self.sensors))

    def sensors_of(self, kind: str) -> tuple[BoardSensor, ...]:
        return tuple(s for s in self.sensors if s.kind == kind)

    def info(self) -> BoardInfo:
        return BoardInfo(self.id, self.cpu, self.clock_hz, self.fpu, self.dsp_simd,
                         tuple((s.kind, s.part) for s in self.sensors))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "vendor": self.vendor, "mcu": self.mcu, "cpu": self.cpu,
            "fpu": self.fpu, "dsp_simd": self.dsp_simd, "clock_hz": self.clock_hz,
            "flash_bytes": self.flash_bytes, "ram_bytes": self.ram_bytes,
            "flash_budget_bytes": self.flash_budget_bytes, "ram_budget_bytes": self.ram_budget_bytes,
            "sensors": [s.to_json() for s in self.sensors], "sensor_kinds": list(self.sensor_kinds),
            "target": self.target, "flash_method": self.flash_method,
            "emulated": self.emulated, "source": self.source,
        }


def parse_board(data: Any, source: str) -> Board:
    """Checks one profile against SCHEMA; every problem is named with the file and the field."""
    if not isinstance(data, dict):
        raise BoardError(f"{source}: a board profile must be a mapping of fields")
    problems = []
    for key in data:
        if key not in SCHEMA:
            problems.append(f"unknown field '{key}'")
    for key, (typ, required) in SCHEMA.items():
        if key not in data:
            if required:
                problems.append(f"missing field '{key}'")
            continue
        value = data[key]
        if isinstance(value, bool) and typ is not bool:
            problems.append(f"field '{key}' must be {_tname(typ)}, not {value!r}")
        elif not isinstance(value, typ):
            problems.append(f"field '{key}' must be {_tname(typ)}, not {value!r}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            problems.append(f"field '{key}' must not be negative")
    if not problems:
        if data["cpu"] not in CPUS:
            problems.append(f"cpu '{data['cpu']}' is not one of {', '.join(CPUS)}")
        if data["flash_method"] not in FLASH_METHODS:
            problems.append(f"flash_method '{data['flash_method']}' is not one of {', '.join(FLASH_METHODS)}")
        if data["target"] not in TARGETS:
            problems.append(f"target '{data['target']}' is not one of {', '.join(TARGETS)}")
        if data["clock_hz"] <= 0 or data["ram_bytes"] <= 0 or data["flash_bytes"] <= 0:
            problems.append("clock_hz, ram_bytes and flash_bytes must be positive")
        elif data["reserved_ram_bytes"] >= data["ram_bytes"]:
            problems.append("reserved_ram_bytes must be less than ram_bytes")
        elif data["reserved_flash_bytes"] >= data["flash_bytes"]:
            problems.append("reserved_flash_bytes must be less than flash_bytes")
        if data["ops_per_cycle"] <= 0:
            problems.append("ops_per_cycle must be positive")
        problems += _sensor_problems(data["sensors"])
        if data.get("serial_transport", "uart") not in SERIAL_TRANSPORTS:
            problems.append(f"serial_transport '{data['serial_transport']}' is not one of {', '.join(SERIAL_TRANSPORTS)}")
        if data["flash_method"] == "emulator" and not data.get("emulator_machine"):
            problems.append("an emulated board needs 'emulator_machine'")
    if problems:
        raise BoardError(f"{source}: " + "; ".join(problems))
    fields = dict(data)
    fields["sensors"] = tuple(_board_sensor(entry) for entry in fields["sensors"])
    fields["ops_per_cycle"] = float(fields["ops_per_cycle"])
    return Board(**fields, source=source)


def _sensor_problems(entries: list) -> list[str]:
    """Each entry of ``sensors`` is a mapping with a known ``kind`` and a ``part`` id, and optional
    ``bus``, ``address`` (7-bit), ``variant`` and ``pins`` (function -> pin name)."""
    problems = []
    for i, entry in enumerate(entries):
        where = f"sensors[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a mapping such as {{kind: accelerometer, part: lsm6dsl, "
                            f"bus: i2c1, address: 0x6A}}, not {entry!r}")
            continue
        for key, value in entry.items():
            typ = SENSOR_FIELDS.get(key)
            if typ is None:
                problems.append(f"{where} has an unknown field '{key}' (fields: {', '.join(SENSOR_FIELDS)})")
            elif isinstance(value, bool) or not isinstance(value, typ):
                problems.append(f"{where}.{key} must be {_tname(typ)}, not {value!r}")
        for key in ("kind", "part"):
            if key not in entry:
                problems.append(f"{where} needs a '{key}'")
        kind, part_id = entry.get("kind"), entry.get("part")
        if isinstance(kind, str) and kind not in KINDS:
            problems.append(f"{where}.kind '{kind}' is not one of {', '.join(KINDS)}")
        known = PARTS.get(part_id) if isinstance(part_id, str) else None
        if known is not None and isinstance(kind, str) and kind not in known.kinds:
            problems.append(f"{where}: part '{part_id}' does not measure {kind} (it measures "
                            f"{', '.join(known.kinds)})")
        address = entry.get("address")
        if isinstance(address, int) and not isinstance(address, bool) and not 0 <= address <= 0x7F:
            problems.append(f"{where}.address must be a 7-bit I2C address (0x00-0x7F), not {address:#x}")
        pins = entry.get("pins")
        if isinstance(pins, dict) and not all(isinstance(k, str) and isinstance(v, (str, int))
                                              and not isinstance(v, bool) for k, v in pins.items()):
            problems.append(f"{where}.pins must map pin functions to pin names")
    return problems


def _board_sensor(entry: Mapping[str, Any]) -> BoardSensor:
    return BoardSensor(entry["kind"], entry["part"], entry.get("bus", ""), entry.get("address"),
                       entry.get("variant", ""), {str(k): str(v) for k, v in (entry.get("pins") or {}).items()})


def _tname(typ) -> str:
    names = {str: "text", bool: "true/false", int: "a whole number", list: "a list", dict: "a mapping"}
    if isinstance(typ, tuple):
        return "a number"
    return names.get(typ, typ.__name__)


def load_board_file(path: Path) -> Board:
    try:
        text = read_bounded(path, MAX_BOARD_FILE_BYTES, "board profile").decode("utf-8")
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except (OSError, UnicodeDecodeError) as e:
        raise BoardError(f"{path}: cannot read the board profile ({e})") from None
    except yaml.YAMLError as e:
        raise BoardError(f"{path}: not valid YAML ({e})") from None
    board = parse_board(data, str(path))
    if board.id != path.stem:
        raise BoardError(f"{path}: the id '{board.id}' must match the file name '{path.stem}'")
    return board


class BoardCatalogue:
    """All boards: the built-in profiles, then the user's (a user file may replace a built-in one)."""

    def __init__(self, dirs: list[Path] | None = None):
        self.dirs = dirs if dirs is not None else [builtin_boards_dir(), user_boards_dir()]
        self._boards: dict[str, Board] | None = None
        self.problems: list[str] = []

    def _load(self) -> dict[str, Board]:
        if self._boards is None:
            boards: dict[str, Board] = {}
            for d in self.dirs:
                if not d.is_dir():
                    continue
                for path in sorted(d.glob("*.yaml")):
                    try:
                        board = load_board_file(path)
                    except BoardError as e:  # one bad user file must not hide the others
                        self.problems.append(e.message)
                        continue
                    boards[board.id] = board
            self._boards = boards
        return self._boards

    def all(self) -> list[Board]:
        return sorted(self._load().values(), key=lambda b: b.name.lower())

    def get(self, board_id: str) -> Board:
        boards = self._load()
        if board_id not in boards:
            known = ", ".join(sorted(boards)) or "none"
            raise BoardError(f"unknown board '{board_id}' (known boards: {known})")
        return boards[board_id]


_default: BoardCatalogue | None = None


def boards() -> BoardCatalogue:
    global _default
    if _default is None:
        _default = BoardCatalogue()
    return _default
