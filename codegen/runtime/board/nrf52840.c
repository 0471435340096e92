/* Board glue for nRF52840 boards (Arduino Nano 33 BLE): the 64 MHz crystal, the 32.768 kHz LFCLK of the
 * RTC sample tick (started by nrf52840_rtc_tick.c when the firmware sleeps), and UARTE0 on the
 * TX/RX pins from the board header. UARTE transmits by EasyDMA from RAM, so bytes are staged in a
 * RAM buffer and sent a line (or a full buffer) at a time; the host-stream sample source receives
 * one byte per EasyDMA transfer (nRF52840 PS v1.7 section 6.34, UARTE). */
#include <stdint.h>
#include "tms_board.h"
#include "tms_mmio.h"
#include "tms_timer.h"
#include "tms_uart.h"

#define CLOCK_TASKS_HFCLKSTART    (*(volatile uint32_t *)0x40000000u)
#define CLOCK_EVENTS_HFCLKSTARTED (*(volatile uint32_t *)0x40000100u)
#define UARTE0_BASE 0x40002000u
#define UARTE0_REG(off) (*(volatile uint32_t *)(UARTE0_BASE + (off)))
#define UARTE_TASKS_STARTRX 0x000u
#define UARTE_TASKS_STARTTX 0x008u
#define UARTE_EVENTS_ENDRX  0x110u
#define UARTE_EVENTS_ENDTX  0x120u
#define UARTE_ENABLE        0x500u
#define UARTE_PSEL_TXD      0x50Cu
#define UARTE_PSEL_RXD      0x514u
#define UARTE_BAUDRATE      0x524u
#define UARTE_RXD_PTR       0x534u
#define UARTE_RXD_MAXCNT    0x538u
#define UARTE_TXD_PTR       0x544u
#define UARTE_TXD_MAXCNT    0x548u
#define UARTE_CONFIG        0x56Cu
#define UARTE_ENABLE_ON     8u
/* GPIO port of the TX pin: P0 at 0x50000000, P1 at 0x50000300 */
#define GPIO_TX_BASE (0x50000000u + 0x300u * (TMS_UART_TX_PIN >> 5))
#define GPIO_OUTSET (*(volatile uint32_t *)(GPIO_TX_BASE + 0x508u))
#define GPIO_DIRSET (*(volatile uint32_t *)(GPIO_TX_BASE + 0x518u))
/* PIN_CNF of the RX pin: input, input buffer connected, no pull */
#define GPIO_RX_PIN_CNF (*(volatile uint32_t *)(0x50000000u + 0x300u * (TMS_UART_RX_PIN >> 5) + 0x700u \
                                                  + 4u * (TMS_UART_RX_PIN & 31u)))

#ifndef TMS_SERIAL_USB_CDC
static char tms_uart_buf[128];
static size_t tms_uart_len;
#endif

void tms_board_init(void)
{
    /* the internal RC oscillator drifts ~1.5 %, too much for a reliable UART */
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u;
    while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
    }
}

#ifndef TMS_SERIAL_USB_CDC  /* else tms_uart_* are the USB CDC port's (usb/tms_usb_uart.c) */
void tms_uart_init(void)
{
    GPIO_OUTSET = 1u << (TMS_UART_TX_PIN & 31u);
    GPIO_DIRSET = 1u << (TMS_UART_TX_PIN & 31u);
    UARTE0_REG(UARTE_PSEL_TXD) = TMS_UART_TX_PIN;
    GPIO_RX_PIN_CNF = 0u;
    UARTE0_REG(UARTE_PSEL_RXD) = TMS_UART_RX_PIN;
    UARTE0_REG(UARTE_BAUDRATE) = TMS_UARTE_BAUDRATE;
    UARTE0_REG(UARTE_CONFIG) = 0u;
    UARTE0_REG(UARTE_ENABLE) = UARTE_ENABLE_ON;
}

void tms_uart_flush(void)
{
    if (tms_uart_len == 0u) {
        return;
    }
    UARTE0_REG(UARTE_EVENTS_ENDTX) = 0u;
    UARTE0_REG(UARTE_TXD_PTR) = (uint32_t)(uintptr_t)tms_uart_buf;
    UARTE0_REG(UARTE_TXD_MAXCNT) = (uint32_t)tms_uart_len;
    UARTE0_REG(UARTE_TASKS_STARTTX) = 1u;
    while (UARTE0_REG(UARTE_EVENTS_ENDTX) == 0u) {
    }
    tms_uart_len = 0u;
}

void tms_uart_write(const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (tms_uart_len == sizeof tms_uart_buf) {
            tms_uart_flush();
        }
        tms_uart_buf[tms_uart_len++] = data[i];
    }
}
#endif

#ifndef TMS_SERIAL_USB_CDC  /* else the USB CDC port receives (usb/tms_usb_uart.c) */
uint8_t tms_uart_read_byte(void)
{
    /* EasyDMA writes RAM only: one byte per transfer; bytes arriving between two transfers wait
     * in the UARTE's RX FIFO */
    static volatile uint8_t rx;
    TMS_REG_WRITE(UARTE0_BASE + UARTE_EVENTS_ENDRX, 0u);
    TMS_REG_WRITE(UARTE0_BASE + UARTE_RXD_PTR, (uint32_t)(uintptr_t)&rx);
    TMS_REG_WRITE(UARTE0_BASE + UARTE_RXD_MAXCNT, 1u);
    TMS_REG_WRITE(UARTE0_BASE + UARTE_TASKS_STARTRX, 1u);
    while (TMS_REG_READ(UARTE0_BASE + UARTE_EVENTS_ENDRX) == 0u) {
    }
    return rx;
}
#endif

/* CLOCK's LFCLK controller (PS v1.7, CLOCK chapter, "LFCLK controller"): the 32.768 kHz clock the
 * RTC sample tick (nrf52840_rtc_tick.c) counts, which keeps running in System ON idle */
#define CLOCK_BASE                0x40000000u
#define CLOCK_TASKS_LFCLKSTART    0x008u
#define CLOCK_TASKS_LFCLKSTOP     0x00Cu
#define CLOCK_EVENTS_LFCLKSTARTED 0x104u
#define CLOCK_LFCLKSRC            0x518u
#define LFCLKSRC_RC   0u
#define LFCLKSRC_XTAL 1u
/* the LFXO starts in 0.25 s typically (PS v1.7, CLOCK electrical specification, t_START,LFXO);
 * after a second without LFCLKSTARTED there is no crystal (a module without one, as the
 * NINA-B306-01B) and the RC oscillator (+-500 ppm calibrated, +-2 % not) is used instead */
#define LFXO_TIMEOUT_CYCLES ((uint64_t)TMS_CLOCK_HZ)

int tms_nrf52840_lfclk_start(void);
int tms_nrf52840_lfclk_start(void)
{
    uint64_t t0;
    /* LFCLKSRC may be written only while the LFCLK is stopped: it is, out of reset */
    TMS_REG_WRITE(CLOCK_BASE + CLOCK_LFCLKSRC, LFCLKSRC_XTAL);
    TMS_REG_WRITE(CLOCK_BASE + CLOCK_EVENTS_LFCLKSTARTED, 0u);
    TMS_REG_WRITE(CLOCK_BASE + CLOCK_TASKS_LFCLKSTART, 1u);
    t0 = tms_timer_cycles();
    while (TMS_REG_READ(CLOCK_BASE + CLOCK_EVENTS_LFCLKSTARTED) == 0u) {
        if (tms_timer_cycles() - t0 > LFXO_TIMEOUT_CYCLES) {
            TMS_REG_WRITE(CLOCK_BASE + CLOCK_TASKS_LFCLKSTOP, 1u);
            TMS_REG_WRITE(CLOCK_BASE + CLOCK_LFCLKSRC, LFCLKSRC_RC);
            TMS_REG_WRITE(CLOCK_BASE + CLOCK_EVENTS_LFCLKSTARTED, 0u);
            TMS_REG_WRITE(CLOCK_BASE + CLOCK_TASKS_LFCLKSTART, 1u);
            while (TMS_REG_READ(CLOCK_BASE + CLOCK_EVENTS_LFCLKSTARTED) == 0u) {
            }
            return (int)LFCLKSRC_RC;
        }
    }
    return (int)LFCLKSRC_XTAL;
}

void tms_board_fault(void)
{
}

void tms_board_finish(int code)
{
    (void)code;
}
