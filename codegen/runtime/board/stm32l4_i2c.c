/* I2C master for STM32L475 boards (B-L475E-IOT01A), following RM0351 rev 9 (STM32L4x5/L4x6 reference
 * manual): section 39 "Inter-integrated circuit (I2C) interface" - 39.4.9 "I2C master mode" (CR2
 * SADD/RD_WRN/NBYTES/START/AUTOEND, TXIS/RXNE/TC/STOPF/NACKF flags; a NACK makes the peripheral send
 * STOP itself), 39.4.5 "I2C timings" (TIMINGR) and 39.4.6 software reset (PE = 0 then 1); section 6.4
 * RCC (APB1ENR1 I2C1EN bit 21 / I2C2EN bit 22, AHB2ENR GPIOBEN bit 1) and section 8 GPIO (alternate
 * function AF4, open drain).
 * Buses are the peripheral numbers: 2 = I2C2 on PB10 (SCL) / PB11 (SDA), where the board's HTS221,
 * LPS22HB, LSM6DSL and LIS3MDL sit (UM2153), with pull-ups on the board; 1 = I2C1 on PB8 (SCL) / PB9
 * (SDA), the Arduino header's D15/D14. I2CCLK is PCLK1 = 80 MHz (the board glue's clock tree).
 * TIMINGR at 80 MHz (RM0351 39.4.5 formulas; tests/codegen/sensors/periph/test_stm32l4_i2c.py checks
 * them against the I2C-bus specification UM10204 table 10 limits):
 *   100 kHz: PRESC 15 (200 ns), SCLL 24 (5.0 us), SCLH 19 (4.0 us), SDADEL 2, SCLDEL 6 (1.4 us)
 *   400 kHz: PRESC 9 (125 ns), SCLL 12 (1.625 us), SCLH 4 (0.625 us), SDADEL 2, SCLDEL 3 (0.5 us)
 * TMS_STM32_I2C_HZ picks one (400 kHz unless defined 100000). Transfers are at most 255 bytes (no
 * RELOAD). Host tests: test_stm32l4_i2c.py against a model of the peripheral. */
#include <stdint.h>
#include "sensors/tms_i2c.h"
#include "tms_mmio.h"

#ifndef TMS_STM32_I2C_HZ
#define TMS_STM32_I2C_HZ 400000
#endif
#define TMS_STM32_TIMINGR_100K 0xF0621318u
#define TMS_STM32_TIMINGR_400K 0x9032040Cu
#if TMS_STM32_I2C_HZ == 100000
#define TMS_STM32_TIMINGR TMS_STM32_TIMINGR_100K
#elif TMS_STM32_I2C_HZ == 400000
#define TMS_STM32_TIMINGR TMS_STM32_TIMINGR_400K
#else
#error "TMS_STM32_I2C_HZ must be 100000 or 400000"
#endif

#define I2C_CR1 0x00u
#define I2C_CR2 0x04u
#define I2C_TIMINGR 0x10u
#define I2C_ISR 0x18u
#define I2C_ICR 0x1Cu
#define I2C_RXDR 0x24u
#define I2C_TXDR 0x28u
#define I2C_CR1_PE (1u << 0)
#define I2C_CR2_RD_WRN (1u << 10)
#define I2C_CR2_START (1u << 13)
#define I2C_CR2_AUTOEND (1u << 25)
#define I2C_CR2_NBYTES_SHIFT 16u
#define I2C_ISR_TXIS (1u << 1)
#define I2C_ISR_RXNE (1u << 2)
#define I2C_ISR_NACKF (1u << 4)
#define I2C_ISR_STOPF (1u << 5)
#define I2C_ISR_TC (1u << 6)
#define I2C_ISR_BUSY (1u << 15)
#define I2C_ICR_CLEAR 0x3F38u /* ALERT, TIMOUT, PECCF, OVR, ARLO, BERR, STOPF, NACKF, ADDR */

#define RCC_AHB2ENR 0x4002104Cu
#define RCC_APB1ENR1 0x40021058u
#define GPIOB 0x48000400u
#define GPIO_MODER 0x00u
#define GPIO_OTYPER 0x04u
#define GPIO_OSPEEDR 0x08u
#define GPIO_PUPDR 0x0Cu
#define GPIO_AFRH 0x24u
#define GPIO_AF4_I2C 4u

#define TMS_STM32_I2C_TIMEOUT_US 20000u

typedef struct {
    uint32_t base;
    uint32_t rcc_bit;
    uint8_t scl_pin; /* on GPIOB */
    uint8_t sda_pin;
} tms_stm32_i2c_t;

static int tms_stm32_i2c_bus(uint8_t bus, tms_stm32_i2c_t *out)
{
    if (bus == 1u) {
        out->base = 0x40005400u;
        out->rcc_bit = 1u << 21;
        out->scl_pin = 8u;
        out->sda_pin = 9u;
        return 1;
    }
    if (bus == 2u) {
        out->base = 0x40005800u;
        out->rcc_bit = 1u << 22;
        out->scl_pin = 10u;
        out->sda_pin = 11u;
        return 1;
    }
    return 0;
}

static void tms_modify(uint32_t address, uint32_t clear, uint32_t set)
{
    TMS_REG_WRITE(address, (TMS_REG_READ(address) & ~clear) | set);
}

static void tms_stm32_pin_af4(uint8_t pin)
{
    uint32_t two = 3u << (2u * pin);
    uint32_t af_shift = 4u * (pin - 8u); /* PB8..PB15 are in AFRH */
    tms_modify(GPIOB + GPIO_AFRH, 0xFu << af_shift, GPIO_AF4_I2C << af_shift);
    tms_modify(GPIOB + GPIO_OTYPER, 0u, 1u << pin);        /* open drain */
    tms_modify(GPIOB + GPIO_OSPEEDR, two, 2u << (2u * pin)); /* high speed */
    tms_modify(GPIOB + GPIO_PUPDR, two, 0u);               /* the board has the pull-ups */
    tms_modify(GPIOB + GPIO_MODER, two, 2u << (2u * pin));   /* alternate function */
}

int tms_i2c_init(uint8_t bus)
{
    tms_stm32_i2c_t b;
    if (!tms_stm32_i2c_bus(bus, &b)) {
        return TMS_I2C_BAD_BUS;
    }
    tms_modify(RCC_AHB2ENR, 0u, 1u << 1);
    tms_modify(RCC_APB1ENR1, 0u, b.rcc_bit);
    tms_stm32_pin_af4(b.scl_pin);
    tms_stm32_pin_af4(b.sda_pin);
    TMS_REG_WRITE(b.base + I2C_CR1, 0u); /* TIMINGR may only change while PE = 0 */
    TMS_REG_WRITE(b.base + I2C_TIMINGR, TMS_STM32_TIMINGR);
    TMS_REG_WRITE(b.base + I2C_CR1, I2C_CR1_PE);
    return TMS_I2C_OK;
}

/* waits until ISR has any of `flags` (returns them) or NACKF; 0 on timeout */
static uint32_t tms_stm32_wait(uint32_t base, uint32_t flags)
{
    uint32_t waited_us = 0u;
    for (;;) {
        uint32_t isr = TMS_REG_READ(base + I2C_ISR);
        if (isr & (flags | I2C_ISR_NACKF)) {
            return isr;
        }
        if (waited_us >= TMS_STM32_I2C_TIMEOUT_US) {
            return 0u;
        }
        tms_delay_us(1u);
        waited_us++;
    }
}

/* a stuck transfer: software reset (PE low, then high again) frees the peripheral */
static int tms_stm32_timeout(uint32_t base)
{
    TMS_REG_WRITE(base + I2C_CR1, 0u);
    TMS_REG_WRITE(base + I2C_CR1, I2C_CR1_PE);
    return TMS_I2C_TIMEOUT;
}

/* after NACKF the peripheral sends STOP itself: wait for it and clear both flags */
static int tms_stm32_nack(uint32_t base)
{
    if (!tms_stm32_wait(base, I2C_ISR_STOPF)) {
        return tms_stm32_timeout(base);
    }
    TMS_REG_WRITE(base + I2C_ICR, I2C_ICR_CLEAR);
    return TMS_I2C_NACK;
}

static int tms_stm32_transfer(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                              uint8_t *rd, uint32_t rd_len)
{
    tms_stm32_i2c_t b;
    uint32_t sadd = (uint32_t)address << 1;
    uint32_t isr;
    uint32_t i;
    if (!tms_stm32_i2c_bus(bus, &b) || wr_len > 255u || rd_len > 255u) {
        return TMS_I2C_BAD_BUS;
    }
    if (TMS_REG_READ(b.base + I2C_ISR) & I2C_ISR_BUSY) {
        uint32_t waited_us = 0u;
        while (TMS_REG_READ(b.base + I2C_ISR) & I2C_ISR_BUSY) {
            if (waited_us++ >= TMS_STM32_I2C_TIMEOUT_US) {
                return tms_stm32_timeout(b.base);
            }
            tms_delay_us(1u);
        }
    }
    TMS_REG_WRITE(b.base + I2C_ICR, I2C_ICR_CLEAR);
    if (wr_len > 0u || rd_len == 0u) {
        /* AUTOEND only when nothing is read after: else TC holds SCL low for the repeated START */
        TMS_REG_WRITE(b.base + I2C_CR2, sadd | (wr_len << I2C_CR2_NBYTES_SHIFT) | I2C_CR2_START |
                                            (rd_len == 0u ? I2C_CR2_AUTOEND : 0u));
        for (i = 0u; i < wr_len; i++) {
            isr = tms_stm32_wait(b.base, I2C_ISR_TXIS);
            if (isr == 0u) {
                return tms_stm32_timeout(b.base);
            }
            if (isr & I2C_ISR_NACKF) {
                return tms_stm32_nack(b.base);
            }
            TMS_REG_WRITE(b.base + I2C_TXDR, wr[i]);
        }
        isr = tms_stm32_wait(b.base, rd_len == 0u ? I2C_ISR_STOPF : I2C_ISR_TC);
        if (isr == 0u) {
            return tms_stm32_timeout(b.base);
        }
        if (isr & I2C_ISR_NACKF) {
            return tms_stm32_nack(b.base);
        }
    }
    if (rd_len > 0u) {
        TMS_REG_WRITE(b.base + I2C_CR2, sadd | I2C_CR2_RD_WRN | (rd_len << I2C_CR2_NBYTES_SHIFT) |
                                            I2C_CR2_START | I2C_CR2_AUTOEND);
        for (i = 0u; i < rd_len; i++) {
            isr = tms_stm32_wait(b.base, I2C_ISR_RXNE);
            if (isr == 0u) {
                return tms_stm32_timeout(b.base);
            }
            if (isr & I2C_ISR_NACKF) {
                return tms_stm32_nack(b.base);
            }
            rd[i] = (uint8_t)TMS_REG_READ(b.base + I2C_RXDR);
        }
        if (!tms_stm32_wait(b.base, I2C_ISR_STOPF)) {
            return tms_stm32_timeout(b.base);
        }
    }
    TMS_REG_WRITE(b.base + I2C_ICR, I2C_ICR_CLEAR);
    return TMS_I2C_OK;
}

int tms_i2c_write(uint8_t bus, uint8_t address, const uint8_t *data, uint32_t len)
{
    return tms_stm32_transfer(bus, address, data, len, (uint8_t *)0, 0u);
}

int tms_i2c_write_read(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                       uint8_t *rd, uint32_t rd_len)
{
    return tms_stm32_transfer(bus, address, wr, wr_len, rd, rd_len);
}
