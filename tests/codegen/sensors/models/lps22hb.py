"""Model of the ST LPS22HB (DocID027083): WHO_AM_I 0Fh = B1h; CTRL_REG2 resets to 10h (IF_ADD_INC:
the sub-address increments); SWRESET restores the defaults and clears itself; CTRL_REG1 ODR (6:4: 1,
10, 25, 50, 75 Hz), BDU (1); CTRL_REG2.FIFO_EN; FIFO_CTRL F_MODE (7:5: 000 bypass empties the FIFO,
010 stream); a 32-slot FIFO of (pressure 24 bit, temperature 16 bit), in stream mode a slot arriving at
a full FIFO overwrites the oldest and raises FIFO_STATUS.OVR until a slot is read; FIFO_STATUS.FSS =
unread slots; PRESS_OUT_XL..TEMP_OUT_H (28h..2Ch) show the oldest slot and a read reaching TEMP_OUT_H
releases it (the release point is this model's reading of the datasheet's FIFO section). Pressure is
4096 LSB/hPa, temperature 100 LSB/degC."""
from __future__ import annotations

from collections import deque

from tests.codegen.sensors.models.regchip import RegisterChip, le16

CTRL_REG1, CTRL_REG2, FIFO_CTRL, FIFO_STATUS = 0x10, 0x11, 0x14, 0x26
ODR_HZ = {1: 1.0, 2: 10.0, 3: 25.0, 4: 50.0, 5: 75.0}


class Lps22hbModel(RegisterChip):
    reset = {0x0F: 0xB1, CTRL_REG2: 0x10}
    writable = frozenset([0x0B, 0x0C, 0x0D, 0x0E, CTRL_REG1, CTRL_REG2, 0x12, FIFO_CTRL, 0x15, 0x16,
                          0x18, 0x19])

    def __init__(self) -> None:
        super().__init__()
        self.fifo: deque[tuple[int, int]] = deque()
        self.overrun = False

    def pointer(self, sub):
        return sub, bool(self.regs[CTRL_REG2] & 0x10)

    def write_register(self, reg, value):
        if reg == CTRL_REG2 and value & 0x04:
            self.reset_registers()
            self.fifo.clear()
            self.overrun = False
            return
        super().write_register(reg, value)
        if reg == FIFO_CTRL and value >> 5 == 0:
            self.fifo.clear()
            self.overrun = False

    @property
    def odr_hz(self) -> float:
        return ODR_HZ.get((self.regs[CTRL_REG1] >> 4) & 7, 0.0)

    def produce(self, hpa: float, degc: float) -> None:
        if not self.odr_hz:
            raise AssertionError("the part is in power-down / one-shot mode")
        if not (self.regs[CTRL_REG2] & 0x40 and self.regs[FIFO_CTRL] >> 5 == 0b010):
            raise AssertionError("the FIFO is not enabled in stream mode")
        p = max(-(1 << 23), min((1 << 23) - 1, round(hpa * 4096)))
        t = max(-32768, min(32767, round(degc * 100)))
        if len(self.fifo) == 32:
            self.fifo.popleft()
            self.overrun = True
        self.fifo.append((p & 0xFFFFFF, t & 0xFFFF))

    def read_register(self, reg):
        if reg == FIFO_STATUS:
            return (0x40 if self.overrun else 0) | len(self.fifo)
        if 0x28 <= reg <= 0x2C:
            if not self.fifo:
                return 0
            p, t = self.fifo[0]
            return [p & 0xFF, (p >> 8) & 0xFF, p >> 16, *le16(t)][reg - 0x28]
        return super().read_register(reg)

    def end_of_read(self, first, count):
        if first <= 0x2C < first + count and self.fifo:
            self.fifo.popleft()
            self.overrun = False
