"""Model of the ST LIS3MDL (DocID024204): WHO_AM_I 0Fh = 3Dh; the sub-address auto-increments when its
MSB is 1; CTRL_REG1 OM (6:5) / DO (4:2) / FAST_ODR (1) give the output data rate (DO: 0.625 .. 80 Hz;
FAST_ODR: 1000 / 560 / 300 / 155 Hz for OM = LP / MP / HP / UHP); CTRL_REG2 FS (6:5: +-4 / 8 / 12 / 16
gauss at 6842 / 3421 / 2281 / 1711 LSB/gauss), SOFT_RST restores the defaults; CTRL_REG3 MD (1:0,
reset 11 power-down, 00 continuous); CTRL_REG4 OMZ (3:2); CTRL_REG5 BDU (6). A new sample sets
STATUS_REG.ZYXDA; one arriving while ZYXDA is still set also sets ZYXOR (the previous was lost); reading
the output registers clears both."""
from __future__ import annotations

from tests.codegen.sensors.models.regchip import RegisterChip, le16, raw16

CTRL_REG1, CTRL_REG2, CTRL_REG3, CTRL_REG4, CTRL_REG5, STATUS = 0x20, 0x21, 0x22, 0x23, 0x24, 0x27
DO_HZ = [0.625, 1.25, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0]
FAST_HZ = {0: 1000.0, 1: 560.0, 2: 300.0, 3: 155.0}
LSB_PER_GAUSS = {0: 6842, 1: 3421, 2: 2281, 3: 1711}


class Lis3mdlModel(RegisterChip):
    reset = {0x0F: 0x3D, CTRL_REG1: 0x10, CTRL_REG3: 0x03}
    writable = frozenset([*range(0x20, 0x25), 0x30, 0x32, 0x33])

    def pointer(self, sub):
        return sub & 0x7F, bool(sub & 0x80)

    def write_register(self, reg, value):
        if reg == CTRL_REG2 and value & 0x04:
            self.reset_registers()
            return
        super().write_register(reg, value)

    @property
    def odr_hz(self) -> float:
        r1 = self.regs[CTRL_REG1]
        return FAST_HZ[(r1 >> 5) & 3] if r1 & 0x02 else DO_HZ[(r1 >> 2) & 7]

    @property
    def range_gauss(self) -> int:
        return (4, 8, 12, 16)[(self.regs[CTRL_REG2] >> 5) & 3]

    def produce(self, gauss) -> None:
        if self.regs[CTRL_REG3] & 3 != 0:
            raise AssertionError("not in continuous-conversion mode")
        lsb = 1 / LSB_PER_GAUSS[(self.regs[CTRL_REG2] >> 5) & 3]
        self.regs[0x28:0x2E] = bytes(b for v in gauss for b in le16(raw16(v, lsb)))
        if self.regs[STATUS] & 0x08:
            self.regs[STATUS] |= 0x80
        self.regs[STATUS] |= 0x08

    def end_of_read(self, first, count):
        if first <= 0x2D < first + count:
            self.regs[STATUS] &= 0x77
