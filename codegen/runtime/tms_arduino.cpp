/* Board glue for Arduino sketches (boards TinyML Studio has no bare-metal glue for, and the ESP32):
 * the board's Arduino core owns clocks, start-up and SysTick; the protocol goes out through Serial.
 * Time is a 32-bit cycle counter extended to 64 bits by noticing wraps (read at least once per
 * wrap, which the per-sample loop does): the ESP32's CCOUNT, the DWT cycle counter on Cortex-M3/M4/
 * M7, or micros() scaled to cycles on cores without one (Cortex-M0+). Replaces tms_startup.c and
 * tms_timer.c. */
#include <Arduino.h>

extern "C" {
#include "tms_board.h"
#include "tms_timer.h"
#include "tms_uart.h"
}

static uint32_t tms_last_count;
static uint64_t tms_wrapped;

#if defined(ARDUINO_ARCH_ESP32)
static uint32_t tms_count32(void)
{
    return ESP.getCycleCount();
}
static void tms_count_start(void)
{
}
#elif defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define TMS_DEMCR      (*(volatile uint32_t *)0xE000EDFCu)
#define TMS_DWT_CTRL   (*(volatile uint32_t *)0xE0001000u)
#define TMS_DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
static uint32_t tms_count32(void)
{
    return TMS_DWT_CYCCNT;
}
static void tms_count_start(void)
{
    TMS_DEMCR |= 1u << 24;  /* TRCENA: the DWT is off until the debug block is enabled */
    TMS_DWT_CYCCNT = 0u;
    TMS_DWT_CTRL |= 1u;
}
#else
/* micros() * MHz wraps modulo 2^32 exactly when the product does, so wrap detection still works */
static uint32_t tms_count32(void)
{
    return (uint32_t)micros() * (uint32_t)(TMS_CLOCK_HZ / 1000000u);
}
static void tms_count_start(void)
{
}
#endif

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

extern "C" uint8_t tms_uart_read_byte(void)
{
    /* the host-stream frames: Serial.read() is -1 until a byte has arrived */
    int byte;
    do {
        byte = Serial.read();
    } while (byte < 0);
    return (uint8_t)byte;
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
    tms_count_start();
    tms_last_count = tms_count32();
    tms_wrapped = 0;
}

extern "C" uint64_t tms_timer_cycles(void)
{
    uint32_t now = tms_count32();
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
