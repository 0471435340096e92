"""Formatting numbers and file-scope declarations for generated C, and counting what they cost.

Every float that reaches C goes through ``c_float``: nine significant digits and an ``f`` suffix, which
brings a float32 back bit for bit, so a table on the device holds exactly the numbers the numpy
reference used.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from nodes.dsp import C_STRUCT_BYTES

_VALUES_PER_LINE = 8

# sizeof() of the runtime's structs on a 32-bit Cortex-M: what a declaration of one costs (kept
# with the node costs that sum them, in nodes.dsp).
STRUCT_BYTES = C_STRUCT_BYTES


def c_float(value: float) -> str:
    """``value`` rounded to float32, as a C float literal that parses back to the same float32."""
    v = np.float32(value)
    if not math.isfinite(float(v)):
        raise ValueError(f"{value!r} has no finite float32 C literal")
    text = f"{float(v):.9g}"
    if not any(ch in text for ch in ".en"):
        text += ".0"
    return text + "f"


def _rows(items: list[str]) -> str:
    lines = [", ".join(items[i:i + _VALUES_PER_LINE]) for i in range(0, len(items), _VALUES_PER_LINE)]
    return ",\n".join("    " + line for line in lines)


class Declarations:
    """Collects one stage's file-scope C and adds up its RAM (mutable statics) and flash (constants)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._parts: list[str] = []
        self.ram_bytes = 0
        self.flash_bytes = 0

    def name(self, suffix: str) -> str:
        # a double underscore, which no suffix contains, keeps node "a" + "mel_cfg" apart from
        # node "a_mel" + "cfg"
        return f"{self.prefix}__{suffix}"

    def comment(self, text: str) -> None:
        self._parts.append(f"/* {text} */")

    def const_floats(self, suffix: str, values: Iterable[float]) -> str:
        vals = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float32).ravel()
        if vals.size == 0:
            raise ValueError(f"table {suffix} is empty")
        name = self.name(suffix)
        self._parts.append(f"static const float {name}[{vals.size}] = {{\n{_rows([c_float(v) for v in vals])}\n}};")
        self.flash_bytes += 4 * vals.size
        return name

    def const_u16(self, suffix: str, values: Iterable[int]) -> str:
        vals = [int(v) for v in np.asarray(list(values) if not isinstance(values, np.ndarray) else values).ravel()]
        if not vals:
            raise ValueError(f"table {suffix} is empty")
        if min(vals) < 0 or max(vals) > 0xFFFF:
            raise ValueError(f"table {suffix} holds values outside uint16_t")
        name = self.name(suffix)
        self._parts.append(f"static const uint16_t {name}[{len(vals)}] = {{\n{_rows([f'{v}u' for v in vals])}\n}};")
        self.flash_bytes += 2 * len(vals)
        return name

    def const_i16(self, suffix: str, values: Iterable[int]) -> str:
        vals = [int(v) for v in np.asarray(list(values) if not isinstance(values, np.ndarray) else values).ravel()]
        if not vals:
            raise ValueError(f"table {suffix} is empty")
        if min(vals) < -0x8000 or max(vals) > 0x7FFF:
            raise ValueError(f"table {suffix} holds values outside int16_t")
        name = self.name(suffix)
        self._parts.append(f"static const int16_t {name}[{len(vals)}] = {{\n{_rows([str(v) for v in vals])}\n}};")
        self.flash_bytes += 2 * len(vals)
        return name

    def buffer(self, name: str, elements: int, ctype: str = "float", elem_bytes: int = 4) -> str:
        """A zero-initialised static array (RAM); ``name`` is complete (output buffers are named by the contract)."""
        self._parts.append(f"static {ctype} {name}[{elements}];")
        self.ram_bytes += elem_bytes * elements
        return name

    def state(self, suffix: str, ctype: str) -> str:
        """A static struct (or int) of mutable state, in RAM."""
        name = self.name(suffix)
        self._parts.append(f"static {ctype} {name};")
        self.ram_bytes += 4 if ctype == "int" else STRUCT_BYTES[ctype]
        return name

    def const_struct(self, suffix: str, ctype: str, fields: list[tuple[str, str]]) -> str:
        """A constant configuration struct with designated initialisers, in flash."""
        name = self.name(suffix)
        body = ",\n".join(f"    .{field} = {value}" for field, value in fields)
        self._parts.append(f"static const {ctype} {name} = {{\n{body}\n}};")
        self.flash_bytes += STRUCT_BYTES[ctype]
        return name

    def text(self) -> str:
        return "\n".join(self._parts) + "\n"
