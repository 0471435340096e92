"""A register-level model of STM32L4 DFSDM1 (channel configuration, filter 0, the data unit) and of the
RCC/GPIOE/NVIC words its driver touches, written from RM0351's DFSDM chapter as I read it. A model,
not the chip.

What it models:
- the write rules: CKOUTDIV/CKOUTSRC change only while DFSDMEN=0; a channel's CFGR1/CFGR2 only while
  its CHEN=0; filter 0's FCR and CR1 configuration fields only while DFEN=0; RSWSTART acts only with
  DFEN=1 (a violating write raises, so a test fails on it);
- the serial input: 1-bit PDM where 1 counts +1 and 0 counts -1, strobed on CKOUT's rising edge
  (SITP=0) or falling edge (SITP=1): the two microphones sharing DATIN2;
- the Sinc^FORD filter (FORD 1-5) with decimation FOSR and the integrator IOSR, in exact integers
  (gain FOSR^FORD x IOSR), the data unit's right shift DTRBS rounding to nearest, OFFSET, and
  saturation to 24 bits; continuous regular conversions of channel RCH: one result per
  FOSR x IOSR input bits;
- RDATAR (data in bits 31:8, channel in 2:0) with REOCF cleared by reading it; a conversion that
  completes while REOCF is still set is lost and sets ROVRF (cleared through ICR); the interrupt
  (REOCIE/ROVRIE, NVIC IRQ 61) is raised to ``cpu_irq`` after a conversion.
"""
from __future__ import annotations

from typing import Callable, Iterable

BASE = 0x40016000
CH_CFGR1 = [BASE + 0x20 * y for y in range(8)]
CH_CFGR2 = [BASE + 0x20 * y + 0x04 for y in range(8)]
FLT0 = BASE + 0x100
FLT0_CR1, FLT0_CR2, FLT0_ISR, FLT0_ICR = FLT0, FLT0 + 0x04, FLT0 + 0x08, FLT0 + 0x0C
FLT0_FCR, FLT0_RDATAR = FLT0 + 0x14, FLT0 + 0x1C
RCC_AHB2ENR, RCC_APB2ENR, RCC_CCIPR = 0x4002104C, 0x40021060, 0x40021088
GPIOE_MODER, GPIOE_AFRL, GPIOE_AFRH = 0x48001000, 0x48001020, 0x48001024
NVIC_ISER1 = 0xE000E104
IRQN = 61

DFSDMEN, CHEN = 1 << 31, 1 << 7
DFEN, RSWSTART, RCONT, FAST = 1 << 0, 1 << 17, 1 << 18, 1 << 29
REOCIE, ROVRIE = 1 << 1, 1 << 3
REOCF, ROVRF = 1 << 1, 1 << 3
KERNEL_HZ = 80_000_000


def _field(value: int, shift: int, width: int) -> int:
    return (value >> shift) & ((1 << width) - 1)


class Stm32l4DfsdmModel:
    def __init__(self) -> None:
        self.regs: dict[int, int] = {GPIOE_MODER: 0xFFFFFFFF}  # GPIOE pins reset to analog mode
        self.nvic = [0, 0, 0]
        self.isr = 0
        self.rdatar = 0
        self.converting = False
        self.log: list[tuple[str, int, int]] = []
        self._reset_filter()

    # --- derived configuration ----------------------------------------------------------------
    def cfg1(self, y: int) -> int:
        return self.regs.get(CH_CFGR1[y], 0)

    @property
    def ckout_div(self) -> int:
        return _field(self.cfg1(0), 16, 8) + 1

    @property
    def ford(self) -> int:
        return _field(self.regs.get(FLT0_FCR, 0), 29, 3)

    @property
    def fosr(self) -> int:
        return _field(self.regs.get(FLT0_FCR, 0), 16, 10) + 1

    @property
    def iosr(self) -> int:
        return _field(self.regs.get(FLT0_FCR, 0), 0, 8) + 1

    @property
    def rch(self) -> int:
        return _field(self.regs.get(FLT0_CR1, 0), 24, 3)

    def dtrbs(self, y: int) -> int:
        return _field(self.regs.get(CH_CFGR2[y], 0), 3, 5)

    def offset(self, y: int) -> int:
        raw = _field(self.regs.get(CH_CFGR2[y], 0), 8, 24)
        return raw - (1 << 24) if raw & (1 << 23) else raw

    # --- bus side -----------------------------------------------------------------------------
    def read(self, address: int) -> int:
        if address == FLT0_ISR:
            return self.isr
        if address == FLT0_RDATAR:
            self.isr &= ~REOCF
            return self.rdatar
        if address == NVIC_ISER1:
            return self.nvic[1]
        return self.regs.get(address, 0)

    def write(self, address: int, value: int) -> None:
        self.log.append(("w", address, value))
        old = self.regs.get(address, 0)
        if address == NVIC_ISER1:
            self.nvic[1] |= value
            return
        if address == FLT0_ICR:
            if value & (1 << 3):
                self.isr &= ~ROVRF
            return
        if address in (FLT0_ISR, FLT0_RDATAR):
            return  # read-only
        if address == CH_CFGR1[0]:
            if self.cfg1(0) & DFSDMEN and (old ^ value) & ((0xFF << 16) | (1 << 30)):
                raise AssertionError("CKOUTDIV/CKOUTSRC written while DFSDMEN=1")
        if address in CH_CFGR1 or address in CH_CFGR2:
            y = (address - BASE) // 0x20
            free = CHEN if address in CH_CFGR1 else 0  # CHEN itself; y=0's global fields: above
            if address == CH_CFGR1[0]:
                free |= DFSDMEN | (0xFF << 16) | (1 << 30)
            if self.cfg1(y) & CHEN and (old ^ value) & ~free & 0xFFFFFFFF:
                raise AssertionError(f"channel {y} configuration written while CHEN=1")
        if address == FLT0_FCR and self.regs.get(FLT0_CR1, 0) & DFEN and old != value:
            raise AssertionError("FLT0 FCR written while DFEN=1")
        if address == FLT0_CR1:
            enabled = old & DFEN
            config_bits = (7 << 24) | RCONT | FAST | (1 << 19) | (1 << 21)
            if enabled and (old ^ value) & config_bits:
                raise AssertionError("FLT0 CR1 regular configuration written while DFEN=1")
            if value & RSWSTART:
                if not value & DFEN:
                    raise AssertionError("RSWSTART written while DFEN=0: ignored by the DFSDM")
                self.converting = True
                self._reset_filter()
            value &= ~RSWSTART  # always reads 0
            if not value & DFEN:
                self.converting = False
        self.regs[address] = value

    # --- the microphones side -----------------------------------------------------------------
    def _reset_filter(self) -> None:
        self.integrators = [0] * 5
        self.combs = [0] * 5
        self.bit_count = 0
        self.iosr_count = 0
        self.iosr_sum = 0

    def running(self) -> bool:
        y = self.rch
        return (self.converting and self.cfg1(0) & DFSDMEN and self.cfg1(y) & CHEN
                and self.regs.get(FLT0_CR1, 0) & DFEN and _field(self.cfg1(y), 2, 2) == 1)

    def _irq_pending(self) -> bool:
        if not self.nvic[IRQN // 32] & (1 << (IRQN % 32)):
            return False
        cr2 = self.regs.get(FLT0_CR2, 0)
        return bool((cr2 & REOCIE and self.isr & REOCF) or (cr2 & ROVRIE and self.isr & ROVRF))

    def feed_pdm(self, rising: Iterable[int], falling: Iterable[int] | None = None,
                 cpu_irq: Callable[[], None] | None = None) -> None:
        """Both microphones' bit streams on DATIN2: `rising` is the one valid on CKOUT's rising
        edge, `falling` the other. The channel reads the one its SITP selects."""
        if not self.running():
            raise AssertionError("DFSDM channel/filter not running")
        y = self.rch
        if self.cfg1(y) & (1 << 8):
            raise AssertionError("model: CHINSEL=1 (pins of channel y+1) is not modelled")
        sitp = _field(self.cfg1(y), 0, 2)
        stream = rising if sitp == 0 else falling
        if sitp > 1 or stream is None:
            raise AssertionError(f"model: SITP={sitp} stream is not provided")
        order = self.ford
        if not 1 <= order <= 5:
            raise AssertionError(f"model: FORD={order} (FastSinc) is not modelled")
        for bit in stream:
            x = 1 if bit else -1
            acc = x
            for k in range(order):
                self.integrators[k] += acc
                acc = self.integrators[k]
            self.bit_count += 1
            if self.bit_count < self.fosr:
                continue
            self.bit_count = 0
            for k in range(order):
                acc, self.combs[k] = acc - self.combs[k], acc
            self.iosr_sum += acc
            self.iosr_count += 1
            if self.iosr_count < self.iosr:
                continue
            self._convert(self.iosr_sum, y, cpu_irq)
            self.iosr_sum = self.iosr_count = 0

    def _convert(self, raw: int, y: int, cpu_irq: Callable[[], None] | None) -> None:
        shift = self.dtrbs(y)
        data = (raw + (1 << (shift - 1))) >> shift if shift else raw
        data -= self.offset(y)
        data = max(-(1 << 23), min((1 << 23) - 1, data))
        self.complete(data, cpu_irq)

    def complete(self, data: int, cpu_irq: Callable[[], None] | None = None) -> None:
        """A regular conversion of 24-bit `data` completes (used directly by data-path tests)."""
        if self.isr & REOCF:
            self.isr |= ROVRF  # RDATAR not read in time: this result is lost
        else:
            self.rdatar = ((data & 0xFFFFFF) << 8) | self.rch
            self.isr |= REOCF
        if cpu_irq is not None and self._irq_pending():
            cpu_irq()
