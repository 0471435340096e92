"""A register-level model of the nRF52840's LFCLK (CLOCK), RTC1 and the NVIC lines the sample tick
uses, with a core that sleeps in WFI, written from the nRF52840 Product Specification v1.7 (CLOCK
chapter, "LFCLK controller"; RTC chapter: COUNTER, PRESCALER, CC/COMPARE with the N / N+1 rule,
INTEN/EVTEN; "Peripheral interface", interrupt clearing). A model, not the chip: nothing here ran on
a board.

Time is counted in core cycles at 64 MHz. Every register access costs ``access_cycles``; the RTC
counts LFCLK periods since TASKS_START (PRESCALER 0 only). The core's cycle counter (the stand-in
for SysTick, read at ``CORE_CYCLES``) counts only while awake unless ``systick_runs_asleep``. Three
test-only addresses stand for what the core does, not registers: ``WFI`` (sleep until an enabled
interrupt is pending), ``TAKE`` (which enabled interrupt is pending: its entry clears the pending
bit) and ``RETURN`` (the handler returns)."""
from __future__ import annotations

CLOCK_HZ = 64_000_000
LFCLK_HZ = 32_768
MASK24 = 0xFFFFFF

CLOCK = 0x40000000
TASKS_LFCLKSTART, TASKS_LFCLKSTOP = CLOCK + 0x008, CLOCK + 0x00C
EVENTS_LFCLKSTARTED, LFCLKSRC = CLOCK + 0x104, CLOCK + 0x518
RTC1 = 0x40011000
RTC_START, RTC_STOP, RTC_CLEAR = RTC1 + 0x000, RTC1 + 0x004, RTC1 + 0x008
RTC_EVENTS_COMPARE0 = RTC1 + 0x140
RTC_INTENSET, RTC_INTENCLR = RTC1 + 0x304, RTC1 + 0x308
RTC_EVTENSET, RTC_EVTENCLR = RTC1 + 0x344, RTC1 + 0x348
RTC_COUNTER, RTC_PRESCALER, RTC_CC0 = RTC1 + 0x504, RTC1 + 0x508, RTC1 + 0x540
COMPARE0_BIT = 1 << 16
NVIC_ISER0, NVIC_ICPR0 = 0xE000E100, 0xE000E280
RTC1_IRQ = 17
CORE_CYCLES = 0xE0001004          # the core's cycle counter (test stand-in for SysTick)
WFI, TAKE, RETURN = 0xFFFF0000, 0xFFFF0004, 0xFFFF0008   # test-only: what the core does
NO_IRQ = 0xFFFFFFFF


class Nrf52840TickModel:
    def __init__(self, crystal: bool = True, systick_runs_asleep: bool = False, access_cycles: int = 20,
                 lfxo_start_s: float = 0.25, lfrc_start_s: float = 0.0006):
        self.crystal = crystal
        self.systick_runs_asleep = systick_runs_asleep
        self.access_cycles = access_cycles
        self.lfxo_start_cycles = round(lfxo_start_s * CLOCK_HZ)
        self.lfrc_start_cycles = round(lfrc_start_s * CLOCK_HZ)
        self.now = 0                  # core cycles of real time
        self.systick = 0              # what the core's counter shows
        self.lfclk_src = 0
        self.lfclk_start_at: int | None = None    # when LFCLKSTARTED comes (None: never)
        self.lfclk_started = 0
        self.lfclk_running = False
        self.lfclk_requested = False  # between TASKS_LFCLKSTART and TASKS_LFCLKSTOP
        self.rtc_running = False
        self.rtc_origin = 0           # real time of COUNTER 0
        self.rtc_held = 0             # COUNTER while stopped
        self.prescaler = 0
        self.cc0 = 0
        self.inten = 0
        self.evten = 0
        self.event = 0
        self.last_counter = 0
        self.pending = 0              # NVIC pending bits
        self.enabled = 0              # NVIC enable bits
        self.log: list[tuple[str, int, int]] = []          # (op, address, value), in order
        self.violations: list[str] = []
        self.wakes: list[int] = []    # real time of each wake from WFI
        self.sleep_cycles = 0
        self.handler_runs = 0
        self._cleared_in_handler = False
        self._read_back = False
        self._in_handler = False

    # ---- time ----
    def counter(self) -> int:
        if not self.rtc_running:
            return self.rtc_held
        return (self.now - self.rtc_origin) * LFCLK_HZ // CLOCK_HZ & MASK24

    def _advance(self, cycles: int, awake: bool = True) -> None:
        before = self.counter()
        self.now += cycles
        if awake or self.systick_runs_asleep:
            self.systick += cycles
        if self.rtc_running:
            steps = ((self.now - self.rtc_origin) * LFCLK_HZ // CLOCK_HZ
                     - (self.now - cycles - self.rtc_origin) * LFCLK_HZ // CLOCK_HZ)
            # COMPARE0 when COUNTER reaches CC0 within this step
            if steps > 0 and (self.cc0 - before - 1) & MASK24 < steps:
                self._compare()
        if self.lfclk_start_at is not None and self.now >= self.lfclk_start_at and not self.lfclk_started:
            self.lfclk_started = 1
            self.lfclk_running = True

    def _compare(self) -> None:
        self.event = 1
        if self.inten & COMPARE0_BIT:
            self.pending |= 1 << RTC1_IRQ

    def work(self, cycles: int) -> None:
        """The core runs ``cycles`` of the pipeline's work (interrupts stay pending meanwhile)."""
        self._advance(cycles)

    def _next_compare_cycles(self) -> int | None:
        if not (self.rtc_running and self.inten & COMPARE0_BIT and self.enabled & (1 << RTC1_IRQ)):
            return None
        counts = (self.cc0 - self.counter()) & MASK24 or (1 << 24)
        target = self.rtc_origin + -(-((self.now - self.rtc_origin) * LFCLK_HZ // CLOCK_HZ + counts) * CLOCK_HZ // LFCLK_HZ)
        return max(1, target - self.now)

    # ---- bus ----
    def read(self, address: int) -> int:
        self._advance(self.access_cycles)
        self.log.append(("r", address, 0))
        if address == CORE_CYCLES:
            return self.systick & 0xFFFFFFFF
        if address == EVENTS_LFCLKSTARTED:
            return self.lfclk_started
        if address == RTC_COUNTER:
            return self.counter()
        if address == RTC_EVENTS_COMPARE0:
            if self._in_handler and self._cleared_in_handler:
                self._read_back = True
            return self.event
        if address == TAKE:
            irq = self.pending & self.enabled
            if not irq:
                return NO_IRQ
            number = irq.bit_length() - 1
            self.pending &= ~(1 << number)
            self._in_handler, self._cleared_in_handler, self._read_back = True, False, False
            self.handler_runs += 1
            return number
        raise AssertionError(f"read of an unmodelled address 0x{address:08x}")

    def write(self, address: int, value: int) -> None:
        self._advance(self.access_cycles)
        self.log.append(("w", address, value))
        if address == WFI:
            if self.pending & self.enabled:
                return   # a pending enabled interrupt ends WFI at once (even with PRIMASK set)
            if self.event and self.inten & COMPARE0_BIT:
                self.violations.append("WFI with EVENTS_COMPARE[0] set: an interrupt left pending")
            wait = self._next_compare_cycles()
            if wait is None:
                raise AssertionError("WFI with no enabled wake-up source: the core would sleep for ever")
            self.sleep_cycles += wait
            self._advance(wait, awake=False)
            self.wakes.append(self.now)
        elif address == RETURN:
            if not self._cleared_in_handler:
                self.violations.append("handler returned without clearing EVENTS_COMPARE[0]")
            elif not self._read_back:
                self.violations.append("EVENTS_COMPARE[0] cleared but not read back before the handler returned")
            self._in_handler = False
            if self.event and self.inten & COMPARE0_BIT:
                self.pending |= 1 << RTC1_IRQ
        elif address == LFCLKSRC:
            if self.lfclk_requested:
                self.violations.append("LFCLKSRC written while the LFCLK runs")
            self.lfclk_src = value & 3
        elif address == TASKS_LFCLKSTART and value:
            ok = self.lfclk_src == 0 or self.crystal
            delay = self.lfrc_start_cycles if self.lfclk_src == 0 else self.lfxo_start_cycles
            self.lfclk_start_at = self.now + delay if ok else None
            self.lfclk_requested = True
        elif address == TASKS_LFCLKSTOP and value:
            self.lfclk_running, self.lfclk_start_at, self.lfclk_requested = False, None, False
        elif address == EVENTS_LFCLKSTARTED:
            self.lfclk_started = value & 1
        elif address == RTC_START and value:
            if not self.lfclk_running:
                self.violations.append("RTC started before the LFCLK")
            self.rtc_origin = self.now - self.rtc_held * CLOCK_HZ // LFCLK_HZ
            self.rtc_running = True
        elif address == RTC_STOP and value:
            self.rtc_held, self.rtc_running = self.counter(), False
        elif address == RTC_CLEAR and value:
            self.rtc_held, self.rtc_origin = 0, self.now
        elif address == RTC_PRESCALER:
            if self.rtc_running:
                self.violations.append("PRESCALER written while the RTC runs (no effect)")
            self.prescaler = value & 0xFFF
        elif address == RTC_CC0:
            n = self.counter()
            if self.rtc_running and (value - n) & MASK24 in (0, 1):
                self.violations.append(f"CC[0] written as {value} while COUNTER is {n}: may not fire")
            self.cc0 = value & MASK24
        elif address == RTC_INTENSET:
            self.inten |= value
        elif address == RTC_INTENCLR:
            self.inten &= ~value
        elif address == RTC_EVTENSET:
            self.evten |= value
        elif address == RTC_EVTENCLR:
            self.evten &= ~value
        elif address == RTC_EVENTS_COMPARE0:
            self.event = value & 1
            if self._in_handler and not self.event:
                self._cleared_in_handler, self._read_back = True, False
        elif address == NVIC_ISER0:
            self.enabled |= value
        elif address == NVIC_ICPR0:
            self.pending &= ~value
        else:
            raise AssertionError(f"write of an unmodelled address 0x{address:08x}")

    def writes(self, address: int) -> list[int]:
        return [v for op, a, v in self.log if op == "w" and a == address]

    def index(self, op: str, address: int, value: int | None = None) -> int:
        """Position of the first such access in the log."""
        for i, (o, a, v) in enumerate(self.log):
            if o == op and a == address and (value is None or v == value):
                return i
        raise AssertionError(f"no {op} of 0x{address:08x}")
