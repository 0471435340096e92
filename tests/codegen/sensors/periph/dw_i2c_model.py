"""A register-level model of the RP2040's DW_apb_i2c in master mode (RP2040 datasheet 4.3) with the
bus behind it (``I2CTargets``), and the RESETS/IO_BANK0/PADS registers around it as plain memory
(RESET_DONE reads as done). Each IC_DATA_CMD write runs at once: the first, a RESTART or a change of
direction (IC_RESTART_EN) sends (repeated) START + IC_TAR + R/W; a write byte goes out, a read
byte lands in the RX FIFO; STOP ends the transfer (STOP_DET). A refused address/byte raises TX_ABRT
with IC_TX_ABRT_SOURCE, sends STOP and flushes further commands until IC_CLR_TX_ABRT is read. A model.
"""
from __future__ import annotations

from tests.codegen.sensors.periph.i2c_target import I2CTargets

IC_CON, IC_TAR, IC_DATA_CMD, IC_FS_SCL_HCNT, IC_FS_SCL_LCNT = 0x00, 0x04, 0x10, 0x1C, 0x20
IC_RAW_INTR_STAT, IC_CLR_TX_ABRT, IC_CLR_STOP_DET, IC_ENABLE = 0x34, 0x54, 0x60, 0x6C
IC_STATUS, IC_RXFLR, IC_SDA_HOLD, IC_TX_ABRT_SOURCE, IC_FS_SPKLEN = 0x70, 0x78, 0x7C, 0x80, 0xA0
TX_ABRT, STOP_DET = 1 << 6, 1 << 9
READ, STOP, RESTART = 1 << 8, 1 << 9, 1 << 10
RESET_DONE = 0x4000C008


class DwI2cModel:
    def __init__(self, base: int, targets: I2CTargets):
        self.base = base
        self.targets = targets
        self.regs: dict[int, int] = {}
        self.memory: dict[int, int] = {}
        self.rx: list[int] = []
        self.raw = 0
        self.abort_source = 0
        self.flushing = False
        self.direction: bool | None = None   # None: no transfer open
        self.stuck = False                    # a target holds SCL: commands never execute
        self.problems: list[str] = []

    def read(self, address: int) -> int:
        if not self.base <= address < self.base + 0x100:
            return 0xFFFFFFFF if address == RESET_DONE else self.memory.get(address, 0)
        off = address - self.base
        if off == IC_DATA_CMD:
            return self.rx.pop(0) if self.rx else 0
        if off == IC_STATUS:
            tfnf = 0 if self.stuck else 1 << 1
            return tfnf | (1 << 2) | ((1 << 3) if self.rx else 0)
        if off == IC_RXFLR:
            return len(self.rx)
        if off == IC_RAW_INTR_STAT:
            return self.raw
        if off == IC_TX_ABRT_SOURCE:
            return self.abort_source
        if off == IC_CLR_TX_ABRT:
            self.raw &= ~TX_ABRT
            self.abort_source = 0
            self.flushing = False
            return 0
        if off == IC_CLR_STOP_DET:
            self.raw &= ~STOP_DET
            return 0
        return self.regs.get(off, 0)

    def write(self, address: int, value: int) -> None:
        if not self.base <= address < self.base + 0x100:
            self.memory[address] = value
            return
        off = address - self.base
        if off in (IC_CON, IC_TAR, IC_FS_SCL_HCNT, IC_FS_SCL_LCNT, IC_FS_SPKLEN, IC_SDA_HOLD) \
                and self.regs.get(IC_ENABLE, 0) & 1:
            self.problems.append(f"register 0x{off:02x} written while the controller is enabled")
        if off == IC_ENABLE and not value & 1:
            self.rx.clear()
            if self.direction is not None:  # disabling mid-transfer ends it
                self.targets.stop()
                self.direction = None
        if off == IC_DATA_CMD:
            self._command(value)
        else:
            self.regs[off] = value

    def _command(self, value: int) -> None:
        if not self.regs.get(IC_ENABLE, 0) & 1:
            self.problems.append("IC_DATA_CMD written while disabled")
            return
        if self.stuck or self.flushing:
            return
        reading = bool(value & READ)
        if self.direction is None or value & RESTART or reading != self.direction:
            self.direction = reading
            if not self.targets.start(self.regs.get(IC_TAR, 0) & 0x7F, reading):
                self._abort(1 << 0)  # ABRT_7B_ADDR_NOACK
                return
        if reading:
            self.rx.append(self.targets.read())
        elif not self.targets.write(value & 0xFF):
            self._abort(1 << 3)  # ABRT_TXDATA_NOACK
            return
        if value & STOP:
            self._stop()

    def _abort(self, source: int) -> None:
        self.abort_source |= source
        self.raw |= TX_ABRT
        self.flushing = True
        self._stop()

    def _stop(self) -> None:
        self.targets.stop()
        self.direction = None
        self.raw |= STOP_DET
