"""Calling a family's tms_i2c.h implementation from Python against a peripheral model."""
from __future__ import annotations

import ctypes

from tests.hostmodel import build

# the board's tms_delay_us (board/tms_delay.c on the target): here it only adds up the time waited
DELAY_C = r"""
#include <stdint.h>
#include "sensors/tms_i2c.h"
static uint64_t t_delay_total_us;
void tms_delay_us(uint32_t us) { t_delay_total_us += us; }
uint64_t t_delay_total(void) { return t_delay_total_us; }
"""


def i2c_library(source: str, defines=(), include_dirs=()):
    lib = build([source], defines=defines, extra_c=DELAY_C, include_dirs=include_dirs)
    lib.t_delay_total.restype = ctypes.c_uint64
    return lib


def write(lib, bus: int, address: int, data: bytes) -> int:
    buf = (ctypes.c_uint8 * max(1, len(data)))(*data)
    return lib.tms_i2c_write(bus, address, buf, len(data))


def write_read(lib, bus: int, address: int, data: bytes, rd_len: int) -> tuple[int, bytes]:
    wr = (ctypes.c_uint8 * max(1, len(data)))(*data)
    rd = (ctypes.c_uint8 * max(1, rd_len))()
    status = lib.tms_i2c_write_read(bus, address, wr, len(data), rd, rd_len)
    return status, bytes(rd[:rd_len])
