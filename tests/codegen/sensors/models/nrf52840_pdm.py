"""A register-level model of the nRF52840 PDM peripheral (and of the few GPIO/NVIC words its driver
touches), written from the nRF52840 Product Specification v1.x, PDM chapter. A model, not the chip.

What it models, as the PS describes it:
- registers keep what is written (ENABLE, PDMCLKCTRL, MODE, GAINL/R, RATIO, PSEL.*, SAMPLE.*);
- TASKS_START (with ENABLE=1) latches SAMPLE.PTR/MAXCNT and raises EVENTS_STARTED: from then on
  SAMPLE.PTR may be rewritten for the *next* buffer (double buffering);
- EasyDMA: the "microphone" (``feed``) writes little-endian int16 samples into the RAM the latched
  pointer names; when MAXCNT samples are in, EVENTS_END is raised and the PDM carries straight on
  with the pointer the register holds now (latching it, EVENTS_STARTED again);
- TASKS_STOP closes the buffer being filled (EVENTS_END) and raises EVENTS_STOPPED; the model
  refuses ENABLE=0 while a transfer runs (stop first);
- events are flags (write 0 clears, a second event before the clear is not counted) and raise the
  interrupt when enabled in INTEN and in the NVIC: ``feed`` then calls the CPU's handler, once per
  buffer boundary, as the NVIC would (END and STARTED come together at a boundary).

Host pointers are 64-bit while SAMPLE.PTR holds 32 bits: the model takes the upper half from the
address of the driver's state (``ram_base``), which holds the buffers.
"""
from __future__ import annotations

import ctypes
import struct
from typing import Callable, Iterable

BASE = 0x4001D000
TASKS_START, TASKS_STOP = BASE + 0x000, BASE + 0x004
EVENTS_STARTED, EVENTS_STOPPED, EVENTS_END = BASE + 0x100, BASE + 0x104, BASE + 0x108
INTEN, INTENSET, INTENCLR = BASE + 0x300, BASE + 0x304, BASE + 0x308
ENABLE, PDMCLKCTRL, MODE = BASE + 0x500, BASE + 0x504, BASE + 0x508
GAINL, GAINR, RATIO = BASE + 0x518, BASE + 0x51C, BASE + 0x520
PSEL_CLK, PSEL_DIN = BASE + 0x540, BASE + 0x544
SAMPLE_PTR, SAMPLE_MAXCNT = BASE + 0x560, BASE + 0x564
P0_OUTSET = 0x50000508
P0_PIN_CNF0 = 0x50000700
NVIC_ISER0 = 0xE000E100
PDM_IRQN = 29

RESET = {PDMCLKCTRL: 0x08400000, MODE: 0, GAINL: 0x28, GAINR: 0x28, RATIO: 0,
         PSEL_CLK: 0xFFFFFFFF, PSEL_DIN: 0xFFFFFFFF, ENABLE: 0, SAMPLE_PTR: 0, SAMPLE_MAXCNT: 0}
INT_BITS = {EVENTS_STARTED: 1 << 0, EVENTS_STOPPED: 1 << 1, EVENTS_END: 1 << 2}


class Nrf52840PdmModel:
    def __init__(self, ram_base: int):
        self.ram_high = ram_base & ~0xFFFFFFFF
        self.regs = dict(RESET)
        self.events = {EVENTS_STARTED: 0, EVENTS_STOPPED: 0, EVENTS_END: 0}
        self.inten = 0
        self.nvic_enabled = 0
        self.gpio_out = 0
        self.pin_cnf: dict[int, int] = {}
        self.running = False
        self.current: tuple[int, int] | None = None  # latched (ptr32, maxcnt)
        self.position = 0
        self.latched: list[int] = []      # every pointer latched, in order
        self.ptr_writes: list[int] = []   # every SAMPLE.PTR write, in order
        self.log: list[tuple[str, int, int]] = []

    # --- bus side -----------------------------------------------------------------------------
    def read(self, address: int) -> int:
        if address in self.events:
            return self.events[address]
        if address in (INTEN, INTENSET, INTENCLR):
            return self.inten
        return self.regs.get(address, 0)

    def write(self, address: int, value: int) -> None:
        self.log.append(("w", address, value))
        if address in self.events:
            self.events[address] = value & 1
        elif address == INTENSET:
            self.inten |= value
        elif address == INTENCLR:
            self.inten &= ~value
        elif address == INTEN:
            self.inten = value
        elif address == NVIC_ISER0:
            self.nvic_enabled |= value
        elif address == P0_OUTSET:
            self.gpio_out |= value
        elif P0_PIN_CNF0 <= address < P0_PIN_CNF0 + 4 * 32:
            self.pin_cnf[(address - P0_PIN_CNF0) // 4] = value
        elif address == TASKS_START:
            if value and self.regs[ENABLE] == 1:
                self.running = True
                self._latch()
        elif address == TASKS_STOP:
            if value and self.running:
                self.running = False
                self.current = None
                self.events[EVENTS_END] = 1      # the partly filled buffer is closed ...
                self.events[EVENTS_STOPPED] = 1  # ... and the PDM stops
        else:
            if address == ENABLE and value == 0 and self.running:
                raise AssertionError("model: PDM disabled while a transfer runs (STOP it first)")
            if address == SAMPLE_PTR:
                self.ptr_writes.append(value)
            self.regs[address] = value

    # --- the microphone side ------------------------------------------------------------------
    def _latch(self) -> None:
        ptr, maxcnt = self.regs[SAMPLE_PTR], self.regs[SAMPLE_MAXCNT]
        if ptr % 4:
            raise AssertionError(f"SAMPLE.PTR 0x{ptr:08x} is not word aligned")
        if not 0 < maxcnt <= 0x7FFF:
            raise AssertionError(f"SAMPLE.MAXCNT {maxcnt} is out of range")
        self.current = (ptr, maxcnt)
        self.position = 0
        self.latched.append(ptr)
        self.events[EVENTS_STARTED] = 1

    def _interrupt_pending(self) -> bool:
        if not self.nvic_enabled & (1 << PDM_IRQN):
            return False
        return any(flag and self.inten & INT_BITS[ev] for ev, flag in self.events.items())

    def feed(self, samples: Iterable[int], cpu_irq: Callable[[], None] | None = None) -> None:
        """The microphone produces `samples` (int16); EasyDMA stores them; the NVIC calls `cpu_irq`
        after a buffer boundary (and after the first START) while an enabled event is pending."""
        if not self.running or self.current is None:
            raise AssertionError("PDM not started")
        if cpu_irq is not None and self._interrupt_pending():
            cpu_irq()
        for sample in samples:
            ptr, maxcnt = self.current
            address = self.ram_high | (ptr + 2 * self.position)
            ctypes.memmove(address, struct.pack("<h", sample), 2)
            self.position += 1
            if self.position == maxcnt:
                self.events[EVENTS_END] = 1
                self._latch()
                if cpu_irq is not None and self._interrupt_pending():
                    cpu_irq()
