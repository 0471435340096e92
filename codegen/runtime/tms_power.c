/* Sample tick and WFI wait; see tms_power.h. The Python side that must agree: the duty cycle of
 * studio/core/energy.py (active time per period = the window's work, the rest asleep). */
#include "tms_power.h"
#include "tms_board.h"
#include "tms_protocol.h"
#include "tms_timer.h"

#if defined(__arm__)
#define TMS_IRQ_OFF() __asm volatile("cpsid i" ::: "memory")
#define TMS_IRQ_ON() __asm volatile("cpsie i" ::: "memory")
#if TMS_SLEEP_WFI
/* WFI with PRIMASK set, then a window in which the pending tick is taken */
#define TMS_SLEEP() __asm volatile("wfi\n\tcpsie i\n\tisb\n\tcpsid i" ::: "memory")
#else
/* a board whose tick cannot wake a WFI (its profile's sleeps_between_samples: false): wait awake */
#define TMS_SLEEP() __asm volatile("cpsie i\n\tisb\n\tcpsid i" ::: "memory")
#endif
#else
/* a host build (tests compile the runtime with the host's gcc): no core to put to sleep */
#define TMS_IRQ_OFF() ((void)0)
#define TMS_IRQ_ON() ((void)0)
#define TMS_SLEEP() ((void)0)
#endif

static uint32_t tms_wraps_per_tick = 1u;
/* the wrap count at which the next sample is due */
static uint32_t tms_next_tick_wraps;
static uint64_t tms_asleep_cycles;
/* where the previous power line's span ended */
static uint64_t tms_power_mark_cycles;
static uint64_t tms_power_mark_asleep;

void tms_power_init(uint32_t cycles_per_wrap, uint32_t wraps_per_tick)
{
    tms_timer_set_wrap(cycles_per_wrap);
    tms_wraps_per_tick = wraps_per_tick ? wraps_per_tick : 1u;
    tms_next_tick_wraps = tms_timer_wraps() + tms_wraps_per_tick;
    tms_asleep_cycles = 0u;
    tms_power_mark_cycles = tms_timer_cycles();
    tms_power_mark_asleep = 0u;
}

static int tms_tick_due(void)
{
    /* wrap-safe: due once the count has reached the target */
    return (int32_t)(tms_timer_wraps() - tms_next_tick_wraps) >= 0;
}

uint64_t tms_wait_for_tick(void)
{
    /* read first (with interrupts on: a wrap pending behind PRIMASK would be missed), so that the
     * check and the wake-up count as waiting, not as the caller's work */
    uint64_t t0 = tms_timer_cycles();
    if (!tms_tick_due()) {
        uint64_t t1;
        /* PRIMASK closes the race between the check and the WFI: a SysTick that fires in between
         * stays pending, and a pending interrupt wakes WFI even while masked; it is taken (and the
         * wrap counted) when PRIMASK is cleared. */
        TMS_IRQ_OFF();
        while (!tms_tick_due()) {
            TMS_SLEEP();
        }
        TMS_IRQ_ON();
        /* asleep until the tick's own instant: the wake-up after it is work the core does */
        t1 = tms_timer_wrap_cycles(tms_next_tick_wraps);
        tms_asleep_cycles += t1 > t0 ? t1 - t0 : 0u;
    }
    tms_next_tick_wraps += tms_wraps_per_tick;
    return tms_timer_cycles() - t0;
}

uint64_t tms_power_asleep_cycles(void)
{
    return tms_asleep_cycles;
}

void tms_print_power(uint32_t seq)
{
    uint64_t now = tms_timer_cycles();
    uint64_t window = now - tms_power_mark_cycles;
    uint64_t asleep = tms_asleep_cycles - tms_power_mark_asleep;
    uint64_t busy = asleep < window ? window - asleep : 0u;
    tms_power_mark_cycles = now;
    tms_power_mark_asleep = tms_asleep_cycles;
    tms_print_power_span(seq, busy, window, tms_timer_cycles_to_us(busy), tms_timer_cycles_to_us(window));
}
