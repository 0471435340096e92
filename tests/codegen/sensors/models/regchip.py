"""What every register-level chip model shares: a 256-byte register file with reset values, the
writable set (a write anywhere else is a driver bug the model reports), the sub-address auto-increment
rule of the part, read/write hooks for data and FIFO registers, a log of register writes, and a
switch that makes the chip NACK (absent or dead part)."""
from __future__ import annotations

from tests.hostmodel import Nack


def raw16(value: float, lsb: float) -> int:
    """The signed 16-bit count a part reports for ``value`` at ``lsb`` units per count (rounded,
    saturated as the parts' output registers saturate)."""
    return max(-32768, min(32767, round(value / lsb)))


def le16(count: int) -> list[int]:
    return [count & 0xFF, (count >> 8) & 0xFF]


class RegisterChip:
    """A chip on I2C. Subclasses set ``reset`` (register -> value), ``writable`` and override
    ``pointer`` (sub-address -> first register, auto-increment?) and the hooks."""

    reset: dict[int, int] = {}
    writable: frozenset[int] = frozenset()

    def __init__(self) -> None:
        self.regs = bytearray(256)
        self.writes: list[tuple[int, int]] = []
        self.nack = False
        self.reset_registers()

    def reset_registers(self) -> None:
        self.regs[:] = bytes(256)
        for reg, value in self.reset.items():
            self.regs[reg] = value

    # --- the part's addressing rule ---
    def pointer(self, sub: int) -> tuple[int, bool]:
        """(first register, whether the address increments after each byte)"""
        return sub, True

    def next_register(self, reg: int) -> int:
        return (reg + 1) & 0xFF

    # --- hooks ---
    def read_register(self, reg: int) -> int:
        return self.regs[reg]

    def write_register(self, reg: int, value: int) -> None:
        self.regs[reg] = value

    def end_of_read(self, first: int, count: int) -> None:
        """called after a read transaction (e.g. data registers unlock for BDU)"""

    # --- I2C ---
    def transfer(self, write: bytes, read_len: int) -> bytes:
        if self.nack:
            raise Nack("the model is set to NACK")
        if not write:
            raise AssertionError("a read without a sub-address: the driver must address a register")
        reg, inc = self.pointer(write[0])
        first = reg
        for value in write[1:]:
            if reg not in self.writable:
                raise AssertionError(f"write of 0x{value:02x} to non-writable register 0x{reg:02x}")
            self.writes.append((reg, value))
            self.write_register(reg, value)
            if inc:
                reg = self.next_register(reg)
        out = []
        for _ in range(read_len):
            out.append(self.read_register(reg) & 0xFF)
            if inc:
                reg = self.next_register(reg)
        if read_len:
            self.end_of_read(first, read_len)
        return bytes(out)

    def last_write(self, reg: int) -> int:
        values = [v for r, v in self.writes if r == reg]
        if not values:
            raise AssertionError(f"register 0x{reg:02x} was never written")
        return values[-1]
