/* Board glue for STM32L475 boards (B-L475E-IOT01A): 80 MHz from MSI through the PLL, and USART1
 * on PB6 (TX, AF7) and PB7 (RX, AF7: the host-stream frames), which reach the host through the
 * ST-LINK virtual COM port. */
#include <stdint.h>
#include "tms_board.h"
#include "tms_mmio.h"
#include "tms_uart.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define FLASH_ACR     REG(0x40022000u)
#define RCC_CR        REG(0x40021000u)
#define RCC_CFGR      REG(0x40021008u)
#define RCC_PLLCFGR   REG(0x4002100Cu)
#define RCC_AHB2ENR   REG(0x4002104Cu)
#define RCC_APB2ENR   REG(0x40021060u)
#define GPIOB_MODER   REG(0x48000400u)
#define GPIOB_AFRL    REG(0x48000420u)
#define USART1_CR1    REG(0x40013800u)
#define USART1_BRR    REG(0x4001380Cu)
#define USART1_ISR    REG(0x4001381Cu)
/* the receive path's registers go through tms_mmio.h (tested against a model of the USART) */
#define USART1_ISR_ADDR 0x4001381Cu
#define USART1_ICR_ADDR 0x40013820u
#define USART1_RDR_ADDR 0x40013824u
#define USART1_TDR    REG(0x40013828u)

void tms_board_init(void)
{
    /* 80 MHz needs 4 flash wait states at range 1 (RM0351 table 9); set them before speeding up */
    FLASH_ACR = (FLASH_ACR & ~0x7u) | 4u;
    while ((FLASH_ACR & 0x7u) != 4u) {
    }
    /* PLL: MSI 4 MHz / M=1 * N=40 / R=2 = 80 MHz */
    RCC_CR &= ~(1u << 24);
    while (RCC_CR & (1u << 25)) {
    }
    RCC_PLLCFGR = (1u << 0) | (0u << 4) | (40u << 8) | (1u << 24) | (0u << 25);
    RCC_CR |= 1u << 24;
    while ((RCC_CR & (1u << 25)) == 0u) {
    }
    RCC_CFGR = (RCC_CFGR & ~0x3u) | 0x3u;
    while (((RCC_CFGR >> 2) & 0x3u) != 0x3u) {
    }
}

void tms_uart_init(void)
{
    RCC_AHB2ENR |= 1u << 1;   /* GPIOB */
    RCC_APB2ENR |= 1u << 14;  /* USART1 */
    (void)RCC_APB2ENR;        /* read back: the clock must be running before the first access */
    /* PB6 and PB7 in alternate function 7 (USART1 TX and RX) */
    GPIOB_MODER = (GPIOB_MODER & ~(0xFu << 12)) | (0xAu << 12);
    GPIOB_AFRL = (GPIOB_AFRL & ~(0xFFu << 24)) | (0x77u << 24);
    USART1_BRR = TMS_USART_BRR;
    USART1_CR1 = (1u << 3) | (1u << 2) | (1u << 0);  /* TE, RE, UE */
}

void tms_uart_write(const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        while ((USART1_ISR & (1u << 7)) == 0u) {
        }
        USART1_TDR = (uint8_t)data[i];
    }
}

uint8_t tms_uart_read_byte(void)
{
    /* ISR.RXNE (bit 5); an overrun (ORE, bit 3) stops reception until cleared: the byte it lost
     * fails the frame's CRC and the host sends the block again (RM0351 section 40.8) */
    uint32_t isr;
    while (((isr = TMS_REG_READ(USART1_ISR_ADDR)) & (1u << 5)) == 0u) {
        if (isr & (1u << 3)) {
            TMS_REG_WRITE(USART1_ICR_ADDR, 1u << 3);
        }
    }
    return (uint8_t)TMS_REG_READ(USART1_RDR_ADDR);
}

void tms_uart_flush(void)
{
    while ((USART1_ISR & (1u << 6)) == 0u) {
    }
}

void tms_board_fault(void)
{
}

void tms_board_finish(int code)
{
    (void)code;
}
