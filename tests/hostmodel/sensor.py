"""A chip driver of codegen/runtime/sensors (tms_<part>_t, tms_<part>_init, tms_<part>_poll) built on
the host with its struct, bus, configuration and a sample ring allocated in C, so a test calls
``init(...)``, ``poll()`` and ``drain()`` without knowing the struct's layout."""
from __future__ import annotations

import ctypes
from contextlib import contextmanager

from tests.hostmodel import I2CBus, build

_GLUE = r"""
#include "sensors/tms_sensor.h"
#include "sensors/{part}.h"
static tms_{part}_t t_dev;
static tms_sensor_bus_t t_bus;
static tms_sensor_config_t t_cfg;
static float t_values[{capacity} * 9];
static tms_sample_ring_t t_ring;
int t_init(uint8_t bus, uint8_t address, float rate_hz, float full_scale, uint8_t channels,
           uint8_t quantities, uint8_t ring_channels);
int t_init(uint8_t bus, uint8_t address, float rate_hz, float full_scale, uint8_t channels,
           uint8_t quantities, uint8_t ring_channels)
{{
    t_bus.bus = bus; t_bus.address = address; t_bus.pin_a = 0xFFu; t_bus.pin_b = 0xFFu;
    t_cfg.rate_hz = rate_hz; t_cfg.full_scale = full_scale; t_cfg.channels = channels;
    t_cfg.quantities = quantities;
    tms_ring_init(&t_ring, t_values, {capacity}u, ring_channels);
    return tms_{part}_init(&t_dev, &t_bus, &t_cfg);
}}
int t_poll(void);
int t_poll(void) {{ return tms_{part}_poll(&t_dev, &t_ring); }}
int t_pop(float *out);
int t_pop(float *out) {{ return tms_ring_pop(&t_ring, out); }}
uint32_t t_overruns(void);
uint32_t t_overruns(void) {{ return t_ring.overruns; }}
"""


class SensorDriver:
    """The host build of driver ``part`` (sources relative to codegen/runtime) with a ring of
    ``capacity`` samples (one slot stays free, as in tms_sensor.c)."""

    def __init__(self, part: str, sources: list[str] | None = None, capacity: int = 256):
        srcs = sources or [f"sensors/{part}.c"]
        self.lib = build([*srcs, "sensors/tms_sensor.c"], i2c=True,
                         extra_c=_GLUE.format(part=part, capacity=capacity))
        self.lib.t_init.argtypes = [ctypes.c_uint8, ctypes.c_uint8, ctypes.c_float, ctypes.c_float,
                                    ctypes.c_uint8, ctypes.c_uint8, ctypes.c_uint8]
        self.bus = I2CBus()
        self.channels = 0

    @contextmanager
    def attached(self):
        with self.lib.attached(i2c=self.bus):
            yield self

    def init(self, address: int, rate_hz: float, full_scale: float = 0.0, channels: int = 3,
             quantities: int = 0, bus: int = 0, ring_channels: int | None = None) -> int:
        self.channels = ring_channels if ring_channels is not None else channels
        with self.attached():
            return self.lib.t_init(bus, address, rate_hz, full_scale, channels, quantities,
                                   self.channels)

    def poll(self) -> int:
        with self.attached():
            return self.lib.t_poll()

    def drain(self) -> list[list[float]]:
        out = []
        sample = (ctypes.c_float * 9)()
        while self.lib.t_pop(sample):
            out.append(list(sample)[: self.channels])
        return out

    @property
    def overruns(self) -> int:
        return self.lib.t_overruns()

    @property
    def delays_us(self) -> list[int]:
        return self.lib.delays_us
