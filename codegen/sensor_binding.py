"""Which driver feeds a sensor node, on which bus and address: the plan's resolution
(``studio.core.sensor_check``, ``PipelinePlan.sensors``) in the terms codegen needs.

Validation is the one place that decides what a sensor node reads on a board (the board's part, an
external part the user wired, a recording, or the host's stream); this module only translates its
``PlanSensor`` for the driver-fed stage: the driver's C stem (``codegen/runtime/sensors/<stem>.c``),
the bus kind and index the board glue numbers (``i2c0`` = bus 0 of ``board/<family>_i2c.c``), and
the 7-bit address. A node whose samples come from a recording or the host gets that source and no part.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.firmware import RUNTIME_DIR
from studio.core.errors import BadInput
from studio.core.plan import DRIVER, HOST_STREAM, REPLAY, PipelinePlan, PlanStage

NONE = "none"  # a sensor the plan resolved to nothing (a test source): the zero-feeding stage
__all__ = ["DRIVER", "HOST_STREAM", "NONE", "REPLAY", "SensorBinding", "sensor_binding"]

_STEM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_BUS = re.compile(r"^([a-z0-9]*?[a-z])([0-9]*)$")  # i2c3 -> (i2c, 3), pdm -> (pdm, 0)


@dataclass(frozen=True)
class SensorBinding:
    node_id: str
    source: str
    part: str | None = None     # the driver's C stem (codegen/runtime/sensors/<part>.c)
    bus: str | None = None      # as the board names it: i2c0, pdm, dfsdm1, adc ...
    address: int | None = None

    @property
    def bus_kind(self) -> str | None:
        m = _BUS.match(self.bus or "")
        return m.group(1) if m else None

    @property
    def bus_index(self) -> int:
        m = _BUS.match(self.bus or "")
        return int(m.group(2)) if m and m.group(2) else 0

    def describe(self) -> str:
        where = f" on {self.bus}" if self.bus else ""
        at = f" at 0x{self.address:02x}" if self.address is not None else ""
        return f"{self.part}{where}{at}"


def sensor_binding(plan: PipelinePlan, stage: PlanStage) -> SensorBinding:
    """The binding of a sensor stage from the plan's resolution of it."""
    node_id = stage.node_id
    found = plan.sensors_of(node_id)
    if stage.node_class.plays_recording:
        return SensorBinding(node_id, REPLAY)
    if not found:
        return SensorBinding(node_id, NONE)
    source = found[0].source
    if source != DRIVER:
        return SensorBinding(node_id, source)
    drivers = [s for s in found if s.source == DRIVER]
    if len(drivers) > 1:
        parts = ", ".join(s.part for s in drivers)
        raise BadInput(f"{node_id}: reads {len(drivers)} parts ({parts}); the firmware reads one part per "
                       "sensor node for now: use one sensor node per part (e.g. temperature and pressure apart)")
    s = drivers[0]
    stem = s.driver or s.part
    if not _STEM.match(stem) or not (RUNTIME_DIR / "sensors" / f"{stem}.c").is_file():
        raise BadInput(f"{node_id}: no generated driver for part '{s.part}' (codegen/runtime/sensors/{stem}.c)")
    return SensorBinding(node_id, DRIVER, stem, s.bus or None, s.address)
