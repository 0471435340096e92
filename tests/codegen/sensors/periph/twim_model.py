"""A register-level model of the nRF52840 TWIM (Product Specification v1.7, section 6.31) with its
EasyDMA buffers and the I2C bus behind it (``I2CTargets``), plus the GPIO writes around it. Tasks run
to completion at once (no timing): STARTTX sends ADDRESS+W and TXD.MAXCNT bytes from TXD.PTR, then
LASTTX; STARTRX sends ADDRESS+R and reads RXD.MAXCNT bytes to RXD.PTR, then LASTRX; the SHORTS chain
them (LASTTX_STARTRX = repeated START) and end them (LASTTX_STOP, LASTRX_STOP -> STOPPED). A refused
address or byte raises ERROR with ERRORSRC ANACK/DNACK and waits for the STOP task (6.31.6). A model.
"""
from __future__ import annotations

import ctypes

from tests.codegen.sensors.periph.i2c_target import I2CTargets

STARTRX, STARTTX, STOP = 0x000, 0x008, 0x014
STOPPED, ERROR, LASTRX, LASTTX = 0x104, 0x124, 0x15C, 0x160
SHORTS, ERRORSRC, ENABLE, PSEL_SCL, PSEL_SDA, FREQUENCY = 0x200, 0x4C4, 0x500, 0x508, 0x50C, 0x524
RXD_PTR, RXD_MAXCNT, RXD_AMOUNT, TXD_PTR, TXD_MAXCNT, TXD_AMOUNT, ADDRESS = (
    0x534, 0x538, 0x53C, 0x544, 0x548, 0x54C, 0x588)
LASTTX_STARTRX, LASTTX_STOP, LASTRX_STOP = 1 << 7, 1 << 9, 1 << 12
ANACK, DNACK = 1 << 1, 1 << 2
FREQUENCIES = {0x01980000: 100_000, 0x04000000: 250_000, 0x06400000: 400_000}


class TwimModel:
    def __init__(self, base: int, targets: I2CTargets, dma: dict[int, int]):
        """``dma``: the low 32 bits of each DMA buffer's address -> its full host address."""
        self.base = base
        self.targets = targets
        self.dma = dma
        self.regs: dict[int, int] = {}
        self.stuck = False          # SCL held low by a target: a started task never ends
        self.gpio_writes: list[tuple[int, int]] = []
        self.problems: list[str] = []
        self._waiting_stop = False

    def read(self, address: int) -> int:
        if not self.base <= address < self.base + 0x1000:
            return 0
        return self.regs.get(address - self.base, 0)

    def write(self, address: int, value: int) -> None:
        if not self.base <= address < self.base + 0x1000:
            self.gpio_writes.append((address, value))
            return
        off = address - self.base
        if off == ERRORSRC:
            self.regs[off] = self.regs.get(off, 0) & ~value
        elif off in (STARTTX, STARTRX, STOP):
            if value == 1:
                self._task(off)
        else:
            self.regs[off] = value

    # ---- tasks
    def _task(self, task: int) -> None:
        if self.regs.get(ENABLE) != 6:
            self.problems.append("task while TWIM is not enabled")
            return
        if self.regs.get(FREQUENCY) not in FREQUENCIES:
            self.problems.append("FREQUENCY is not one of the defined values")
        if self.stuck:
            return
        if task == STOP:
            if self._waiting_stop:
                self._stop()
            return
        if task == STARTTX:
            self._tx()
        else:
            self._rx()

    def _error(self, src: int) -> None:
        self.regs[ERRORSRC] = self.regs.get(ERRORSRC, 0) | src
        self.regs[ERROR] = 1
        self._waiting_stop = True

    def _stop(self) -> None:
        self._waiting_stop = False
        self.targets.stop()
        self.regs[STOPPED] = 1

    def _buffer(self, ptr_reg: int) -> int:
        low = self.regs.get(ptr_reg, 0)
        if low not in self.dma:
            raise AssertionError(f"DMA pointer 0x{low:08x} is not one of the driver's RAM buffers")
        return self.dma[low]

    def _tx(self) -> None:
        address = self.regs.get(ADDRESS, 0)
        if not self.targets.start(address, False):
            self._error(ANACK)
            return
        n = self.regs.get(TXD_MAXCNT, 0)
        data = ctypes.string_at(self._buffer(TXD_PTR), n) if n else b""
        for i, byte in enumerate(data):
            if not self.targets.write(byte):
                self.regs[TXD_AMOUNT] = i + 1
                self._error(DNACK)
                return
        self.regs[TXD_AMOUNT] = n
        self.regs[LASTTX] = 1
        shorts = self.regs.get(SHORTS, 0)
        if shorts & LASTTX_STARTRX:
            self._rx()
        elif shorts & LASTTX_STOP:
            self._stop()

    def _rx(self) -> None:
        address = self.regs.get(ADDRESS, 0)
        if not self.targets.start(address, True):
            self._error(ANACK)
            return
        n = self.regs.get(RXD_MAXCNT, 0)
        data = bytes(self.targets.read() for _ in range(n))
        if n:
            ctypes.memmove(self._buffer(RXD_PTR), data, n)
        self.regs[RXD_AMOUNT] = n
        self.regs[LASTRX] = 1
        if self.regs.get(SHORTS, 0) & LASTRX_STOP:
            self._stop()
