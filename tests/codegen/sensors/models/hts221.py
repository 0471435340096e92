"""Model of the ST HTS221 (DocID026333): WHO_AM_I 0Fh = BCh; the sub-address auto-increments when its
MSB is 1; AV_CONF resets to 1Bh; CTRL_REG1 PD (7), BDU (2), ODR (1:0: one-shot, 1, 7, 12.5 Hz); the
factory calibration in 30h-3Fh (H0_rH_x2, H1_rH_x2, T0_degC_x8, T1_degC_x8, T1/T0 msb in 35h bits
3:2 / 1:0, H0_T0_OUT, H1_T0_OUT, T0_OUT, T1_OUT, little-endian); STATUS_REG H_DA (1) / T_DA (0) set by
a new conversion and cleared when the output registers are read. A physical value the test chooses
becomes the output count the datasheet's linear calibration maps back to it (rounded to a count)."""
from __future__ import annotations

from dataclasses import dataclass

from tests.codegen.sensors.models.regchip import RegisterChip, le16

ODR_HZ = {1: 1.0, 2: 7.0, 3: 12.5}


@dataclass(frozen=True)
class Calibration:
    t0_degc_x8: int = 8 * 10 + 3   # 10.375 degC (10 bits with the msb)
    t1_degc_x8: int = 8 * 45       # 45 degC
    t0_out: int = -1200
    t1_out: int = 7900
    h0_rh_x2: int = 2 * 25
    h1_rh_x2: int = 2 * 75
    h0_t0_out: int = -6500
    h1_t0_out: int = 9300

    @property
    def t0(self): return self.t0_degc_x8 / 8

    @property
    def t1(self): return self.t1_degc_x8 / 8

    @property
    def h0(self): return self.h0_rh_x2 / 2

    @property
    def h1(self): return self.h1_rh_x2 / 2


class Hts221Model(RegisterChip):
    writable = frozenset([0x10, 0x20, 0x21, 0x22])

    def __init__(self, cal: Calibration = Calibration()) -> None:
        self.cal = cal
        self.reset = {0x0F: 0xBC, 0x10: 0x1B}
        super().__init__()
        msb = ((cal.t1_degc_x8 >> 8) & 3) << 2 | ((cal.t0_degc_x8 >> 8) & 3)
        self.regs[0x30:0x40] = bytes([cal.h0_rh_x2, cal.h1_rh_x2, cal.t0_degc_x8 & 0xFF,
                                      cal.t1_degc_x8 & 0xFF, 0, msb, *le16(cal.h0_t0_out), 0, 0,
                                      *le16(cal.h1_t0_out), *le16(cal.t0_out), *le16(cal.t1_out)])

    def pointer(self, sub):
        return sub & 0x7F, bool(sub & 0x80)

    @property
    def odr_hz(self) -> float:
        return ODR_HZ.get(self.regs[0x20] & 3, 0.0) if self.regs[0x20] & 0x80 else 0.0

    def counts(self, degc: float, rh: float) -> tuple[int, int]:
        c = self.cal
        t_out = round(c.t0_out + (degc - c.t0) * (c.t1_out - c.t0_out) / (c.t1 - c.t0))
        h_out = round(c.h0_t0_out + (rh - c.h0) * (c.h1_t0_out - c.h0_t0_out) / (c.h1 - c.h0))
        return max(-32768, min(32767, t_out)), max(-32768, min(32767, h_out))

    def produce(self, degc: float, rh: float) -> None:
        if not self.odr_hz:
            raise AssertionError("the part is powered down or in one-shot mode")
        t_out, h_out = self.counts(degc, rh)
        self.regs[0x28:0x2C] = bytes([*le16(h_out), *le16(t_out)])
        self.regs[0x27] = 0x03

    def end_of_read(self, first, count):
        if first <= 0x29 < first + count:
            self.regs[0x27] &= ~0x02 & 0xFF
        if first <= 0x2B < first + count:
            self.regs[0x27] &= ~0x01 & 0xFF
