"""Model of the ST LSM9DS1 (DocID025715 Rev 3): the accelerometer/gyroscope die (I2C 0x6A/0x6B) and the
magnetometer die (0x1C/0x1E), as the datasheet describes them to the bus.

Accel/gyro: WHO_AM_I 0Fh = 68h; CTRL_REG8 resets to 04h (IF_ADD_INC: the sub-address increments after
each byte; the MSB of the sub-address is not part of the register address); SW_RESET restores every
register's default and clears itself; CTRL_REG1_G ODR_G (bits 7:5) / FS_G (4:3); CTRL_REG6_XL FS_XL
(4:3: 00 2 g, 01 16 g, 10 4 g, 11 8 g); CTRL_REG9 FIFO_EN; FIFO_CTRL FMODE (7:5, 110 continuous, 000
bypass empties the FIFO); a 32-set FIFO of (gyro, accel); in continuous mode a set arriving at a full
FIFO overwrites the oldest and raises FIFO_SRC.OVRN until a set is read; FIFO_SRC.FSS = unread sets;
the output registers show the oldest set; a read that reaches OUT_Z_H_XL (2Dh) releases it.
Magnetometer: WHO_AM_I_M 0Fh = 3Dh; sub-address MSB = auto-increment; CTRL_REG2_M FS (6:5); CTRL_REG3_M
MD (1:0, reset 11 power-down, 00 continuous); STATUS_REG_M.ZYXDA set by a new reading, cleared when the
output registers are read.
"""
from __future__ import annotations

from collections import deque

from tests.codegen.sensors.models.regchip import RegisterChip, le16, raw16

WHO_AM_I = 0x0F
CTRL_REG1_G, OUT_X_L_G, CTRL_REG6_XL, CTRL_REG8, CTRL_REG9 = 0x10, 0x18, 0x20, 0x22, 0x23
OUT_X_L_XL, FIFO_CTRL, FIFO_SRC = 0x28, 0x2E, 0x2F
ODR_G_HZ = {1: 14.9, 2: 59.5, 3: 119.0, 4: 238.0, 5: 476.0, 6: 952.0}
ACCEL_G_PER_LSB = {0b00: 0.061e-3, 0b10: 0.122e-3, 0b11: 0.244e-3, 0b01: 0.732e-3}
ACCEL_RANGE_G = {0b00: 2, 0b10: 4, 0b11: 8, 0b01: 16}
GYRO_DPS_PER_LSB = {0b00: 8.75e-3, 0b01: 17.5e-3, 0b11: 70e-3}
GYRO_RANGE_DPS = {0b00: 245, 0b01: 500, 0b11: 2000}
FIFO_DEPTH = 32
MAG_GAUSS_PER_LSB = {0b00: 0.14e-3, 0b01: 0.29e-3, 0b10: 0.43e-3, 0b11: 0.58e-3}


class Lsm9ds1AccelGyro(RegisterChip):
    reset = {WHO_AM_I: 0x68, CTRL_REG8: 0x04}
    writable = frozenset([*range(0x04, 0x0E), *range(0x10, 0x14), *range(0x1E, 0x25), FIFO_CTRL,
                          *range(0x30, 0x38)])

    def __init__(self) -> None:
        super().__init__()
        self.fifo: deque[tuple[list[int], list[int]]] = deque()
        self.overrun = False
        self.lost_sets = 0

    def pointer(self, sub):
        return sub & 0x7F, bool(self.regs[CTRL_REG8] & 0x04)

    def write_register(self, reg, value):
        if reg == CTRL_REG8 and value & 0x01:
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
        return ODR_G_HZ.get(self.regs[CTRL_REG1_G] >> 5, 0.0)

    @property
    def accel_range_g(self) -> int:
        return ACCEL_RANGE_G[(self.regs[CTRL_REG6_XL] >> 3) & 3]

    @property
    def gyro_range_dps(self) -> int:
        return GYRO_RANGE_DPS[(self.regs[CTRL_REG1_G] >> 3) & 3]

    def produce(self, accel_g, gyro_dps) -> None:
        """One output-data-rate tick: the physical values the test chose become a set in the FIFO."""
        if not self.odr_hz:
            raise AssertionError("the gyroscope is powered down: the part produces nothing")
        if not (self.regs[CTRL_REG9] & 0x02 and self.regs[FIFO_CTRL] >> 5 == 0b110):
            raise AssertionError("the FIFO is not enabled in continuous mode")
        a = [raw16(v, ACCEL_G_PER_LSB[(self.regs[CTRL_REG6_XL] >> 3) & 3]) for v in accel_g]
        g = [raw16(v, GYRO_DPS_PER_LSB[(self.regs[CTRL_REG1_G] >> 3) & 3]) for v in gyro_dps]
        if len(self.fifo) == FIFO_DEPTH:
            self.fifo.popleft()
            self.overrun = True
            self.lost_sets += 1
        self.fifo.append((g, a))

    def read_register(self, reg):
        if reg == FIFO_SRC:
            return (0x40 if self.overrun else 0) | len(self.fifo)
        if OUT_X_L_G <= reg < OUT_X_L_G + 6 or OUT_X_L_XL <= reg < OUT_X_L_XL + 6:
            if not self.fifo:
                return 0
            g, a = self.fifo[0]
            words, base = (g, OUT_X_L_G) if reg < OUT_X_L_XL else (a, OUT_X_L_XL)
            i = reg - base
            return le16(words[i // 2])[i % 2]
        return super().read_register(reg)

    def end_of_read(self, first, count):
        if first <= OUT_X_L_XL + 5 < first + count and self.fifo:
            self.fifo.popleft()
            self.overrun = False


class Lsm9ds1Mag(RegisterChip):
    reset = {0x0F: 0x3D, 0x22: 0x03}
    writable = frozenset([*range(0x05, 0x0B), *range(0x20, 0x25), 0x30, 0x32, 0x33])

    def pointer(self, sub):
        return sub & 0x7F, bool(sub & 0x80)

    @property
    def gauss_per_lsb(self) -> float:
        return MAG_GAUSS_PER_LSB[(self.regs[0x21] >> 5) & 3]

    def produce(self, gauss) -> None:
        if self.regs[0x22] & 0x03 != 0:
            raise AssertionError("the magnetometer is not in continuous-conversion mode")
        raw = [b for v in gauss for b in le16(raw16(v, self.gauss_per_lsb))]
        self.regs[0x28:0x2E] = bytes(raw)
        self.regs[0x27] |= 0x08

    def end_of_read(self, first, count):
        if first <= 0x2D < first + count:
            self.regs[0x27] &= ~0x08 & 0xFF
