/* I2C master for RP2040 boards (Raspberry Pi Pico, Arducam Pico4ML): the Synopsys DW_apb_i2c, following
 * the RP2040 datasheet (build 2023-06), section 4.3 "I2C": 4.3.10.2 master transfers through
 * IC_DATA_CMD (CMD = read, RESTART, STOP per byte), 4.3.14 clock settings (IC_FS_SCL_HCNT/LCNT,
 * IC_FS_SPKLEN, IC_SDA_HOLD), 4.3.9 TX_ABRT with IC_TX_ABRT_SOURCE (ABRT_7B_ADDR_NOACK,
 * ABRT_TXDATA_NOACK), register list 4.3.17; section 2.14 RESETS (I2C0 bit 3, I2C1 bit 4), 2.19 GPIO
 * (FUNCSEL 3 = I2C; GPIO n is I2C((n >> 1) & 1), SDA on even n, SCL on odd n) and pads (input on,
 * Schmitt trigger, pull-up as a weak default: an I2C bus still wants external pull-ups).
 * Buses: 0 = I2C0 at 0x40044000, 1 = I2C1 at 0x40048000. Their pins are the bus configuration:
 * TMS_RP2040_I2C0_SDA/SCL (default GPIO4/GPIO5, the Pico's usual I2C0 pins) and TMS_RP2040_I2C1_SDA/SCL
 * (default GPIO6/GPIO7), from tms_board.h or the compiler command line; a pin that cannot carry the
 * bus is a compile error. Fast mode, 400 kHz from clk_sys = 125 MHz: SCL low = LCNT + 1 = 188 cycles
 * (1.50 us >= 1.3 us), high = HCNT + SPKLEN + 7 = 125 cycles (1.0 us >= 0.6 us), 313 cycles per bit;
 * spike suppression 7 cycles (>= 50 ns); SDA hold 38 cycles (300 ns). Transfers need at least one byte.
 * Host tests: tests/codegen/sensors/periph/test_rp2040_i2c.py against a model of the DW_apb_i2c. */
#include <stdint.h>
#include "sensors/tms_i2c.h"
#include "tms_board.h"
#include "tms_mmio.h"

#ifndef TMS_RP2040_I2C0_SDA
#define TMS_RP2040_I2C0_SDA 4u
#endif
#ifndef TMS_RP2040_I2C0_SCL
#define TMS_RP2040_I2C0_SCL 5u
#endif
#ifndef TMS_RP2040_I2C1_SDA
#define TMS_RP2040_I2C1_SDA 6u
#endif
#ifndef TMS_RP2040_I2C1_SCL
#define TMS_RP2040_I2C1_SCL 7u
#endif
#if (TMS_RP2040_I2C0_SDA % 4u) != 0u || (TMS_RP2040_I2C0_SCL % 4u) != 1u || TMS_RP2040_I2C0_SCL > 29u
#error "I2C0 takes SDA on GPIO 0, 4, 8, ... and SCL on GPIO 1, 5, 9, ... (RP2040 datasheet 2.19.2)"
#endif
#if (TMS_RP2040_I2C1_SDA % 4u) != 2u || (TMS_RP2040_I2C1_SCL % 4u) != 3u || TMS_RP2040_I2C1_SCL > 29u
#error "I2C1 takes SDA on GPIO 2, 6, 10, ... and SCL on GPIO 3, 7, 11, ... (RP2040 datasheet 2.19.2)"
#endif

#define IC_CON 0x00u
#define IC_TAR 0x04u
#define IC_DATA_CMD 0x10u
#define IC_FS_SCL_HCNT 0x1Cu
#define IC_FS_SCL_LCNT 0x20u
#define IC_INTR_MASK 0x30u
#define IC_RAW_INTR_STAT 0x34u
#define IC_CLR_TX_ABRT 0x54u
#define IC_CLR_STOP_DET 0x60u
#define IC_ENABLE 0x6Cu
#define IC_STATUS 0x70u
#define IC_RXFLR 0x78u
#define IC_SDA_HOLD 0x7Cu
#define IC_TX_ABRT_SOURCE 0x80u
#define IC_FS_SPKLEN 0xA0u

#define IC_CON_MASTER (1u << 0)
#define IC_CON_SPEED_FAST (2u << 1)
#define IC_CON_RESTART_EN (1u << 5)
#define IC_CON_SLAVE_DISABLE (1u << 6)
#define IC_CON_TX_EMPTY_CTRL (1u << 8)
#define IC_DATA_CMD_READ (1u << 8)
#define IC_DATA_CMD_STOP (1u << 9)
#define IC_DATA_CMD_RESTART (1u << 10)
#define IC_INTR_TX_ABRT (1u << 6)
#define IC_INTR_STOP_DET (1u << 9)
#define IC_STATUS_TFNF (1u << 1)
#define IC_ABRT_NOACK ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3)) /* 7/10-bit address, data */

#define TMS_RP2040_I2C_FS_HCNT 111u
#define TMS_RP2040_I2C_FS_LCNT 187u
#define TMS_RP2040_I2C_FS_SPKLEN 7u
#define TMS_RP2040_I2C_SDA_HOLD 38u
#define TMS_RP2040_I2C_TIMEOUT_US 20000u

#define RESETS_RESET_CLR (0x4000C000u + 0x3000u) /* atomic clear alias */
#define RESETS_RESET_DONE 0x4000C008u
#define IO_BANK0_GPIO_CTRL(n) (0x40014004u + 8u * (n))
#define PADS_BANK0_GPIO(n) (0x4001C004u + 4u * (n))
#define GPIO_FUNC_I2C 3u
/* IE, DRIVE 4 mA, PUE, SCHMITT */
#define PAD_I2C ((1u << 6) | (1u << 4) | (1u << 3) | (1u << 1))

static uint32_t tms_rp2040_i2c_base(uint8_t bus)
{
    return bus == 0u ? 0x40044000u : 0x40048000u;
}

static void tms_rp2040_i2c_pin(uint32_t gpio)
{
    TMS_REG_WRITE(PADS_BANK0_GPIO(gpio), PAD_I2C);
    TMS_REG_WRITE(IO_BANK0_GPIO_CTRL(gpio), GPIO_FUNC_I2C);
}

int tms_i2c_init(uint8_t bus)
{
    uint32_t base;
    uint32_t mask;
    uint32_t waited_us = 0u;
    if (bus > 1u) {
        return TMS_I2C_BAD_BUS;
    }
    base = tms_rp2040_i2c_base(bus);
    mask = bus == 0u ? (1u << 3) : (1u << 4);
    TMS_REG_WRITE(RESETS_RESET_CLR, mask);
    while ((TMS_REG_READ(RESETS_RESET_DONE) & mask) == 0u) {
        if (waited_us++ >= TMS_RP2040_I2C_TIMEOUT_US) {
            return TMS_I2C_TIMEOUT;
        }
        tms_delay_us(1u);
    }
    TMS_REG_WRITE(base + IC_ENABLE, 0u);
    TMS_REG_WRITE(base + IC_CON, IC_CON_MASTER | IC_CON_SPEED_FAST | IC_CON_RESTART_EN |
                                     IC_CON_SLAVE_DISABLE | IC_CON_TX_EMPTY_CTRL);
    TMS_REG_WRITE(base + IC_FS_SCL_HCNT, TMS_RP2040_I2C_FS_HCNT);
    TMS_REG_WRITE(base + IC_FS_SCL_LCNT, TMS_RP2040_I2C_FS_LCNT);
    TMS_REG_WRITE(base + IC_FS_SPKLEN, TMS_RP2040_I2C_FS_SPKLEN);
    TMS_REG_WRITE(base + IC_SDA_HOLD, TMS_RP2040_I2C_SDA_HOLD);
    TMS_REG_WRITE(base + IC_INTR_MASK, 0u); /* polled */
    if (bus == 0u) {
        tms_rp2040_i2c_pin(TMS_RP2040_I2C0_SDA);
        tms_rp2040_i2c_pin(TMS_RP2040_I2C0_SCL);
    } else {
        tms_rp2040_i2c_pin(TMS_RP2040_I2C1_SDA);
        tms_rp2040_i2c_pin(TMS_RP2040_I2C1_SCL);
    }
    return TMS_I2C_OK;
}

/* an abort (NACK, lost arbitration) or the bus not finishing: the controller is switched off, which
 * flushes its FIFOs (4.3.10.3), and the reason is returned */
static int tms_rp2040_i2c_abort(uint32_t base, int status)
{
    uint32_t source = TMS_REG_READ(base + IC_TX_ABRT_SOURCE);
    (void)TMS_REG_READ(base + IC_CLR_TX_ABRT);
    (void)TMS_REG_READ(base + IC_CLR_STOP_DET);
    TMS_REG_WRITE(base + IC_ENABLE, 0u);
    if (status == TMS_I2C_OK) {
        status = (source & IC_ABRT_NOACK) ? TMS_I2C_NACK : TMS_I2C_TIMEOUT;
    }
    return status;
}

/* waits until reg & mask is set (IC_RXFLR: nonzero); TMS_I2C_OK, or the abort status */
static int tms_rp2040_i2c_wait(uint32_t base, uint32_t reg, uint32_t mask)
{
    uint32_t waited_us = 0u;
    for (;;) {
        if (TMS_REG_READ(base + IC_RAW_INTR_STAT) & IC_INTR_TX_ABRT) {
            return tms_rp2040_i2c_abort(base, TMS_I2C_OK);
        }
        if (reg == IC_RXFLR ? TMS_REG_READ(base + reg) != 0u : (TMS_REG_READ(base + reg) & mask) != 0u) {
            return TMS_I2C_OK;
        }
        if (waited_us++ >= TMS_RP2040_I2C_TIMEOUT_US) {
            return tms_rp2040_i2c_abort(base, TMS_I2C_TIMEOUT);
        }
        tms_delay_us(1u);
    }
}

static int tms_rp2040_i2c_transfer(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                                   uint8_t *rd, uint32_t rd_len)
{
    uint32_t base;
    uint32_t i;
    int status;
    if (bus > 1u || wr_len + rd_len == 0u) {
        return TMS_I2C_BAD_BUS;
    }
    base = tms_rp2040_i2c_base(bus);
    TMS_REG_WRITE(base + IC_ENABLE, 0u);
    TMS_REG_WRITE(base + IC_TAR, address);
    TMS_REG_WRITE(base + IC_ENABLE, 1u);
    (void)TMS_REG_READ(base + IC_CLR_TX_ABRT);
    (void)TMS_REG_READ(base + IC_CLR_STOP_DET);
    for (i = 0u; i < wr_len; i++) {
        status = tms_rp2040_i2c_wait(base, IC_STATUS, IC_STATUS_TFNF);
        if (status != TMS_I2C_OK) {
            return status;
        }
        TMS_REG_WRITE(base + IC_DATA_CMD, wr[i] | (i + 1u == wr_len && rd_len == 0u ? IC_DATA_CMD_STOP : 0u));
    }
    for (i = 0u; i < rd_len; i++) {
        status = tms_rp2040_i2c_wait(base, IC_STATUS, IC_STATUS_TFNF);
        if (status != TMS_I2C_OK) {
            return status;
        }
        TMS_REG_WRITE(base + IC_DATA_CMD, IC_DATA_CMD_READ |
                                              (i == 0u && wr_len > 0u ? IC_DATA_CMD_RESTART : 0u) |
                                              (i + 1u == rd_len ? IC_DATA_CMD_STOP : 0u));
        status = tms_rp2040_i2c_wait(base, IC_RXFLR, 0u);
        if (status != TMS_I2C_OK) {
            return status;
        }
        rd[i] = (uint8_t)TMS_REG_READ(base + IC_DATA_CMD);
    }
    status = tms_rp2040_i2c_wait(base, IC_RAW_INTR_STAT, IC_INTR_STOP_DET);
    if (status != TMS_I2C_OK) {
        return status;
    }
    (void)TMS_REG_READ(base + IC_CLR_STOP_DET);
    return TMS_I2C_OK;
}

int tms_i2c_write(uint8_t bus, uint8_t address, const uint8_t *data, uint32_t len)
{
    return tms_rp2040_i2c_transfer(bus, address, data, len, (uint8_t *)0, 0u);
}

int tms_i2c_write_read(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                       uint8_t *rd, uint32_t rd_len)
{
    return tms_rp2040_i2c_transfer(bus, address, wr, wr_len, rd, rd_len);
}
