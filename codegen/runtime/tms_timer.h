/* Cycle-accurate timing from SysTick: a 24-bit down-counter on the core clock, extended to
 * 64 bits by counting its wrap interrupts. */
#ifndef TMS_TIMER_H
#define TMS_TIMER_H
#include <stdint.h>

void tms_timer_init(void);
/* core clock cycles since tms_timer_init (on the emulated board: instructions, to within one
 * SysTick tick of 1e9 / TMS_CLOCK_HZ of them) */
uint64_t tms_timer_cycles(void);
/* cycles -> microseconds at TMS_CLOCK_HZ, rounded to nearest */
uint32_t tms_timer_cycles_to_us(uint64_t cycles);

#endif
