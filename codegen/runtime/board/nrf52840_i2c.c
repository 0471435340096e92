/* I2C master for nRF52840 boards (Arduino Nano 33 BLE / BLE Sense): TWIM with EasyDMA, following the
 * nRF52840 Product Specification v1.7, section 6.31 "TWIM - I2C compatible two-wire interface master
 * with EasyDMA" (registers 6.31.10; the sequences of 6.31.3 "Master write/read sequence" and 6.31.4
 * "Master repeated start sequence" with the LASTTX_STARTRX, LASTTX_STOP and LASTRX_STOP shortcuts;
 * an ERROR (ANACK/DNACK) is ended by the STOP task, 6.31.6) and section 6.9 GPIO (PIN_CNF: input
 * connected, no pull, S0D1 drive, as TWIM pins want).
 * Buses: 0 = TWIM0 on the board's internal sensor bus, SDA P0.14 / SCL P0.15, whose sensors are powered
 * by VDD_ENV on P0.22 and whose 4.7k pull-ups hang from P1.00 (the Nano 33 BLE Sense schematic; the
 * Arduino core's variant drives both high before Wire starts); 1 = TWIM1 on the header's A4 (SDA,
 * P0.31) / A5 (SCL, P0.02), which needs external pull-ups. 400 kHz.
 * EasyDMA reads and writes RAM only, so transfers go through two RAM buffers of TMS_TWIM_MAX_BYTES
 * (longer transfers: TMS_I2C_BAD_BUS; drivers read FIFOs in chunks).
 * Host tests: tests/codegen/sensors/periph/test_nrf52840_i2c.py against a model of TWIM. */
#include <stdint.h>
#include "sensors/tms_i2c.h"
#include "tms_mmio.h"

#define TWIM_TASKS_STARTRX 0x000u
#define TWIM_TASKS_STARTTX 0x008u
#define TWIM_TASKS_STOP 0x014u
#define TWIM_EVENTS_STOPPED 0x104u
#define TWIM_EVENTS_ERROR 0x124u
#define TWIM_EVENTS_LASTRX 0x15Cu
#define TWIM_EVENTS_LASTTX 0x160u
#define TWIM_SHORTS 0x200u
#define TWIM_ERRORSRC 0x4C4u
#define TWIM_ENABLE 0x500u
#define TWIM_PSEL_SCL 0x508u
#define TWIM_PSEL_SDA 0x50Cu
#define TWIM_FREQUENCY 0x524u
#define TWIM_RXD_PTR 0x534u
#define TWIM_RXD_MAXCNT 0x538u
#define TWIM_RXD_AMOUNT 0x53Cu
#define TWIM_TXD_PTR 0x544u
#define TWIM_TXD_MAXCNT 0x548u
#define TWIM_ADDRESS 0x588u

#define TWIM_SHORTS_LASTTX_STARTRX (1u << 7)
#define TWIM_SHORTS_LASTTX_STOP (1u << 9)
#define TWIM_SHORTS_LASTRX_STOP (1u << 12)
#define TWIM_ERRORSRC_ANACK (1u << 1)
#define TWIM_ERRORSRC_DNACK (1u << 2)
#define TWIM_ENABLE_ENABLED 6u
#define TWIM_FREQUENCY_K400 0x06400000u

#define GPIO_P0 0x50000000u
#define GPIO_P1 0x50000300u
#define GPIO_OUTSET 0x508u
#define GPIO_DIRSET 0x518u
#define GPIO_PIN_CNF(pin) (0x700u + 4u * (pin))
/* DIR input, INPUT connect, PULL disabled, DRIVE S0D1 (standard 0, disconnect 1) */
#define GPIO_PIN_CNF_TWI (6u << 8)

#define TMS_TWIM_MAX_BYTES 128u
/* a transfer that has not ended in this long counts as a stuck bus (clock stretching included) */
#define TMS_TWIM_TIMEOUT_US 20000u

typedef struct {
    uint32_t base;
    uint8_t sda_port_pin; /* port * 32 + pin */
    uint8_t scl_port_pin;
} tms_twim_bus_t;

static const tms_twim_bus_t tms_twim_buses[] = {
    {0x40003000u, 14u, 15u},      /* TWIM0: the internal sensor bus */
    {0x40004000u, 31u, 2u},       /* TWIM1: header A4/A5 */
};
#define TMS_TWIM_BUSES (sizeof(tms_twim_buses) / sizeof(tms_twim_buses[0]))
#define TMS_SENSOR_POWER_PIN 22u   /* P0.22 VDD_ENV */
#define TMS_I2C_PULLUP_PIN 32u     /* P1.00 */

static uint8_t tms_twim_tx[TMS_TWIM_MAX_BYTES];
static uint8_t tms_twim_rx[TMS_TWIM_MAX_BYTES];

#ifdef TMS_HOST_MODEL
/* the host model reads and writes the DMA buffers through their full addresses */
void tms_twim_host_buffers(uint8_t **tx, uint8_t **rx);
void tms_twim_host_buffers(uint8_t **tx, uint8_t **rx)
{
    *tx = tms_twim_tx;
    *rx = tms_twim_rx;
}
#endif

static uint32_t tms_gpio_port(uint8_t port_pin)
{
    return port_pin >= 32u ? GPIO_P1 : GPIO_P0;
}

static void tms_gpio_output_high(uint8_t port_pin)
{
    uint32_t port = tms_gpio_port(port_pin);
    uint32_t bit = 1u << (port_pin & 31u);
    TMS_REG_WRITE(port + GPIO_OUTSET, bit);
    TMS_REG_WRITE(port + GPIO_DIRSET, bit);
}

int tms_i2c_init(uint8_t bus)
{
    const tms_twim_bus_t *b;
    if (bus >= TMS_TWIM_BUSES) {
        return TMS_I2C_BAD_BUS;
    }
    b = &tms_twim_buses[bus];
    if (bus == 0u) {
        /* power the on-board sensors and their pull-ups, then give the parts time to boot */
        tms_gpio_output_high(TMS_SENSOR_POWER_PIN);
        tms_gpio_output_high(TMS_I2C_PULLUP_PIN);
        tms_delay_us(10000u);
    }
    TMS_REG_WRITE(tms_gpio_port(b->scl_port_pin) + GPIO_PIN_CNF(b->scl_port_pin & 31u), GPIO_PIN_CNF_TWI);
    TMS_REG_WRITE(tms_gpio_port(b->sda_port_pin) + GPIO_PIN_CNF(b->sda_port_pin & 31u), GPIO_PIN_CNF_TWI);
    TMS_REG_WRITE(b->base + TWIM_ENABLE, 0u);
    /* PSEL: pin number in bits 4:0, port in bit 5, CONNECT (bit 31) = 0 */
    TMS_REG_WRITE(b->base + TWIM_PSEL_SCL, b->scl_port_pin);
    TMS_REG_WRITE(b->base + TWIM_PSEL_SDA, b->sda_port_pin);
    TMS_REG_WRITE(b->base + TWIM_FREQUENCY, TWIM_FREQUENCY_K400);
    TMS_REG_WRITE(b->base + TWIM_ENABLE, TWIM_ENABLE_ENABLED);
    return TMS_I2C_OK;
}

/* waits for STOPPED; on ERROR issues STOP (6.31.6) and reports the NACK; TIMEOUT after the limit */
static int tms_twim_finish(uint32_t base)
{
    uint32_t waited_us = 0u;
    int status = TMS_I2C_OK;
    while (TMS_REG_READ(base + TWIM_EVENTS_STOPPED) == 0u) {
        if (status == TMS_I2C_OK && TMS_REG_READ(base + TWIM_EVENTS_ERROR) != 0u) {
            uint32_t src = TMS_REG_READ(base + TWIM_ERRORSRC);
            TMS_REG_WRITE(base + TWIM_ERRORSRC, src); /* write 1 to clear */
            TMS_REG_WRITE(base + TWIM_EVENTS_ERROR, 0u);
            status = (src & (TWIM_ERRORSRC_ANACK | TWIM_ERRORSRC_DNACK)) ? TMS_I2C_NACK : TMS_I2C_TIMEOUT;
            TMS_REG_WRITE(base + TWIM_TASKS_STOP, 1u);
        }
        if (waited_us >= TMS_TWIM_TIMEOUT_US) {
            TMS_REG_WRITE(base + TWIM_TASKS_STOP, 1u);
            return TMS_I2C_TIMEOUT;
        }
        tms_delay_us(1u);
        waited_us++;
    }
    TMS_REG_WRITE(base + TWIM_EVENTS_STOPPED, 0u);
    return status;
}

static int tms_twim_transfer(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                             uint8_t *rd, uint32_t rd_len)
{
    uint32_t base;
    uint32_t i;
    int status;
    if (bus >= TMS_TWIM_BUSES || wr_len > TMS_TWIM_MAX_BYTES || rd_len > TMS_TWIM_MAX_BYTES) {
        return TMS_I2C_BAD_BUS;
    }
    base = tms_twim_buses[bus].base;
    for (i = 0u; i < wr_len; i++) {
        tms_twim_tx[i] = wr[i];
    }
    TMS_REG_WRITE(base + TWIM_ADDRESS, address);
    TMS_REG_WRITE(base + TWIM_EVENTS_STOPPED, 0u);
    TMS_REG_WRITE(base + TWIM_EVENTS_ERROR, 0u);
    TMS_REG_WRITE(base + TWIM_EVENTS_LASTTX, 0u);
    TMS_REG_WRITE(base + TWIM_EVENTS_LASTRX, 0u);
    TMS_REG_WRITE(base + TWIM_TXD_PTR, (uint32_t)(uintptr_t)tms_twim_tx);
    TMS_REG_WRITE(base + TWIM_TXD_MAXCNT, wr_len);
    TMS_REG_WRITE(base + TWIM_RXD_PTR, (uint32_t)(uintptr_t)tms_twim_rx);
    TMS_REG_WRITE(base + TWIM_RXD_MAXCNT, rd_len);
    if (rd_len == 0u) {
        TMS_REG_WRITE(base + TWIM_SHORTS, TWIM_SHORTS_LASTTX_STOP);
        TMS_REG_WRITE(base + TWIM_TASKS_STARTTX, 1u);
    } else if (wr_len == 0u) {
        TMS_REG_WRITE(base + TWIM_SHORTS, TWIM_SHORTS_LASTRX_STOP);
        TMS_REG_WRITE(base + TWIM_TASKS_STARTRX, 1u);
    } else {
        /* write, repeated START, read, STOP: all by shortcuts, no CPU in between */
        TMS_REG_WRITE(base + TWIM_SHORTS, TWIM_SHORTS_LASTTX_STARTRX | TWIM_SHORTS_LASTRX_STOP);
        TMS_REG_WRITE(base + TWIM_TASKS_STARTTX, 1u);
    }
    status = tms_twim_finish(base);
    if (status == TMS_I2C_OK && TMS_REG_READ(base + TWIM_RXD_AMOUNT) != rd_len) {
        status = TMS_I2C_NACK;
    }
    for (i = 0u; status == TMS_I2C_OK && i < rd_len; i++) {
        rd[i] = tms_twim_rx[i];
    }
    return status;
}

int tms_i2c_write(uint8_t bus, uint8_t address, const uint8_t *data, uint32_t len)
{
    return tms_twim_transfer(bus, address, data, len, (uint8_t *)0, 0u);
}

int tms_i2c_write_read(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                       uint8_t *rd, uint32_t rd_len)
{
    return tms_twim_transfer(bus, address, wr, wr_len, rd, rd_len);
}
