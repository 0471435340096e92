/* Cycle-accurate timing from SysTick: a 24-bit down-counter on the core clock, extended to
 * 64 bits by counting its wrap interrupts. */
#ifndef TMS_TIMER_H
#define TMS_TIMER_H
#include <stdint.h>

void tms_timer_init(void);
/* core clock cycles since tms_timer_init (on the emulated board: instructions, to within one
 * SysTick tick of 1e9 / TMS_CLOCK_HZ of them) */
uint64_t tms_timer_cycles(void);
/* makes SysTick wrap every cycles_per_wrap cycles (rounded to whole SysTick ticks, 2 .. 2^24 of
 * them; others are ignored), the count of cycles going on from where it was: tms_power.c's tick */
void tms_timer_set_wrap(uint32_t cycles_per_wrap);
/* SysTick wraps since the last tms_timer_set_wrap (or tms_timer_init) */
uint32_t tms_timer_wraps(void);
/* the cycle count at the instant of wrap number `wraps` (counted from the last tms_timer_set_wrap),
 * when its interrupt is raised: what a core woken by it slept until */
uint64_t tms_timer_wrap_cycles(uint32_t wraps);
/* cycles -> microseconds at TMS_CLOCK_HZ, rounded to nearest */
uint32_t tms_timer_cycles_to_us(uint64_t cycles);

#endif
