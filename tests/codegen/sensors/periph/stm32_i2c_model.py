"""A register-level model of the STM32L4 I2C peripheral in master mode (RM0351 section 39.4.9) with the
bus behind it (``I2CTargets``), plus the RCC/GPIO registers around it as plain memory. Writing CR2 with
START sends (repeated) START + SADD + RD_WRN; then NBYTES bytes go by TXIS/TXDR or RXNE/RXDR; after
them AUTOEND sends STOP (STOPF), else TC holds for a repeated START. A refused address or byte sets
NACKF and the peripheral sends STOP itself. TIMINGR written while PE = 1 is recorded as a problem
(the manual forbids it). A model, not the silicon: no timing, no clock stretching but ``stuck``."""
from __future__ import annotations

from tests.codegen.sensors.periph.i2c_target import I2CTargets

CR1, CR2, TIMINGR, ISR, ICR, RXDR, TXDR = 0x00, 0x04, 0x10, 0x18, 0x1C, 0x24, 0x28
TXE, TXIS, RXNE, NACKF, STOPF, TC, BUSY = 1, 2, 4, 16, 32, 64, 1 << 15
RD_WRN, START, STOP, AUTOEND = 1 << 10, 1 << 13, 1 << 14, 1 << 25


class Stm32I2cModel:
    def __init__(self, base: int, targets: I2CTargets):
        self.base = base
        self.targets = targets
        self.memory: dict[int, int] = {}    # RCC, GPIO: read as written
        self.cr1 = self.cr2 = self.timingr = 0
        self.flags = TXE
        self.rxdr = 0
        self.remaining = 0
        self.reading = False
        self.stuck = False                  # a target holds the bus: BUSY forever, nothing moves
        self.problems: list[str] = []
        self.timingr_writes: list[int] = []

    def read(self, address: int) -> int:
        if not self.base <= address < self.base + 0x400:
            return self.memory.get(address, 0)
        off = address - self.base
        if off == ISR:
            return self.flags | (BUSY if self.stuck or self._busy else 0)
        if off == RXDR:
            value = self.rxdr
            self.flags &= ~RXNE
            self._next_read()
            return value
        return {CR1: self.cr1, CR2: self.cr2, TIMINGR: self.timingr}.get(off, 0)

    @property
    def _busy(self) -> bool:
        return self.targets._open is not None

    def write(self, address: int, value: int) -> None:
        if not self.base <= address < self.base + 0x400:
            self.memory[address] = value
            return
        off = address - self.base
        if off == CR1:
            self.cr1 = value
            if not value & 1:  # PE = 0: software reset of the state machine
                self.flags = TXE
                if self._busy:
                    self.targets.stop()
        elif off == TIMINGR:
            if self.cr1 & 1:
                self.problems.append("TIMINGR written while PE = 1")
            self.timingr = value
            self.timingr_writes.append(value)
        elif off == ICR:
            self.flags &= ~(value & (NACKF | STOPF))
        elif off == CR2:
            self.cr2 = value
            if value & START:
                self._start()
        elif off == TXDR:
            self._tx(value & 0xFF)

    def _start(self) -> None:
        if not self.cr1 & 1:
            self.problems.append("START while PE = 0")
            return
        if self.stuck:
            return
        self.flags &= ~(TC | TXIS | RXNE)
        self.reading = bool(self.cr2 & RD_WRN)
        self.remaining = (self.cr2 >> 16) & 0xFF
        if not self.targets.start((self.cr2 >> 1) & 0x7F, self.reading):
            self._nack()
            return
        if self.reading:
            self._next_read()
        elif self.remaining:
            self.flags |= TXIS
        else:
            self._done()

    def _tx(self, byte: int) -> None:
        if not self.flags & TXIS:
            self.problems.append("TXDR written without TXIS")
            return
        self.flags &= ~TXIS
        if not self.targets.write(byte):
            self._nack()
            return
        self.remaining -= 1
        if self.remaining:
            self.flags |= TXIS
        else:
            self._done()

    def _next_read(self) -> None:
        if not self.reading or self.flags & RXNE:
            return
        if self.remaining:
            self.rxdr = self.targets.read()
            self.remaining -= 1
            self.flags |= RXNE
        elif self._busy:
            self._done()

    def _done(self) -> None:
        if self.cr2 & AUTOEND:
            self.targets.stop()
            self.flags |= STOPF
        else:
            self.flags |= TC

    def _nack(self) -> None:
        self.flags |= NACKF
        self.targets.stop()
        self.flags |= STOPF
