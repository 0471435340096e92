/* SysTick as a free-running cycle counter; see tms_timer.h. */
#include "tms_timer.h"
#include "tms_board.h"
#include "tms_protocol.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_RELOAD 0x00FFFFFFu
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)

static volatile uint32_t tms_systick_wraps;
/* cycles counted before the period last changed, so the count stays monotonic across the change */
static uint64_t tms_cycles_base;

#if TMS_EMULATED
/* The one place the emulated board's clock is made its profile's: QEMU runs with -icount shift=0
 * (one instruction = 1 ns of virtual time) and clocks SysTick at TMS_CLOCK_HZ of virtual time, so one
 * SysTick tick is 1e9 / TMS_CLOCK_HZ instructions. Counting one instruction as one core cycle, the
 * times reported (cycles, and microseconds at TMS_CLOCK_HZ) are those of a core at the profile's
 * clock that retires one instruction per cycle. */
#if (1000000000u % TMS_CLOCK_HZ) != 0u
#error "the emulated board's clock_hz must divide 1 GHz (QEMU -icount shift=0)"
#endif
#define TMS_CYCLES_PER_TICK (1000000000u / TMS_CLOCK_HZ)
#else
#define TMS_CYCLES_PER_TICK 1u
#endif

/* the SysTick reload (ticks per wrap - 1) and the cycles per wrap: the full 24 bits, or one sample
 * tick when tms_power.c paces the samples (at most 2^24 ticks of 40 cycles: fits 32 bits) */
static uint32_t tms_systick_top = SYST_RELOAD;
static uint32_t tms_wrap_cycles = (SYST_RELOAD + 1u) * TMS_CYCLES_PER_TICK;

void tms_systick_handler(void);
#ifdef TMS_SERIAL_USB_CDC
void tms_usb_background_poll(void);  /* usb/tms_usb_uart.c: the USB port answers the host meanwhile */
#endif
void tms_systick_handler(void)
{
    tms_systick_wraps++;
#ifdef TMS_SERIAL_USB_CDC
    tms_usb_background_poll();
#endif
}

void tms_timer_init(void)
{
    SYST_CSR = 0u;
    SYST_RVR = SYST_RELOAD;
    SYST_CVR = 0u;
    /* CLKSOURCE = core clock, TICKINT, ENABLE */
    SYST_CSR = 0x7u;
}

uint64_t tms_timer_cycles(void)
{
    uint32_t wraps, value;
    for (;;) {
        /* Re-read if a wrap happened between reading the counter and the wrap count: the pair
         * must come from the same SysTick period. */
        do {
            wraps = tms_systick_wraps;
            value = SYST_CVR;
        } while (wraps != tms_systick_wraps);
        if (value != 0u || (SCB_ICSR & ICSR_PENDSTSET)) {
            break;
        }
        /* 0 is the period's last tick, and its wrap interrupt (raised on reaching 0) was already
         * taken, so `wraps` counts a period that has not ended yet: the core woke on that wrap. */
#if TMS_EMULATED
        /* A tick is 40 instructions here: wait for the reload rather than give the tick's start
         * for what may be 40 instructions later (the wake-up would count as the caller's time). */
        while (SYST_CVR == 0u) {
        }
#else
        return tms_cycles_base + (uint64_t)wraps * tms_wrap_cycles - TMS_CYCLES_PER_TICK;
#endif
    }
    return tms_cycles_base + (uint64_t)wraps * tms_wrap_cycles + (tms_systick_top - value) * TMS_CYCLES_PER_TICK;
}

void tms_timer_set_wrap(uint32_t cycles_per_wrap)
{
    /* rounded to whole SysTick ticks (on the emulated board one is TMS_CYCLES_PER_TICK cycles) */
    uint32_t ticks_per_wrap = (cycles_per_wrap + TMS_CYCLES_PER_TICK / 2u) / TMS_CYCLES_PER_TICK;
    uint64_t now = tms_timer_cycles();
    if (ticks_per_wrap < 2u || ticks_per_wrap > SYST_RELOAD + 1u) {
        return;
    }
    SYST_CSR = 0u;
    tms_cycles_base = now;
    tms_systick_wraps = 0u;
    tms_systick_top = ticks_per_wrap - 1u;
    tms_wrap_cycles = ticks_per_wrap * TMS_CYCLES_PER_TICK;
    SYST_RVR = ticks_per_wrap - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 0x7u;
}

uint32_t tms_timer_wraps(void)
{
    return tms_systick_wraps;
}

uint64_t tms_timer_wrap_cycles(uint32_t wraps)
{
    /* the interrupt comes as the counter reaches 0: the last tick of the period before */
    return tms_cycles_base + (uint64_t)wraps * tms_wrap_cycles - TMS_CYCLES_PER_TICK;
}

uint32_t tms_timer_cycles_to_us(uint64_t cycles)
{
#if (TMS_CLOCK_HZ % 1000000u) == 0u && (TMS_CLOCK_HZ / 1000000u) < 65536u
    /* whole-MHz clocks (every built-in board): no 64-bit division from libgcc needed */
    const uint32_t cycles_per_us = TMS_CLOCK_HZ / 1000000u;
    return (uint32_t)tms_udiv64_small(cycles + cycles_per_us / 2u, cycles_per_us, 0);
#else
    return (uint32_t)((cycles * 1000000ull + (TMS_CLOCK_HZ / 2u)) / TMS_CLOCK_HZ);
#endif
}
