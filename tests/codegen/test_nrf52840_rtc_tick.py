"""The nRF52840's sample tick (codegen/runtime/board/nrf52840_rtc_tick.c and the LFCLK start in
board/nrf52840.c) run on the host against a register-level model of the LFCLK, RTC1 and the NVIC with
a core that sleeps in WFI (tests/codegen/nrf52840_rtc_model.py, written from the nRF52840 Product
Specification v1.7). A model, not the chip: nothing here ran on a board."""
from __future__ import annotations

import ctypes
import json
from fractions import Fraction
from pathlib import Path

import pytest

from codegen.sample_tick import sample_tick
from tests.codegen import nrf52840_rtc_model as m
from tests.hostmodel import build

BOARD_H = """#ifndef TMS_BOARD_H
#define TMS_BOARD_H
#define TMS_CLOCK_HZ 64000000u
#define TMS_HAS_FPU 1
#define TMS_EMULATED 0
#define TMS_SLEEP_WFI 1
#define TMS_UART_BAUD 115200u
#define TMS_SERIAL_USB_CDC 1
#define TMS_UART_TX_PIN 35u
#define TMS_UART_RX_PIN 42u
void tms_board_init(void);
void tms_board_fault(void);
void tms_board_finish(int code);
#endif
"""
# the core around the tick: its cycle counter and WFI/interrupt entry are the model's (test-only
# addresses), the serial port a buffer
CORE_C = r"""
#include <stddef.h>
void tms_nrf52840_rtc1_irq_handler(void);
static uint64_t core_hi;
static uint32_t core_last;
static char out[4096];
static size_t out_len;
unsigned tms_test_usb_polls;
void tms_test_reset(void);
void tms_test_reset(void) { core_hi = 0u; core_last = 0u; out_len = 0u; tms_test_usb_polls = 0u; }
uint64_t tms_timer_cycles(void);
uint64_t tms_timer_cycles(void)
{
    uint32_t v = tms_mmio_read(0xE0001004u);
    if (v < core_last) { core_hi += 1ull << 32; }
    core_last = v;
    return core_hi | v;
}
uint32_t tms_timer_cycles_to_us(uint64_t cycles);
uint32_t tms_timer_cycles_to_us(uint64_t cycles) { return (uint32_t)((cycles + 32u) / 64u); }
void tms_host_wfi(void);
void tms_host_wfi(void) { tms_mmio_write(0xFFFF0000u, 0u); }
void tms_host_irq_on(void);
void tms_host_irq_on(void)
{
    uint32_t irq;
    while ((irq = tms_mmio_read(0xFFFF0004u)) != 0xFFFFFFFFu) {
        if (irq == 17u) { tms_nrf52840_rtc1_irq_handler(); }
        tms_mmio_write(0xFFFF0008u, 0u);
    }
}
void tms_uart_write(const char *data, size_t len);
void tms_uart_write(const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len && out_len + 1u < sizeof out; i++) { out[out_len++] = data[i]; }
}
void tms_uart_flush(void);
void tms_uart_flush(void) {}
const char *tms_test_output(void);
const char *tms_test_output(void) { out[out_len] = 0; return out; }
void tms_usb_background_poll(void);
void tms_usb_background_poll(void) { tms_test_usb_polls++; }
"""
RATE_HZ = 25.0


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    inc = tmp_path_factory.mktemp("board")
    (inc / "tms_board.h").write_text(BOARD_H)
    built = build(["board/nrf52840_rtc_tick.c", "board/nrf52840.c", "tms_protocol.c"], extra_c=CORE_C,
                  include_dirs=[inc])
    built.dll.tms_test_output.restype = ctypes.c_char_p
    built.dll.tms_wait_for_tick.restype = ctypes.c_uint64
    built.dll.tms_nrf52840_lfclk_start.restype = ctypes.c_int
    return built


def _start(lib, model, rate_hz=RATE_HZ):
    tick = sample_tick(m.CLOCK_HZ, rate_hz, m.LFCLK_HZ)
    lib.dll.tms_test_reset()
    lib.dll.tms_power_init(ctypes.c_uint32(tick.cycles_per_wrap), ctypes.c_uint32(tick.wraps_per_tick))
    return tick


def test_lfclk_starts_on_the_crystal_before_the_rtc_counts(lib):
    model = m.Nrf52840TickModel()
    with lib.attached(mmio=model):
        _start(lib, model)
    assert model.writes(m.LFCLKSRC) == [1]
    assert model.index("w", m.LFCLKSRC) < model.index("w", m.TASKS_LFCLKSTART, 1) < model.index("w", m.RTC_START, 1)
    assert model.lfclk_running and model.rtc_running and not model.violations


def test_lfclk_falls_back_to_the_rc_oscillator_when_no_crystal_starts(lib):
    model = m.Nrf52840TickModel(crystal=False, access_cycles=2000)
    with lib.attached(mmio=model):
        lib.dll.tms_test_reset()
        assert lib.dll.tms_nrf52840_lfclk_start() == 0
    assert model.writes(m.LFCLKSRC) == [1, 0]
    assert model.index("w", m.TASKS_LFCLKSTOP, 1) < model.index("w", m.LFCLKSRC, 0)
    assert model.now >= m.CLOCK_HZ   # a second's grace for the crystal first
    assert model.lfclk_running and not model.violations


def test_rtc_wakes_the_core_on_compare0_alone(lib):
    model = m.Nrf52840TickModel()
    with lib.attached(mmio=model):
        _start(lib, model)
    assert model.writes(m.RTC_PRESCALER) == [0] and model.prescaler == 0
    assert model.inten == m.COMPARE0_BIT and model.evten == 0
    assert model.enabled == 1 << m.RTC1_IRQ
    # the first tick 1310.72 counts away: the whole counts first, the fraction carried
    assert model.cc0 == 1310
    # the compare event is cleared before its interrupt is enabled, and the RTC started last
    assert model.index("w", m.RTC_EVENTS_COMPARE0, 0) < model.index("w", m.RTC_INTENSET)
    assert model.index("w", m.NVIC_ISER0) < model.index("w", m.RTC_START, 1)


def test_each_wait_sleeps_until_its_compare_and_the_average_rate_is_exact(lib):
    model = m.Nrf52840TickModel()
    with lib.attached(mmio=model):
        _start(lib, model)
        origin = model.rtc_origin
        ticks = []
        for _ in range(50):
            lib.dll.tms_wait_for_tick()
            ticks.append((model.wakes[-1] - origin) * m.LFCLK_HZ // m.CLOCK_HZ)
            model.work(50_000)
    # 32768 / 25 = 1310.72 counts: 1310 or 1311 each, exactly 32768 over every 25 ticks
    gaps = [b - a for a, b in zip([0] + ticks, ticks)]
    assert set(gaps) <= {1310, 1311}
    assert ticks[24] == m.LFCLK_HZ and ticks[49] == 2 * m.LFCLK_HZ
    assert len(model.wakes) == 50 and model.handler_runs == 50
    assert not model.violations   # every CC at least 2 counts ahead, every event cleared and read back


def test_a_core_late_by_three_ticks_catches_up_without_sleeping(lib):
    model = m.Nrf52840TickModel()
    with lib.attached(mmio=model):
        _start(lib, model)
        lib.dll.tms_wait_for_tick()
        woke = len(model.wakes)
        model.work(round(3.5 * m.CLOCK_HZ / RATE_HZ))   # a window's model ran past three ticks
        for _ in range(3):
            lib.dll.tms_wait_for_tick()
        assert len(model.wakes) == woke   # the missed ticks return at once
        lib.dll.tms_wait_for_tick()
        assert len(model.wakes) == woke + 1
    assert not model.violations


def test_usb_is_served_on_every_wake_while_systick_is_stopped(lib):
    model = m.Nrf52840TickModel()
    with lib.attached(mmio=model):
        _start(lib, model)
        for _ in range(10):
            lib.dll.tms_wait_for_tick()
        assert ctypes.c_uint.in_dll(lib.dll, "tms_test_usb_polls").value == model.handler_runs == 10


@pytest.mark.parametrize("systick_runs_asleep", [False, True], ids=["systick-stops", "systick-runs"])
def test_power_line_takes_the_window_from_the_rtc_and_the_busy_time_awake(lib, systick_runs_asleep):
    work_cycles = 400_000   # 6.25 ms of each 40 ms tick
    model = m.Nrf52840TickModel(systick_runs_asleep=systick_runs_asleep)
    with lib.attached(mmio=model):
        _start(lib, model)
        lib.dll.tms_wait_for_tick()
        lib.dll.tms_print_power(0)
        first = len(lib.dll.tms_test_output())
        for _ in range(4):
            model.work(work_cycles)
            lib.dll.tms_wait_for_tick()
        lib.dll.tms_print_power(1)
        line = json.loads(lib.dll.tms_test_output()[first:].decode())
    assert line["type"] == "power" and line["seq"] == 1
    # four ticks of 40 ms, to within one 30.5 us count (where printing and waking fall)
    assert abs(line["window_us"] - 160_000) <= 31 + 5
    assert line["window_cycles"] == pytest.approx(line["window_us"] * 64, abs=64)
    # the work, plus the register accesses around it (20 cycles each in the model)
    assert 4 * work_cycles <= line["busy_cycles"] <= 4 * work_cycles + 4 * 2_000
    assert line["busy_us"] == round(line["busy_cycles"] / 64)


def test_tick_counts_carry_the_fraction_of_the_period(lib):
    tick = sample_tick(m.CLOCK_HZ, 62.5, m.LFCLK_HZ)   # 3 samples a tick: 48 ms
    assert tick.tick_counts == Fraction(32768 * 3 * 2, 125)   # 3 samples / 62.5 Hz at 32768 Hz
    assert "1572 108/125 counts" in tick.comment
