/* Board glue for the emulated ARM MPS2 (QEMU mps2-an386): CMSDK APB UART0 at 0x40004000 (TX: the
 * protocol; RX: the host-stream frames), and
 * semihosting to end a run with an exit code. */
#include <stdint.h>
#include "tms_board.h"
#include "tms_semihost.h"
#include "tms_uart.h"

#define UART0_DATA     (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE    (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL     (*(volatile uint32_t *)0x40004008u)
#define UART0_BAUDDIV  (*(volatile uint32_t *)0x40004010u)
#define UART_STATE_TX_FULL 0x1u
#define UART_STATE_RX_FULL 0x2u
#define UART_CTRL_TX_EN    0x1u
#define UART_CTRL_RX_EN    0x2u
#define UART_CTRL_RX_INT_EN 0x8u
#define UART0_INTCLEAR (*(volatile uint32_t *)0x4000400Cu)
#define UART_INT_RX        0x2u
/* NVIC: UART0's RX interrupt is IRQ 0 on the AN385/AN386 images */
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)
#define NVIC_ICER0 (*(volatile uint32_t *)0xE000E180u)
#define NVIC_ICPR0 (*(volatile uint32_t *)0xE000E280u)
#define NVIC_UART0_RX      0x1u

void tms_board_init(void)
{
}

void tms_uart_init(void)
{
    /* the CMSDK UART needs a divider of at least 16 */
    UART0_BAUDDIV = TMS_UART_BAUDDIV;
    /* RX on too: the host-stream sample source reads the host's frames here. QEMU holds further
     * bytes in the socket while RX is full, so a busy guest loses none. */
    UART0_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN;
}

uint8_t tms_uart_read_byte(void)
{
    if (!(UART0_STATE & UART_STATE_RX_FULL)) {
        /* Sleep until the byte arrives rather than spin: a halted guest leaves the host's core to
         * QEMU's I/O thread, which delivers the bytes (measured: 13 kB/s instead of 5 kB/s). The
         * RX interrupt only wakes the WFI: with PRIMASK set it is never taken (the vector table
         * has the core exceptions only), and its pending bit is cleared before PRIMASK is. */
        __asm volatile("cpsid i" ::: "memory");
        UART0_CTRL |= UART_CTRL_RX_INT_EN;
        NVIC_ISER0 = NVIC_UART0_RX;
        while (!(UART0_STATE & UART_STATE_RX_FULL)) {
            __asm volatile("wfi" ::: "memory");
        }
        UART0_CTRL &= ~UART_CTRL_RX_INT_EN;
        UART0_INTCLEAR = UART_INT_RX;
        NVIC_ICER0 = NVIC_UART0_RX;
        NVIC_ICPR0 = NVIC_UART0_RX;
        __asm volatile("cpsie i" ::: "memory");
    }
    return (uint8_t)UART0_DATA;
}

void tms_uart_write(const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        while (UART0_STATE & UART_STATE_TX_FULL) {
        }
        UART0_DATA = (uint8_t)data[i];
    }
}

void tms_uart_flush(void)
{
}

void tms_board_fault(void)
{
    tms_semihost_exit(TMS_EXIT_FAULT);
}

void tms_board_finish(int code)
{
    tms_semihost_exit((uint32_t)code);
}
