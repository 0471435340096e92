/* The sample tick on the nRF52840: RTC1 on the 32.768 kHz LFCLK wakes the core, in place of
 * tms_power.c's SysTick tick (same API, tms_power.h). SysTick runs on the CPU clock, which System ON
 * idle stops (nRF52840 Product Specification v1.7, POWER chapter, "System ON mode"), so a SysTick
 * wrap cannot end a WFI there; the RTC counts on in System ON idle (PS v1.7, RTC chapter, "Clock
 * source"). Followed here, from the PS v1.7 RTC chapter: COUNTER is 24 bits at 32768 / (PRESCALER + 1)
 * Hz, PRESCALER written only while stopped ("Resolution versus overflow and the PRESCALER"); a CC[n]
 * equal to COUNTER raises EVENTS_COMPARE[n], but a CC written as N or N + 1 while COUNTER is N may
 * not ("Compare"); events reach the CPU through INTEN, EVTEN only routes them to PPI ("Event
 * control"); from the "Peripheral interface" chapter ("Interrupt clearing"): an event cleared in
 * the handler is read back, else the write may still be buffered when the handler returns and the
 * interrupt comes again. Python reference: codegen/sample_tick.py (the tick period) and
 * studio/core/energy.py (the duty cycle the power lines report). Written from the PS and a
 * register-level model (tests/codegen/test_nrf52840_rtc_tick.py); not run on a board. */
#include "tms_power.h"
#include "tms_board.h"
#include "tms_mmio.h"
#include "tms_protocol.h"
#include "tms_timer.h"

#define RTC1_BASE           0x40011000u
#define RTC_TASKS_START     0x000u
#define RTC_TASKS_STOP      0x004u
#define RTC_TASKS_CLEAR     0x008u
#define RTC_EVENTS_COMPARE0 0x140u
#define RTC_INTENSET        0x304u
#define RTC_INTENCLR        0x308u
#define RTC_EVTENCLR        0x348u
#define RTC_COUNTER         0x504u
#define RTC_PRESCALER       0x508u
#define RTC_CC0             0x540u
/* INTEN/EVTEN bits: TICK 0, OVRFLW 1, COMPARE[0..3] 16..19 */
#define RTC_ALL_EVENTS      0x000F0003u
#define RTC_COMPARE0        (1u << 16)
#define RTC_COUNTER_MASK    0x00FFFFFFu
#define RTC1_IRQ            17u   /* peripheral ID = (base >> 12) & 0xFF */
#define NVIC_ISER0          0xE000E100u
#define NVIC_ICPR0          0xE000E280u
#define LFCLK_HZ_LOG2       15u   /* 32768 Hz */
/* a compare at most this far ahead: under half the counter's 2^24 range, so that ahead and behind
 * stay distinct; a longer tick (over 128 s) takes several hops */
#define RTC_MAX_HOP         (1u << 22)
/* a tick nearer than this is counted at once: a CC of N + 1 may not fire, and COUNTER may step
 * once between reading it and writing CC (a handler that ran late; 61 us early at most) */
#define RTC_MIN_HOP         3

#if defined(__arm__)
/* WFI, not WFE: WFI ends on an interrupt that is enabled in the NVIC and pending, even with PRIMASK
 * set (ARMv7-M ARM B1.5.19), and ignores the event register, so neither the SEV + WFE + WFE idiom
 * that clears a stale event nor SCR.SEVONPEND (which lets a pending but disabled interrupt, such as
 * the FPU's while an FPSCR flag is set, end a WFE) applies; the PS (POWER, "System ON mode") enters
 * System ON idle on either. PRIMASK closes the race between the check and the WFI; the handler runs
 * once interrupts are on again. */
#define TMS_IRQ_OFF() __asm volatile("cpsid i" ::: "memory")
#define TMS_IRQ_ON() __asm volatile("cpsie i\n\tisb" ::: "memory")
#if TMS_SLEEP_WFI
#define TMS_WFI() __asm volatile("dsb\n\twfi" ::: "memory")
#else
#define TMS_WFI() ((void)0)
#endif
#elif defined(TMS_HOST_MODEL)
/* the host test's model of the core: WFI lets the modelled time run to the next interrupt, and
 * turning interrupts on takes a pending one (tests/codegen/test_nrf52840_rtc_tick.py) */
void tms_host_wfi(void);
void tms_host_irq_on(void);
#define TMS_IRQ_OFF() ((void)0)
#define TMS_IRQ_ON() tms_host_irq_on()
#define TMS_WFI() tms_host_wfi()
#else
#define TMS_IRQ_OFF() ((void)0)
#define TMS_IRQ_ON() ((void)0)
#define TMS_WFI() ((void)0)
#endif

int tms_nrf52840_lfclk_start(void);  /* board/nrf52840.c */
void tms_nrf52840_rtc1_irq_handler(void);
#ifdef TMS_SERIAL_USB_CDC
void tms_usb_background_poll(void);  /* usb/tms_usb_uart.c: SysTick, which polls it, stops asleep */
#endif

/* a tick is tms_rtc_step + tms_rtc_frac_step / TMS_CLOCK_HZ counts: the SysTick tick's period in
 * core cycles at 32768 Hz, its fraction carried over (the average rate is exact) */
static uint32_t tms_rtc_step, tms_rtc_frac_step, tms_rtc_frac;
/* the next tick's instant in counts since tms_power_init (the handler's only) */
static uint64_t tms_rtc_target;
/* the 64-bit count at the handler's last visit and COUNTER then; tms_rtc_visits changes after both */
static volatile uint64_t tms_rtc_base;
static volatile uint32_t tms_rtc_base_raw, tms_rtc_visits;
static volatile uint32_t tms_rtc_ticks;
static uint32_t tms_next_tick;
/* SysTick cycles across the WFIs: what SysTick counted asleep (nothing where it stops) */
static uint64_t tms_wfi_cycles;
static uint64_t tms_start_cycles;
static uint64_t tms_mark_counts, tms_mark_cycles, tms_mark_wfi;

/* counts of 32768 Hz since tms_power_init: COUNTER extended past its 24 bits (the handler visits
 * at least every RTC_MAX_HOP counts) */
static uint64_t tms_rtc_now(void)
{
    uint32_t visits, raw, base_raw;
    uint64_t base;
    do {
        visits = tms_rtc_visits;
        base = tms_rtc_base;
        base_raw = tms_rtc_base_raw;
        raw = TMS_REG_READ(RTC1_BASE + RTC_COUNTER) & RTC_COUNTER_MASK;
    } while (visits != tms_rtc_visits);
    return base + ((raw - base_raw) & RTC_COUNTER_MASK);
}

static void tms_rtc_advance(void)
{
    tms_rtc_target += tms_rtc_step;
    tms_rtc_frac += tms_rtc_frac_step;
    if (tms_rtc_frac >= TMS_CLOCK_HZ) {
        tms_rtc_frac -= TMS_CLOCK_HZ;
        tms_rtc_target++;
    }
}

/* the next compare: the tick's count, or a hop towards it */
static void tms_rtc_arm(uint64_t now)
{
    uint64_t hop = tms_rtc_target - now;
    TMS_REG_WRITE(RTC1_BASE + RTC_CC0, (uint32_t)(now + (hop > RTC_MAX_HOP ? RTC_MAX_HOP : hop)) & RTC_COUNTER_MASK);
}

void tms_nrf52840_rtc1_irq_handler(void)
{
    uint64_t now;
    TMS_REG_WRITE(RTC1_BASE + RTC_EVENTS_COMPARE0, 0u);
    (void)TMS_REG_READ(RTC1_BASE + RTC_EVENTS_COMPARE0);
    now = tms_rtc_now();
    tms_rtc_base = now;
    tms_rtc_base_raw = (uint32_t)now & RTC_COUNTER_MASK;
    tms_rtc_visits++;
    while ((int64_t)(tms_rtc_target - now) < RTC_MIN_HOP) {
        tms_rtc_ticks++;
        tms_rtc_advance();
    }
    tms_rtc_arm(now);
#ifdef TMS_SERIAL_USB_CDC
    tms_usb_background_poll();
#endif
}

void tms_power_init(uint32_t cycles_per_wrap, uint32_t wraps_per_tick)
{
    /* the tick's period in core cycles (codegen/sample_tick.py) in counts of the 32768 Hz clock */
    uint64_t scaled = ((uint64_t)cycles_per_wrap * (wraps_per_tick ? wraps_per_tick : 1u)) << LFCLK_HZ_LOG2;
    tms_rtc_step = (uint32_t)(scaled / TMS_CLOCK_HZ);
    tms_rtc_frac_step = (uint32_t)(scaled % TMS_CLOCK_HZ);
    tms_rtc_frac = 0u;
    (void)tms_nrf52840_lfclk_start();
    /* PRESCALER 0: 30.5 us counts, the finest a tick can be placed; written while stopped */
    TMS_REG_WRITE(RTC1_BASE + RTC_TASKS_STOP, 1u);
    TMS_REG_WRITE(RTC1_BASE + RTC_PRESCALER, 0u);
    TMS_REG_WRITE(RTC1_BASE + RTC_TASKS_CLEAR, 1u);
    /* COMPARE[0] only: TICK would wake the core 32768 times a second, and EVTEN (PPI routing) is
     * not needed for the interrupt */
    TMS_REG_WRITE(RTC1_BASE + RTC_EVTENCLR, RTC_ALL_EVENTS);
    TMS_REG_WRITE(RTC1_BASE + RTC_INTENCLR, RTC_ALL_EVENTS);
    TMS_REG_WRITE(RTC1_BASE + RTC_EVENTS_COMPARE0, 0u);
    (void)TMS_REG_READ(RTC1_BASE + RTC_EVENTS_COMPARE0);
    tms_rtc_base = 0u;
    tms_rtc_base_raw = 0u;
    tms_rtc_ticks = 0u;
    tms_next_tick = 1u;
    tms_rtc_target = 0u;
    tms_rtc_advance();
    tms_rtc_arm(0u);
    TMS_REG_WRITE(RTC1_BASE + RTC_INTENSET, RTC_COMPARE0);
    TMS_REG_WRITE(NVIC_ICPR0, 1u << RTC1_IRQ);
    TMS_REG_WRITE(NVIC_ISER0, 1u << RTC1_IRQ);
    TMS_REG_WRITE(RTC1_BASE + RTC_TASKS_START, 1u);
    tms_wfi_cycles = 0u;
    tms_start_cycles = tms_timer_cycles();
    tms_mark_counts = 0u;
    tms_mark_cycles = tms_start_cycles;
    tms_mark_wfi = 0u;
}

uint64_t tms_wait_for_tick(void)
{
    uint64_t t0 = tms_timer_cycles();
    for (;;) {
        uint64_t before = tms_timer_cycles();
        TMS_IRQ_OFF();
        if ((int32_t)(tms_rtc_ticks - tms_next_tick) >= 0) {
            TMS_IRQ_ON();
            break;
        }
        TMS_WFI();
        TMS_IRQ_ON();
        tms_wfi_cycles += tms_timer_cycles() - before;
    }
    tms_next_tick++;
    return tms_timer_cycles() - t0;
}

/* counts of 32768 Hz -> core cycles, and -> microseconds (rounded) */
static uint64_t tms_counts_to_cycles(uint64_t counts)
{
    return (counts * TMS_CLOCK_HZ) >> LFCLK_HZ_LOG2;
}

uint64_t tms_power_asleep_cycles(void)
{
    uint64_t awake = tms_timer_cycles() - tms_start_cycles - tms_wfi_cycles;
    uint64_t total = tms_counts_to_cycles(tms_rtc_now());
    return total > awake ? total - awake : 0u;
}

void tms_print_power(uint32_t seq)
{
    /* the span from the RTC, which counts on asleep; the time awake from SysTick, less what it
     * counted across the WFIs */
    uint64_t counts = tms_rtc_now();
    uint64_t cycles = tms_timer_cycles();
    uint64_t window_counts = counts - tms_mark_counts;
    uint64_t window = tms_counts_to_cycles(window_counts);
    uint64_t busy = (cycles - tms_mark_cycles) - (tms_wfi_cycles - tms_mark_wfi);
    uint32_t window_us = (uint32_t)((window_counts * 1000000u + (1u << (LFCLK_HZ_LOG2 - 1u))) >> LFCLK_HZ_LOG2);
    if (busy > window) {
        busy = window;
    }
    tms_mark_counts = counts;
    tms_mark_cycles = cycles;
    tms_mark_wfi = tms_wfi_cycles;
    tms_print_power_span(seq, busy, window, tms_timer_cycles_to_us(busy), window_us);
}
