"""The board glue's UART receive path (what the host-stream sensor reads on a real board), run on the
host against register-level models of the peripherals written from the reference manuals: the
RP2040's PL011 (RP2040 datasheet 4.2.8, UARTFR.RXFE, UARTDR), the STM32L4's USART (RM0351 40.8:
ISR.RXNE/ORE, ICR.ORECF, RDR) and the nRF52840's UARTE (PS v1.7 6.34: EasyDMA RXD.PTR/MAXCNT,
TASKS_STARTRX, EVENTS_ENDRX). Models, not the chips: nothing here ran on a board."""
from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from tests.hostmodel import build

BOARD_H = """#ifndef TMS_BOARD_H
#define TMS_BOARD_H
#define TMS_CLOCK_HZ 64000000u
#define TMS_UART_BAUD 115200u
#define TMS_PL011_IBRD 67u
#define TMS_PL011_FBRD 52u
#define TMS_USART_BRR 694u
#define TMS_UARTE_BAUDRATE 0x01D7E000u
#define TMS_UART_TX_PIN 35u
#define TMS_UART_RX_PIN 42u
void tms_board_init(void);
void tms_board_fault(void);
void tms_board_finish(int code);
#endif
"""

CYCLES_C = "uint64_t tms_timer_cycles(void);\nuint64_t tms_timer_cycles(void) { return 0u; }\n"


def _reader(glue: str, tmp_path: Path):
    (tmp_path / "tms_board.h").write_text(BOARD_H)
    # the nRF52840 glue's LFCLK start times its crystal with the cycle counter; the receive path
    # never reads it, so a counter that stands still links it
    lib = build([glue], include_dirs=[tmp_path], extra_c=CYCLES_C if "nrf52840" in glue else "")
    lib.dll.tms_uart_read_byte.restype = ctypes.c_uint8
    return lib


class Pl011:
    FR, DR, RXFE = 0x40034018, 0x40034000, 1 << 4

    def __init__(self, data: bytes, empty_polls: int):
        self.data = list(data)
        self.empty_polls = empty_polls
        self.fr_reads = 0

    def read(self, address: int) -> int:
        if address == self.FR:
            self.fr_reads += 1
            return self.RXFE if self.fr_reads <= self.empty_polls or not self.data else 0
        if address == self.DR:
            assert self.data and self.fr_reads > self.empty_polls, "UARTDR read while the FIFO is empty"
            return self.data.pop(0) | 0xF00  # the error bits above the byte are not part of it
        raise AssertionError(f"unexpected read 0x{address:08x}")

    def write(self, address: int, value: int) -> None:
        raise AssertionError(f"the receive path writes no register (0x{address:08x})")


def test_rp2040_waits_while_the_receive_fifo_is_empty_then_reads_the_byte(tmp_path):
    lib = _reader("board/rp2040.c", tmp_path)
    model = Pl011(b"\x5a\xa5", empty_polls=3)
    with lib.attached(mmio=model):
        assert lib.dll.tms_uart_read_byte() == 0x5A
        assert lib.dll.tms_uart_read_byte() == 0xA5
    assert model.fr_reads == 5 and model.data == []


class Usart:
    ISR, ICR, RDR = 0x4001381C, 0x40013820, 0x40013824
    RXNE, ORE = 1 << 5, 1 << 3

    def __init__(self, byte: int, overrun: bool):
        self.byte = byte
        self.isr = self.ORE if overrun else self.RXNE
        self.cleared = []
        self.isr_reads = 0

    def read(self, address: int) -> int:
        if address == self.ISR:
            self.isr_reads += 1
            if self.isr_reads > 1000 and not self.isr & self.RXNE:
                # a driver that never clears the overrun would wait forever: end it with a wrong byte
                self.isr, self.byte = self.RXNE, 0xEE
            return self.isr
        if address == self.RDR:
            assert self.isr & self.RXNE, "RDR read without RXNE"
            self.isr &= ~self.RXNE
            return self.byte
        raise AssertionError(f"unexpected read 0x{address:08x}")

    def write(self, address: int, value: int) -> None:
        assert address == self.ICR, f"unexpected write 0x{address:08x}"
        self.cleared.append(value)
        if value & self.ORE:
            # reception resumes once the overrun is cleared (RM0351 40.8.8); the next byte arrives
            self.isr = self.RXNE


@pytest.mark.parametrize("overrun", [False, True], ids=["ready", "after-an-overrun"])
def test_stm32l4_reads_rdr_when_rxne_and_clears_an_overrun_first(tmp_path, overrun):
    lib = _reader("board/stm32l4.c", tmp_path)
    model = Usart(0x3C, overrun)
    with lib.attached(mmio=model):
        assert lib.dll.tms_uart_read_byte() == 0x3C
    assert model.cleared == ([Usart.ORE] if overrun else [])


class Uarte:
    BASE = 0x40002000
    STARTRX, ENDRX, PTR, MAXCNT = BASE + 0x000, BASE + 0x110, BASE + 0x534, BASE + 0x538

    def __init__(self, busy_polls: int):
        self.busy_polls = busy_polls
        self.log: list[tuple[str, int, int]] = []
        self.endrx = 1      # left set by the previous transfer
        self.polls = 0
        self.started = False

    def read(self, address: int) -> int:
        assert address == self.ENDRX, f"unexpected read 0x{address:08x}"
        if self.endrx == 0 and (self.started or len(self.log) > 1000):  # never started: end, to fail below
            self.polls += 1
            if self.polls > self.busy_polls:   # the byte has arrived and been written to RAM
                self.endrx = 1
        self.log.append(("r", address, self.endrx))
        return self.endrx

    def write(self, address: int, value: int) -> None:
        self.log.append(("w", address, value))
        if address == self.ENDRX:
            self.endrx = value
        elif address == self.STARTRX:
            assert value == 1
            self.started = True


def test_nrf52840_arms_a_one_byte_easydma_receive_and_waits_for_endrx(tmp_path):
    # the byte itself lands in RAM by EasyDMA at RXD.PTR, a 32-bit address: a host pointer does not
    # fit, so the model checks the register sequence and the wait, not the value
    lib = _reader("board/nrf52840.c", tmp_path)
    model = Uarte(busy_polls=4)
    with lib.attached(mmio=model):
        lib.dll.tms_uart_read_byte()
    writes = [(a, v) for kind, a, v in model.log if kind == "w"]
    # ENDRX cleared before the transfer starts, so a stale event cannot end the wait early
    assert [a for a, _ in writes] == [Uarte.ENDRX, Uarte.PTR, Uarte.MAXCNT, Uarte.STARTRX]
    assert dict(writes)[Uarte.ENDRX] == 0 and dict(writes)[Uarte.MAXCNT] == 1
    assert model.polls == 5 and model.log[-1] == ("r", Uarte.ENDRX, 1)
