/* Board glue for RP2040 boards (Raspberry Pi Pico, Arducam Pico4ML): 125 MHz from the 12 MHz
 * crystal through PLL_SYS, and UART0 (PL011) on GPIO0 (TX) and GPIO1 (RX: the host-stream frames). The second-stage bootloader that
 * sets up execute-in-place from the QSPI flash is rp2040_boot2.c, built separately. */
#include <stdint.h>
#include "tms_board.h"
#include "tms_mmio.h"
#include "tms_uart.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
/* RP2040 atomic register aliases: write-1-to-set and write-1-to-clear */
#define SET(addr) REG((addr) + 0x2000u)
#define CLR(addr) REG((addr) + 0x3000u)

#define RESETS_RESET      0x4000C000u
#define RESETS_DONE       0x4000C008u
#define RESET_IO_BANK0    (1u << 5)
#define RESET_PADS_BANK0  (1u << 8)
#define RESET_PLL_SYS     (1u << 12)
#define RESET_UART0       (1u << 22)
#define XOSC_CTRL         0x40024000u
#define XOSC_STATUS       0x40024004u
#define XOSC_STARTUP      0x4002400Cu
#define CLK_REF_CTRL      0x40008030u
#define CLK_REF_SELECTED  0x40008038u
#define CLK_SYS_CTRL      0x4000803Cu
#define CLK_SYS_SELECTED  0x40008044u
#define CLK_PERI_CTRL     0x40008048u
#define PLL_SYS_CS        0x40028000u
#define PLL_SYS_PWR       0x40028004u
#define PLL_SYS_FBDIV     0x40028008u
#define PLL_SYS_PRIM      0x4002800Cu
#define IO_GPIO0_CTRL     0x40014004u
#define IO_GPIO1_CTRL     0x4001400Cu
#define UART0_DR          0x40034000u
#define UART0_FR          0x40034018u
#define UART0_IBRD        0x40034024u
#define UART0_FBRD        0x40034028u
#define UART0_LCR_H       0x4003402Cu
#define UART0_CR          0x40034030u

static void tms_unreset(uint32_t mask)
{
    CLR(RESETS_RESET) = mask;
    while ((REG(RESETS_DONE) & mask) != mask) {
    }
}

void tms_board_init(void)
{
    /* crystal: 1-15 MHz range, ~1 ms start-up delay in units of 256 cycles */
    REG(XOSC_CTRL) = 0xAA0u;
    REG(XOSC_STARTUP) = 47u;
    SET(XOSC_CTRL) = 0xFABu << 12;
    while ((REG(XOSC_STATUS) & (1u << 31)) == 0u) {
    }
    /* run from clk_ref while the PLL is reprogrammed, and make clk_ref the crystal */
    CLR(CLK_SYS_CTRL) = 0x1u;
    while (REG(CLK_SYS_SELECTED) != 0x1u) {
    }
    REG(CLK_REF_CTRL) = 0x2u;
    while (REG(CLK_REF_SELECTED) != (1u << 2)) {
    }
    /* PLL_SYS: 12 MHz / 1 * 125 = 1500 MHz VCO, / 6 / 2 = 125 MHz */
    SET(RESETS_RESET) = RESET_PLL_SYS;
    tms_unreset(RESET_PLL_SYS);
    REG(PLL_SYS_CS) = 1u;
    REG(PLL_SYS_FBDIV) = 125u;
    CLR(PLL_SYS_PWR) = (1u << 0) | (1u << 5);
    while ((REG(PLL_SYS_CS) & (1u << 31)) == 0u) {
    }
    REG(PLL_SYS_PRIM) = (6u << 16) | (2u << 12);
    CLR(PLL_SYS_PWR) = 1u << 3;
    REG(CLK_SYS_CTRL) = 0x0u << 5;  /* aux source: pll_sys */
    SET(CLK_SYS_CTRL) = 0x1u;       /* glitchless switch to the aux source */
    while (REG(CLK_SYS_SELECTED) != 0x2u) {
    }
    REG(CLK_PERI_CTRL) = 1u << 11;  /* enabled, from clk_sys */
}

#ifndef TMS_SERIAL_USB_CDC  /* else tms_uart_* are the USB CDC port's (usb/tms_usb_uart.c) */
void tms_uart_init(void)
{
    tms_unreset(RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0);
    REG(IO_GPIO0_CTRL) = 2u;  /* FUNCSEL: UART0 TX */
    REG(IO_GPIO1_CTRL) = 2u;  /* FUNCSEL: UART0 RX */
    REG(UART0_IBRD) = TMS_PL011_IBRD;
    REG(UART0_FBRD) = TMS_PL011_FBRD;
    /* LCR_H latches the divisors: 8 data bits, FIFOs on */
    REG(UART0_LCR_H) = (3u << 5) | (1u << 4);
    REG(UART0_CR) = (1u << 0) | (1u << 8) | (1u << 9);  /* UARTEN, TXE, RXE */
}

void tms_uart_write(const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        while (REG(UART0_FR) & (1u << 5)) {
        }
        REG(UART0_DR) = (uint8_t)data[i];
    }
}

uint8_t tms_uart_read_byte(void)
{
    /* FR.RXFE: the 32-byte receive FIFO is empty (RP2040 datasheet 4.2.8, UARTFR) */
    while (TMS_REG_READ(UART0_FR) & (1u << 4)) {
    }
    return (uint8_t)TMS_REG_READ(UART0_DR);
}

void tms_uart_flush(void)
{
    while (REG(UART0_FR) & (1u << 3)) {
    }
}
#endif

void tms_board_fault(void)
{
}

void tms_board_finish(int code)
{
    (void)code;
}
