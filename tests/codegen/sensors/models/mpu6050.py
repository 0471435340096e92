"""Model of the InvenSense MPU-6050 (PS-MPU-6000A-00 Rev 3.4, RM-MPU-6000A-00 Rev 4.2): WHO_AM_I (117)
= 68h; PWR_MGMT_1 (107) resets to 40h (SLEEP), DEVICE_RESET restores every default and clears itself;
burst reads auto-increment the register address except at FIFO_R_W (116), where each byte read takes
the next FIFO byte; SMPLRT_DIV (25) and CONFIG.DLPF_CFG (26) give the sample rate (gyroscope output
8 kHz with DLPF_CFG 0 or 7, 1 kHz otherwise, divided by 1 + SMPLRT_DIV); GYRO_CONFIG.FS_SEL (27, bits
4:3) and ACCEL_CONFIG.AFS_SEL (28, bits 4:3) the ranges; FIFO_EN (35) selects what enters the FIFO;
USER_CTRL (106) FIFO_EN enables it and FIFO_RESET empties it (self-clearing); a 1024-byte FIFO fed in
register order (ACCEL_X/Y/Z then GYRO_X/Y/Z, big-endian) that, when full, drops its oldest bytes and
sets INT_STATUS.FIFO_OFLOW_INT (58, bit 4, when INT_ENABLE.FIFO_OFLOW_EN is set; cleared by reading
INT_STATUS); FIFO_COUNT (114-115) big-endian."""
from __future__ import annotations

from collections import deque

from tests.codegen.sensors.models.regchip import RegisterChip, raw16

SMPLRT_DIV, CONFIG, GYRO_CONFIG, ACCEL_CONFIG, FIFO_EN = 0x19, 0x1A, 0x1B, 0x1C, 0x23
INT_ENABLE, INT_STATUS, USER_CTRL, PWR_MGMT_1 = 0x38, 0x3A, 0x6A, 0x6B
FIFO_COUNTH, FIFO_COUNTL, FIFO_R_W, WHO_AM_I = 0x72, 0x73, 0x74, 0x75
ACCEL_LSB_PER_G = {0: 16384, 1: 8192, 2: 4096, 3: 2048}
GYRO_LSB_PER_DPS = {0: 131.0, 1: 65.5, 2: 32.8, 3: 16.4}
DLPF_ACCEL_BW_HZ = {0: 260, 1: 184, 2: 94, 3: 44, 4: 21, 5: 10, 6: 5}


class Mpu6050Model(RegisterChip):
    reset = {PWR_MGMT_1: 0x40, WHO_AM_I: 0x68}
    writable = frozenset([*range(0x0D, 0x11), *range(0x19, 0x39), *range(0x63, 0x6D), 0x72, 0x73, 0x74])

    def __init__(self) -> None:
        super().__init__()
        self.fifo: deque[int] = deque()
        self.oflow = False

    def next_register(self, reg):
        return reg if reg == FIFO_R_W else (reg + 1) & 0xFF

    def write_register(self, reg, value):
        if reg == PWR_MGMT_1 and value & 0x80:
            self.reset_registers()
            self.fifo.clear()
            self.oflow = False
            return
        if reg == USER_CTRL and value & 0x04:
            self.fifo.clear()
            value &= ~0x04
        super().write_register(reg, value)

    @property
    def sample_rate_hz(self) -> float:
        dlpf = self.regs[CONFIG] & 7
        return (8000.0 if dlpf in (0, 7) else 1000.0) / (1 + self.regs[SMPLRT_DIV])

    @property
    def accel_range_g(self) -> int:
        return (2, 4, 8, 16)[(self.regs[ACCEL_CONFIG] >> 3) & 3]

    @property
    def dlpf_bandwidth_hz(self) -> int:
        return DLPF_ACCEL_BW_HZ[self.regs[CONFIG] & 7]

    def produce(self, accel_g, gyro_dps) -> None:
        if self.regs[PWR_MGMT_1] & 0x40:
            raise AssertionError("the part is asleep")
        if not (self.regs[USER_CTRL] & 0x40 and self.regs[FIFO_EN] == 0x78):
            raise AssertionError("the FIFO does not take accel + gyro")
        a = [raw16(v, 1 / ACCEL_LSB_PER_G[(self.regs[ACCEL_CONFIG] >> 3) & 3]) for v in accel_g]
        g = [raw16(v, 1 / GYRO_LSB_PER_DPS[(self.regs[GYRO_CONFIG] >> 3) & 3]) for v in gyro_dps]
        for word in (*a, *g):
            for byte in ((word >> 8) & 0xFF, word & 0xFF):
                if len(self.fifo) == 1024:
                    self.fifo.popleft()
                    if self.regs[INT_ENABLE] & 0x10:
                        self.oflow = True
                self.fifo.append(byte)

    def read_register(self, reg):
        if reg == INT_STATUS:
            value = 0x10 if self.oflow else 0
            self.oflow = False
            return value
        if reg == FIFO_COUNTH:
            return len(self.fifo) >> 8
        if reg == FIFO_COUNTL:
            return len(self.fifo) & 0xFF
        if reg == FIFO_R_W:
            return self.fifo.popleft() if self.fifo else 0xFF
        return super().read_register(reg)
