"""Model of the Renesas HS3003 (HS300x Datasheet) in measurement mode: no registers. A write with no
data bytes is a Measurement Request: it starts a conversion (the test ends it with ``complete()``, the
~34 ms of a 14-bit humidity + temperature conversion). A read of up to 4 bytes is a Data Fetch:
[status(7:6) | humidity 13:8][humidity 7:0][temperature 13:6][temperature 5:0 << 2]; status 00 = valid
(the first fetch of a completed conversion), 01 = stale (already fetched, or the conversion is still
running: the previous values are returned). Counts come from the physical values the test chose:
H = round(RH / 100 * (2^14 - 1)), T = round((degC + 40) / 165 * (2^14 - 1)). Any data byte written is a
command of the programming mode, which this model does not cover: it fails the test."""
from __future__ import annotations

from tests.hostmodel import Nack

FULL = (1 << 14) - 1


class Hs3003Model:
    def __init__(self) -> None:
        self.nack = False
        self.requests = 0
        self.converting = False
        self.fresh = False
        self.h14 = 0
        self.t14 = 0
        self.pending: tuple[float, float] = (25.0, 50.0)

    def set_environment(self, degc: float, rh: float) -> None:
        """what the next conversion will measure"""
        self.pending = (degc, rh)

    def complete(self) -> None:
        if not self.converting:
            raise AssertionError("no measurement was requested")
        degc, rh = self.pending
        self.t14 = max(0, min(FULL, round((degc + 40.0) / 165.0 * FULL)))
        self.h14 = max(0, min(FULL, round(rh / 100.0 * FULL)))
        self.converting, self.fresh = False, True

    def transfer(self, write: bytes, read_len: int) -> bytes:
        if self.nack:
            raise Nack("the model is set to NACK")
        if write:
            raise AssertionError(f"programming-mode command {write.hex()} sent in measurement mode")
        if read_len == 0:
            self.requests += 1
            self.converting = True
            return b""
        status = 0 if self.fresh else 1
        self.fresh = False
        data = bytes([status << 6 | self.h14 >> 8, self.h14 & 0xFF, self.t14 >> 6, (self.t14 << 2) & 0xFF])
        return data[:read_len]
