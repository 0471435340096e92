/* Board glue for Arduino sketches on ESP32 boards: the protocol goes out through Serial, and time
 * is the CPU's cycle counter (32 bits, extended to 64 by noticing wraps; read at least every
 * 2^32 cycles, which the per-sample loop does). Replaces tms_startup.c and tms_timer.c. */
#include <Arduino.h>

extern "C" {
#include "tms_board.h"
#include "tms_timer.h"
#include "tms_uart.h"
}

static uint32_t tms_last_count;
static uint64_t tms_wrapped;

extern "C" void tms_board_init(void)
{
}

extern "C" void tms_uart_init(void)
{
    Serial.begin(TMS_UART_BAUD);
}

extern "C" void tms_uart_write(const char *data, size_t len)
{
    Serial.write(reinterpret_cast<const uint8_t *>(data), len);
}

extern "C" void tms_uart_flush(void)
{
    Serial.flush();
}

extern "C" void tms_board_fault(void)
{
}

extern "C" void tms_board_finish(int code)
{
    (void)code;
}

extern "C" void tms_timer_init(void)
{
    tms_last_count = ESP.getCycleCount();
    tms_wrapped = 0;
}

extern "C" uint64_t tms_timer_cycles(void)
{
    uint32_t now = ESP.getCycleCount();
    if (now < tms_last_count) {
        tms_wrapped += 1ull << 32;
    }
    tms_last_count = now;
    return tms_wrapped | now;
}

extern "C" uint32_t tms_timer_cycles_to_us(uint64_t cycles)
{
    return (uint32_t)((cycles * 1000000ull + (TMS_CLOCK_HZ / 2u)) / TMS_CLOCK_HZ);
}
