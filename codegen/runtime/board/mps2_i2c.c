/* I2C master for the ARM MPS2 boards (QEMU mps2-an385/an386/an500/an505): the SBCon two-wire serial
 * bus interface, bit-banged. Follows ARM DDI 0479 "Cortex-M System Design Kit" / AN386 application
 * note (Arm DAI 0386), section "Serial bus interface (SBCon)": SB_CONTROL (read, offset 0x0) gives the
 * line states (bit 0 SCL, bit 1 SDA), SB_CONTROLS (write, offset 0x0) sets lines high (releases them),
 * SB_CONTROLC (write, offset 0x4) pulls them low. The I2C bit timing is that of the NXP I2C-bus
 * specification UM10204 section 3.1 (START/STOP while SCL is high, data stable while SCL is high,
 * ACK on the ninth clock), at standard-mode (100 kHz) half-periods of 5 us.
 * Bus numbers: 0 = 0x40022000 (touchscreen), 1 = 0x40023000 (audio configuration), 2 = 0x40029000
 * and 3 = 0x4002A000 (the two shield buses). QEMU 7.2 puts a `-device` I2C model on the last SBCon it
 * creates, 0x4002A000 (seen with `info qtree`): bus 3 is the emulated board's sensor bus.
 * Host tests: tests/codegen/sensors/periph/test_mps2_i2c.py runs it against a model of SBCon + bus. */
#include <stdint.h>
#include "sensors/tms_i2c.h"
#include "tms_mmio.h"

#define SB_CONTROL(base)  ((base) + 0x0u)
#define SB_CONTROLS(base) ((base) + 0x0u)
#define SB_CONTROLC(base) ((base) + 0x4u)
#define SB_SCL 0x1u
#define SB_SDA 0x2u
#define TMS_SBCON_HALF_PERIOD_US 5u
/* a slave may hold SCL low (clock stretching) this long before the bus counts as stuck */
#define TMS_SBCON_STRETCH_US 10000u

static const uint32_t tms_sbcon_bases[] = {0x40022000u, 0x40023000u, 0x40029000u, 0x4002A000u};
#define TMS_SBCON_BUSES (sizeof(tms_sbcon_bases) / sizeof(tms_sbcon_bases[0]))

static void tms_sbcon_high(uint32_t base, uint32_t lines)
{
    TMS_REG_WRITE(SB_CONTROLS(base), lines);
    tms_delay_us(TMS_SBCON_HALF_PERIOD_US);
}

static void tms_sbcon_low(uint32_t base, uint32_t lines)
{
    TMS_REG_WRITE(SB_CONTROLC(base), lines);
    tms_delay_us(TMS_SBCON_HALF_PERIOD_US);
}

/* release SCL and wait until it is really high (a slave may stretch the clock) */
static int tms_sbcon_scl_high(uint32_t base)
{
    uint32_t waited_us = 0u;
    TMS_REG_WRITE(SB_CONTROLS(base), SB_SCL);
    while ((TMS_REG_READ(SB_CONTROL(base)) & SB_SCL) == 0u) {
        if (waited_us >= TMS_SBCON_STRETCH_US) {
            return TMS_I2C_TIMEOUT;
        }
        tms_delay_us(1u);
        waited_us++;
    }
    tms_delay_us(TMS_SBCON_HALF_PERIOD_US);
    return TMS_I2C_OK;
}

static int tms_sbcon_sda(uint32_t base)
{
    return (TMS_REG_READ(SB_CONTROL(base)) & SB_SDA) != 0u;
}

/* START (or repeated START): SDA falls while SCL is high. A bus whose SDA stays low (a slave left
 * mid-byte) gets up to nine clocks to let go (UM10204 3.1.16), then counts as stuck. */
static int tms_sbcon_start(uint32_t base)
{
    int pulses;
    tms_sbcon_high(base, SB_SDA);
    if (tms_sbcon_scl_high(base) != TMS_I2C_OK) {
        return TMS_I2C_TIMEOUT;
    }
    for (pulses = 0; !tms_sbcon_sda(base); pulses++) {
        if (pulses == 9) {
            return TMS_I2C_TIMEOUT;
        }
        tms_sbcon_low(base, SB_SCL);
        if (tms_sbcon_scl_high(base) != TMS_I2C_OK) {
            return TMS_I2C_TIMEOUT;
        }
    }
    tms_sbcon_low(base, SB_SDA);
    tms_sbcon_low(base, SB_SCL);
    return TMS_I2C_OK;
}

/* STOP: SDA rises while SCL is high; leaves both lines released */
static void tms_sbcon_stop(uint32_t base)
{
    tms_sbcon_low(base, SB_SDA);
    (void)tms_sbcon_scl_high(base);
    tms_sbcon_high(base, SB_SDA);
}

/* one clock with SDA as given (1 = released); returns the SDA level seen while SCL was high, or
 * a negative TMS_I2C_TIMEOUT */
static int tms_sbcon_bit(uint32_t base, int sda)
{
    int seen;
    if (sda) {
        tms_sbcon_high(base, SB_SDA);
    } else {
        tms_sbcon_low(base, SB_SDA);
    }
    if (tms_sbcon_scl_high(base) != TMS_I2C_OK) {
        return TMS_I2C_TIMEOUT;
    }
    seen = tms_sbcon_sda(base);
    tms_sbcon_low(base, SB_SCL);
    return seen;
}

/* eight bits MSB first, then the slave's ACK: OK, NACK or TIMEOUT */
static int tms_sbcon_send(uint32_t base, uint8_t byte)
{
    int bit;
    int ack;
    for (bit = 7; bit >= 0; bit--) {
        if (tms_sbcon_bit(base, (byte >> bit) & 1) < 0) {
            return TMS_I2C_TIMEOUT;
        }
    }
    ack = tms_sbcon_bit(base, 1);
    if (ack < 0) {
        return TMS_I2C_TIMEOUT;
    }
    return ack ? TMS_I2C_NACK : TMS_I2C_OK;
}

/* eight bits from the slave, then ACK (more to come) or NACK (the last byte) from the master */
static int tms_sbcon_receive(uint32_t base, uint8_t *byte, int last)
{
    int bit;
    uint8_t value = 0u;
    for (bit = 0; bit < 8; bit++) {
        int seen = tms_sbcon_bit(base, 1);
        if (seen < 0) {
            return TMS_I2C_TIMEOUT;
        }
        value = (uint8_t)((value << 1) | (uint8_t)seen);
    }
    *byte = value;
    return tms_sbcon_bit(base, last ? 1 : 0) < 0 ? TMS_I2C_TIMEOUT : TMS_I2C_OK;
}

int tms_i2c_init(uint8_t bus)
{
    if (bus >= TMS_SBCON_BUSES) {
        return TMS_I2C_BAD_BUS;
    }
    /* both lines released: the idle bus */
    tms_sbcon_high(tms_sbcon_bases[bus], SB_SCL | SB_SDA);
    return TMS_I2C_OK;
}

static int tms_sbcon_transfer(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                              uint8_t *rd, uint32_t rd_len)
{
    uint32_t base;
    uint32_t i;
    int status;
    if (bus >= TMS_SBCON_BUSES) {
        return TMS_I2C_BAD_BUS;
    }
    base = tms_sbcon_bases[bus];
    status = tms_sbcon_start(base);
    if (status != TMS_I2C_OK) {
        return status;
    }
    if (wr_len > 0u || rd_len == 0u) {
        status = tms_sbcon_send(base, (uint8_t)(address << 1));
        for (i = 0u; status == TMS_I2C_OK && i < wr_len; i++) {
            status = tms_sbcon_send(base, wr[i]);
        }
        if (status == TMS_I2C_OK && rd_len > 0u) {
            status = tms_sbcon_start(base);
        }
    }
    if (status == TMS_I2C_OK && rd_len > 0u) {
        status = tms_sbcon_send(base, (uint8_t)((address << 1) | 1u));
        for (i = 0u; status == TMS_I2C_OK && i < rd_len; i++) {
            status = tms_sbcon_receive(base, &rd[i], i + 1u == rd_len);
        }
    }
    tms_sbcon_stop(base);
    return status;
}

int tms_i2c_write(uint8_t bus, uint8_t address, const uint8_t *data, uint32_t len)
{
    return tms_sbcon_transfer(bus, address, data, len, (uint8_t *)0, 0u);
}

int tms_i2c_write_read(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                       uint8_t *rd, uint32_t rd_len)
{
    return tms_sbcon_transfer(bus, address, wr, wr_len, rd, rd_len);
}
