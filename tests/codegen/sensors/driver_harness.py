"""What the driver tests share: the test-side ring helpers their EXTRA C defines (t_poll, t_pop)."""
from __future__ import annotations

import ctypes


def drain(lib) -> list[float]:
    """Every value in the test's single-channel ring, oldest first."""
    out, v = [], ctypes.c_float()
    while lib.t_pop(ctypes.byref(v)):
        out.append(v.value)
    return out


def poll(lib, model) -> int:
    """The driver's poll with the peripheral model attached; returns what poll returns."""
    with lib.attached(mmio=model):
        return lib.t_poll()
