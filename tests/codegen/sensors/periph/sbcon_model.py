"""A register-level model of the ARM SBCon two-wire interface (the MPS2 boards' I2C, bit-banged by
the CPU) with the I2C bus behind it, decoded at the line level as UM10204 section 3.1 describes:
START/STOP are SDA edges while SCL is high, a bit is sampled on the SCL rising edge, the receiver
drives ACK on the ninth clock, a target changes SDA only while SCL is low. Registers (AN386 "SBCon"):
read 0x0 SB_CONTROL (bit 0 SCL, bit 1 SDA, as seen on the wired-AND lines), write 0x0 SB_CONTROLS
(release the given lines), write 0x4 SB_CONTROLC (pull them low). A model, not the FPGA image.
"""
from __future__ import annotations

from tests.codegen.sensors.periph.i2c_target import I2CTargets

SCL, SDA = 1, 2


class SbconModel:
    def __init__(self, base: int, targets: I2CTargets):
        self.base = base
        self.targets = targets
        self.master = SCL | SDA
        self.target_sda = 1           # the addressed target's SDA output (1 = released)
        self.scl_stuck_low = False    # a target holding the clock (stretching that never ends)
        self.sda_stuck_low = False    # a target left mid-byte, holding data low
        self.state = "idle"
        self.bits = 0
        self.shift = 0
        self.reading = False
        self.acked = False
        self.master_ack = False
        self.accesses: list[tuple[str, int, int]] = []
        self.foreign: list[int] = []  # accesses outside this controller's registers
        self.starts = 0
        self.stops = 0

    # ---- the lines as everyone sees them (wired AND)
    def scl(self) -> int:
        return 0 if self.scl_stuck_low or not (self.master & SCL) else 1

    def sda(self) -> int:
        return 0 if self.sda_stuck_low or not (self.master & SDA) or not self.target_sda else 1

    # ---- MMIO
    def read(self, address: int) -> int:
        if address != self.base:
            self.foreign.append(address)
            return 0
        return self.scl() | (self.sda() << 1)

    def write(self, address: int, value: int) -> None:
        if address not in (self.base, self.base + 4):
            self.foreign.append(address)
            return
        self.accesses.append(("set" if address == self.base else "clear", address, value))
        old_scl, old_sda = self.scl(), self.sda()
        if address == self.base:
            self.master |= value & (SCL | SDA)
        else:
            self.master &= ~value & (SCL | SDA)
        new_scl, new_sda = self.scl(), self.sda()
        if old_scl and new_scl and old_sda != new_sda:
            self._start() if not new_sda else self._stop()
        elif not old_scl and new_scl:
            self._rise()
        elif old_scl and not new_scl:
            self._fall()

    # ---- bus decoding
    def _start(self) -> None:
        self.starts += 1
        self.state, self.bits, self.shift = "addr", 0, 0
        self.target_sda = 1

    def _stop(self) -> None:
        self.stops += 1
        self.state = "idle"
        self.target_sda = 1
        self.targets.stop()

    def _rise(self) -> None:
        if self.state in ("addr", "wdata"):
            self.shift = (self.shift << 1) | self.sda()
            self.bits += 1
        elif self.state == "master_ack":
            self.master_ack = self.sda() == 0

    def _fall(self) -> None:
        if self.state in ("addr", "wdata") and self.bits == 8:
            if self.state == "addr":
                self.reading = bool(self.shift & 1)
                self.acked = self.targets.start(self.shift >> 1, self.reading)
            else:
                self.acked = self.targets.write(self.shift)
            self.target_sda = 0 if self.acked else 1
            self.state = "target_ack"
        elif self.state == "target_ack":
            self.target_sda = 1
            if not self.acked:
                self.state = "nacked"
            elif self.reading:
                self._next_read_byte()
            else:
                self.state, self.bits, self.shift = "wdata", 0, 0
        elif self.state == "rdata":
            self.bits += 1
            if self.bits == 8:
                self.target_sda = 1
                self.state = "master_ack"
            else:
                self.target_sda = (self.shift >> (7 - self.bits)) & 1
        elif self.state == "master_ack":
            if self.master_ack:
                self._next_read_byte()
            else:
                self.state = "nacked"

    def _next_read_byte(self) -> None:
        self.shift = self.targets.read()
        self.bits = 0
        self.state = "rdata"
        self.target_sda = (self.shift >> 7) & 1
