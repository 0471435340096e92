/* Sleep between samples: the sample tick and the wait for it.
 *
 * SysTick is shared with tms_timer.c: its reload is set to one tick period (or a whole fraction of
 * one, when a period is longer than the 24-bit counter), so each wrap the cycle counter counts is
 * also a tick. A tick delivers a block of samples_per_tick samples, as a sensor FIFO or a DMA
 * buffer does: one sample per tick up to 25 Hz, blocks above (100 Hz IMU: 4 samples, 16 kHz audio:
 * 640), so the core wakes at most 25 times a second (studio/core/energy.py MAX_WAKE_HZ); the main loop calls
 * tms_wait_for_tick() before each block. It sleeps (WFI) until the next tick; if the core is late (a
 * window's model ran past several ticks) it returns at once for each missed tick, as a board
 * draining a FIFO catches up. The time spent in WFI is summed, so the firmware can say
 * what fraction of each window it slept (the {"type":"power"} line; Python reference:
 * studio/core/energy.py, which estimates the same duty cycle). This is tms_power.c's SysTick tick; a
 * board whose SysTick stops asleep implements the same functions on its own timer (the nRF52840:
 * board/nrf52840_rtc_tick.c, RTC1 on the 32.768 kHz LFCLK; codegen.firmware_boards.BoardGlue.power_source). */
#ifndef TMS_POWER_H
#define TMS_POWER_H
#include <stdint.h>

/* cycles_per_wrap: core cycles per SysTick wrap (at most 2^24); wraps_per_tick: wraps per tick */
void tms_power_init(uint32_t cycles_per_wrap, uint32_t wraps_per_tick);
/* sleeps until the next tick (returns at once when it is already due); returns the cycles spent
 * here, asleep and waking up: not the pipeline's time (what the DSP time leaves out) */
uint64_t tms_wait_for_tick(void);
/* cycles spent asleep in tms_wait_for_tick since tms_power_init (until each tick's instant) */
uint64_t tms_power_asleep_cycles(void);
/* {"type":"power","seq":N,"busy_us":B,"window_us":W,"busy_cycles":b,"window_cycles":w}: the span
 * since the previous call (or tms_power_init) and the part of it the core was awake */
void tms_print_power(uint32_t seq);

#endif
