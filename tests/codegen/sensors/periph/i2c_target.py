"""Byte-level I2C targets and a transaction log, shared by the bus-peripheral models.

A bus-peripheral model (SBCon lines, nRF52840 TWIM, STM32L4 I2C, RP2040 DW_apb_i2c) turns the
driver's register accesses into bus events; it hands them to an ``I2CTargets`` which routes them to
the target at the address and records every transaction as the NXP I2C-bus specification (UM10204
section 3.1) frames it: START, address + R/W, data bytes, repeated START, ..., STOP. A
``RegisterTarget`` is a generic register-pointer device (first written byte sets the pointer, later
bytes write registers, reads return registers from the pointer on): a model of the I2C protocol, not
of any chip.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Segment:
    address: int
    read: bool
    data: bytearray = field(default_factory=bytearray)
    acked: bool = True


class RegisterTarget:
    def __init__(self, registers: dict[int, int] | None = None):
        self.registers = bytearray(256)
        for reg, value in (registers or {}).items():
            self.registers[reg] = value
        self.pointer = 0
        self._first = True

    def start(self, read: bool) -> None:
        self._first = not read

    def write(self, byte: int) -> bool:
        if self._first:
            self.pointer = byte
            self._first = False
        else:
            self.registers[self.pointer] = byte
            self.pointer = (self.pointer + 1) & 0xFF
        return True

    def read(self) -> int:
        value = self.registers[self.pointer]
        self.pointer = (self.pointer + 1) & 0xFF
        return value


class I2CTargets:
    """Targets by 7-bit address; ``transactions`` is a list of segment lists, one per START..STOP."""

    def __init__(self) -> None:
        self.targets: dict[int, RegisterTarget] = {}
        self.transactions: list[list[Segment]] = []
        self._open: list[Segment] | None = None
        self._target: RegisterTarget | None = None

    def attach(self, address: int, target) -> None:
        self.targets[address] = target

    def start(self, address: int, read: bool) -> bool:
        """START or repeated START with address + R/W; True when a target ACKs the address."""
        if self._open is None:
            self._open = []
            self.transactions.append(self._open)
        seg = Segment(address, read)
        self._open.append(seg)
        self._target = self.targets.get(address)
        if self._target is None:
            seg.acked = False
            return False
        self._target.start(read)
        return True

    def write(self, byte: int) -> bool:
        seg = self._open[-1]
        seg.data.append(byte)
        return self._target.write(byte) if self._target else False

    def read(self) -> int:
        value = self._target.read() if self._target else 0xFF
        self._open[-1].data.append(value)
        return value

    def stop(self) -> None:
        self._open = None
        self._target = None

    def frames(self) -> list[list[tuple[int, str, bytes]]]:
        """The log as plain tuples (address, "R"/"W", bytes), acked segments only marked by case:
        a refused address shows as "w?"/"r?"."""
        out = []
        for tr in self.transactions:
            out.append([(s.address, ("R" if s.read else "W") if s.acked else ("r?" if s.read else "w?"),
                         bytes(s.data)) for s in tr])
        return out
