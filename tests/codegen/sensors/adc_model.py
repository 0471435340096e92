"""A register-level model of the RP2040 ADC (RP2040 datasheet 4.9) for the driver's host test: CS
(EN, TS_EN, START_MANY, READY, AINSEL, RROBIN), the 4-deep FIFO through FCS (EN, ERR, LEVEL, OVER and
UNDER write-1-to-clear) and FIFO (value, bit 15 error flag), DIV; RESETS, CLOCKS and pads as plain
memory (RESET_DONE reads as done). ``convert(n)`` performs n free-running conversions: the input at
AINSEL is read from ``raw`` (5 inputs, 12-bit), goes to the FIFO (or is lost and sets OVER when it
is full), and AINSEL moves to the next input in RROBIN. A model: no analog behaviour, no timing."""
from __future__ import annotations

CS, RESULT, FCS, FIFO, DIV = 0x4004C000, 0x4004C004, 0x4004C008, 0x4004C00C, 0x4004C010
RESET_DONE = 0x4000C008
FIFO_DEPTH = 4
CLK_ADC_HZ = 12_000_000


class AdcModel:
    def __init__(self, raw=(0, 0, 0, 0, 0)):
        self.raw = list(raw)
        self.cs = 0
        self.fcs = 0
        self.div = 0
        self.fifo: list[int] = []
        self.over = self.under = False
        self.memory: dict[int, int] = {}
        self.fail_next = 0    # the next n conversions report a conversion error

    @property
    def ainsel(self) -> int:
        return (self.cs >> 12) & 7

    def read(self, address: int) -> int:
        if address == CS:
            return self.cs | ((1 << 8) if self.cs & 1 else 0)
        if address == FCS:
            return ((self.fcs & 0x0F0000FF & ~0x00FF0000) | (len(self.fifo) << 16)
                    | ((1 << 8) if not self.fifo else 0) | ((1 << 9) if len(self.fifo) == FIFO_DEPTH else 0)
                    | ((1 << 10) if self.under else 0) | ((1 << 11) if self.over else 0))
        if address == FIFO:
            if not self.fifo:
                self.under = True
                return 0
            return self.fifo.pop(0)
        if address == DIV:
            return self.div
        if address == RESET_DONE:
            return 0xFFFFFFFF
        return self.memory.get(address, 0)

    def write(self, address: int, value: int) -> None:
        if address == CS:
            self.cs = value & 0x001F7F0F
        elif address == FCS:
            if value & (1 << 10):
                self.under = False
            if value & (1 << 11):
                self.over = False
            self.fcs = value & 0x0F00000F
        elif address == DIV:
            self.div = value & 0xFFFFFF
        else:
            self.memory[address] = value

    def conversions_per_s(self) -> float:
        return CLK_ADC_HZ / (1 + (self.div >> 8) + (self.div & 0xFF) / 256)

    def convert(self, n: int) -> None:
        for _ in range(n):
            if not (self.cs & 1 and self.cs & (1 << 3)):
                return
            value = self.raw[self.ainsel] & 0xFFF
            if self.fail_next:
                self.fail_next -= 1
                value |= 1 << 15 if self.fcs & (1 << 2) else 0
            if self.fcs & 1:
                if len(self.fifo) < FIFO_DEPTH:
                    self.fifo.append(value)
                else:
                    self.over = True
            rrobin = (self.cs >> 16) & 0x1F
            if rrobin:
                nxt = next(i % 5 for i in range(self.ainsel + 1, self.ainsel + 6) if rrobin & (1 << (i % 5)))
                self.cs = (self.cs & ~(7 << 12)) | (nxt << 12)
