/* tms_delay_us for every bare-metal family (declared in sensors/tms_i2c.h): a busy wait on the
 * SysTick cycle counter of tms_timer.c, so it is exact at the profile's clock (on the emulated board:
 * instructions, as tms_timer.h counts them). tms_timer_init runs before any driver does.
 * Host reference: none (a wait). */
#include <stdint.h>
#include "sensors/tms_i2c.h"
#include "tms_board.h"
#include "tms_timer.h"

#if (TMS_CLOCK_HZ % 1000000u) != 0u
#error "tms_delay_us counts whole cycles per microsecond: clock_hz must be a multiple of 1 MHz"
#endif

void tms_delay_us(uint32_t us)
{
    uint64_t start = tms_timer_cycles();
    uint64_t wait_cycles = (uint64_t)us * (TMS_CLOCK_HZ / 1000000u);
    while (tms_timer_cycles() - start < wait_cycles) {
    }
}
