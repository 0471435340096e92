"""Models of the ST LSM6DSL (DocID028475) and LSM6DS3 (DocID026899): same register map for what they
model, different WHO_AM_I (6Ah / 69h), FIFO size (4 KB = 2048 words / 8 KB = 4096 words) and DIFF_FIFO
width in FIFO_STATUS2 (bits 2:0 / 3:0).

Modelled from the datasheets: CTRL3_C resets to 04h (IF_INC: the sub-address increments); SW_RESET
restores the defaults and clears itself; CTRL1_XL ODR_XL (7:4) FS_XL (3:2: 00 2 g, 01 16 g, 10 4 g,
11 8 g); CTRL2_G ODR_G (7:4) FS_G (3:2: 00 250, 01 500, 10 1000, 11 2000 dps); FIFO_CTRL3 decimation
(001 = in the FIFO, undecimated); FIFO_CTRL5 ODR_FIFO (6:3) and FIFO_MODE (2:0: 110 continuous, 000
bypass empties the FIFO). The FIFO holds 16-bit words in the pattern Gx Gy Gz Ax Ay Az; in continuous
mode a new word arriving at a full FIFO overwrites the oldest and sets OVER_RUN (cleared when a word
is read); FIFO_STATUS1/2 DIFF_FIFO = unread words; FIFO_STATUS3/4 FIFO_PATTERN = slot of the next word
to be read; reading FIFO_DATA_OUT_H releases the word; with IF_INC the address wraps from 3Fh back to
3Eh (as the Linux st_lsm6dsx driver's burst reads of the FIFO rely on; not stated as such in the
datasheet text we could check). DIFF_FIFO is 11 (DSL) / 12 (DS3) bits wide, one bit short of the full
depth: the model lets it wrap to 0 at full, with FIFO_EMPTY clear (what the parts report when completely
full could not be confirmed).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tests.codegen.sensors.models.regchip import RegisterChip, le16, raw16

FIFO_CTRL3, FIFO_CTRL5, WHO_AM_I, CTRL1_XL, CTRL2_G, CTRL3_C = 0x08, 0x0A, 0x0F, 0x10, 0x11, 0x12
FIFO_STATUS1, FIFO_DATA_OUT_L, FIFO_DATA_OUT_H = 0x3A, 0x3E, 0x3F
ODR_HZ = {1: 12.5, 2: 26.0, 3: 52.0, 4: 104.0, 5: 208.0, 6: 416.0, 7: 833.0, 8: 1660.0, 9: 3330.0,
          10: 6660.0}
ACCEL_G_PER_LSB = {0b00: 0.061e-3, 0b10: 0.122e-3, 0b11: 0.244e-3, 0b01: 0.488e-3}
ACCEL_RANGE_G = {0b00: 2, 0b10: 4, 0b11: 8, 0b01: 16}
GYRO_DPS_PER_LSB = {0b00: 8.75e-3, 0b01: 17.5e-3, 0b10: 35e-3, 0b11: 70e-3}
GYRO_RANGE_DPS = {0b00: 250, 0b01: 500, 0b10: 1000, 0b11: 2000}


@dataclass(frozen=True)
class Part:
    name: str
    who_am_i: int
    fifo_words: int
    diff_high_mask: int


LSM6DSL = Part("lsm6dsl", 0x6A, 2048, 0x07)
LSM6DS3 = Part("lsm6ds3", 0x69, 4096, 0x0F)


class Lsm6dsModel(RegisterChip):
    writable = frozenset([0x01, *range(0x04, 0x0F), *range(0x10, 0x1B), *range(0x58, 0x60)])

    def __init__(self, part: Part) -> None:
        self.part = part
        self.reset = {WHO_AM_I: part.who_am_i, CTRL3_C: 0x04}
        super().__init__()
        self.fifo: deque[int] = deque()
        self.pattern = 0   # slot of the oldest word
        self.overrun = False

    def pointer(self, sub):
        return sub, bool(self.regs[CTRL3_C] & 0x04)

    def next_register(self, reg):
        return FIFO_DATA_OUT_L if reg == FIFO_DATA_OUT_H else (reg + 1) & 0xFF

    def write_register(self, reg, value):
        if reg == CTRL3_C and value & 0x01:
            self.reset_registers()
            self.fifo.clear()
            self.pattern, self.overrun = 0, False
            return
        super().write_register(reg, value)
        if reg == FIFO_CTRL5 and value & 0x07 == 0:
            self.fifo.clear()
            self.pattern, self.overrun = 0, False

    @property
    def odr_hz(self) -> float:
        return ODR_HZ.get(self.regs[CTRL1_XL] >> 4, 0.0)

    @property
    def accel_range_g(self) -> int:
        return ACCEL_RANGE_G[(self.regs[CTRL1_XL] >> 2) & 3]

    @property
    def gyro_range_dps(self) -> int:
        return GYRO_RANGE_DPS[(self.regs[CTRL2_G] >> 2) & 3]

    def produce(self, accel_g, gyro_dps) -> None:
        """One ODR tick: a gyro and an accel data set enter the FIFO."""
        if not (self.regs[CTRL1_XL] >> 4 and self.regs[CTRL2_G] >> 4):
            raise AssertionError("accelerometer or gyroscope powered down")
        if self.regs[CTRL1_XL] >> 4 != self.regs[CTRL2_G] >> 4:
            raise AssertionError("the model covers equal accel/gyro ODRs only")
        if self.regs[FIFO_CTRL5] & 0x07 != 0b110 or (self.regs[FIFO_CTRL5] >> 3) & 0xF == 0:
            raise AssertionError("the FIFO is not in continuous mode with an ODR")
        if self.regs[FIFO_CTRL3] != 0x09:
            raise AssertionError("the model covers gyro+accel in the FIFO, undecimated, only")
        g = [raw16(v, GYRO_DPS_PER_LSB[(self.regs[CTRL2_G] >> 2) & 3]) for v in gyro_dps]
        a = [raw16(v, ACCEL_G_PER_LSB[(self.regs[CTRL1_XL] >> 2) & 3]) for v in accel_g]
        for word in (*g, *a):
            if len(self.fifo) == self.part.fifo_words:
                self.fifo.popleft()
                self.pattern = (self.pattern + 1) % 6
                self.overrun = True
            self.fifo.append(word & 0xFFFF)

    def read_register(self, reg):
        n = len(self.fifo)
        if reg == FIFO_STATUS1:
            return n & 0xFF
        if reg == FIFO_STATUS1 + 1:
            return ((0x40 if self.overrun else 0) | (0x10 if n == 0 else 0)
                    | ((n >> 8) & self.part.diff_high_mask))
        if reg == FIFO_STATUS1 + 2:
            return self.pattern & 0xFF
        if reg == FIFO_STATUS1 + 3:
            return self.pattern >> 8
        if reg in (FIFO_DATA_OUT_L, FIFO_DATA_OUT_H):
            if not self.fifo:
                return 0
            byte = le16(self.fifo[0])[reg - FIFO_DATA_OUT_L]
            if reg == FIFO_DATA_OUT_H:
                self.fifo.popleft()
                self.pattern = (self.pattern + 1) % 6
                self.overrun = False
            return byte
        return super().read_register(reg)
