/* Driver for the ST LPS22HB (Nano 33 BLE Sense Rev1 at 0x5C, B-L475E-IOT01A at 0x5D).
 * Datasheet: ST DocID027083 "LPS22HB MEMS nano pressure sensor: 260-1260 hPa absolute digital output
 * barometer", followed for: section 4 / Table 2 (sensitivities: pressure 4096 LSB/hPa, temperature
 * 100 LSB/degC); section 6.1.1 (I2C: the sub-address increments when CTRL_REG2.IF_ADD_INC is set,
 * its reset value); section 8 (FIFO: 32 slots of pressure + temperature; stream mode overwrites the
 * oldest); section 9 (register description): WHO_AM_I (B1h), CTRL_REG1 (ODR 6:4 = one-shot / 1 / 10
 * / 25 / 50 / 75 Hz, BDU 1), CTRL_REG2 (BOOT, FIFO_EN, IF_ADD_INC, SWRESET), FIFO_CTRL (F_MODE 7:5 =
 * 010 stream), FIFO_STATUS (OVR 6, FSS 5:0 unread slots), PRESS_OUT_XL/L/H (24-bit two's complement)
 * and TEMP_OUT_L/H (16-bit two's complement).
 * Each slot is read as one 5-byte burst from PRESS_OUT_XL. The part flags an overflow (OVR) but does
 * not count lost slots: each poll that sees it adds 1 to ring->overruns (a lower bound). */
#include "lps22hb.h"

#define REG_WHO_AM_I 0x0Fu
#define WHO_AM_I 0xB1u
#define REG_CTRL_REG1 0x10u
#define REG_CTRL_REG2 0x11u
#define REG_FIFO_CTRL 0x14u
#define REG_FIFO_STATUS 0x26u
#define REG_PRESS_OUT_XL 0x28u
#define CTRL1_BDU 0x02u
#define CTRL2_FIFO_EN 0x40u
#define CTRL2_IF_ADD_INC 0x10u
#define CTRL2_SWRESET 0x04u
#define FIFO_MODE_STREAM 0x40u   /* F_MODE = 010 in bits 7:5 */
#define FIFO_STATUS_OVR 0x40u
#define FIFO_STATUS_FSS 0x3Fu

static const uint32_t odr_mhz[] = {1000u, 10000u, 25000u, 50000u, 75000u};

int tms_lps22hb_init(tms_lps22hb_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    uint8_t want = (uint8_t)(cfg->quantities & (TMS_Q_TEMPERATURE | TMS_Q_PRESSURE));
    int odr, err;

    if (want == 0u || want != cfg->quantities ||
        cfg->channels != (uint8_t)((want & TMS_Q_TEMPERATURE ? 1u : 0u) + (want & TMS_Q_PRESSURE ? 1u : 0u))) {
        return TMS_SENSOR_ECONFIG;
    }
    odr = tms_pick_odr(odr_mhz, 5, cfg->rate_hz);
    if (odr < 0) {
        return TMS_SENSOR_ECONFIG;
    }
    s->bus = bus->bus;
    s->address = bus->address;
    s->quantities = want;
    s->channels = cfg->channels;
    s->odr_mhz = odr_mhz[odr];

    err = tms_reg_expect(s->bus, s->address, REG_WHO_AM_I, WHO_AM_I);
    if (err != TMS_SENSOR_OK) {
        return err;
    }
    if (tms_reg_write(s->bus, s->address, REG_CTRL_REG2, CTRL2_SWRESET | CTRL2_IF_ADD_INC) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_delay_us(1000u);
    if (tms_reg_write(s->bus, s->address, REG_CTRL_REG2, CTRL2_FIFO_EN | CTRL2_IF_ADD_INC) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_FIFO_CTRL, FIFO_MODE_STREAM) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG1, (uint8_t)(((odr + 1) << 4) | CTRL1_BDU)) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_decim_init(&s->decim, cfg->rate_hz, s->odr_mhz, s->channels);
    return TMS_SENSOR_OK;
}

int tms_lps22hb_poll(tms_lps22hb_t *s, tms_sample_ring_t *ring)
{
    uint8_t status = 0u;
    uint8_t raw[5];
    uint32_t n, i, p24;
    int32_t pressure_counts;
    float v[2];
    uint8_t k;
    int pushed = 0;

    if (tms_reg_read(s->bus, s->address, REG_FIFO_STATUS, &status, 1u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((status & FIFO_STATUS_OVR) != 0u) {
        ring->overruns++;
    }
    n = (uint32_t)(status & FIFO_STATUS_FSS);
    for (i = 0u; i < n; i++) {
        if (tms_reg_read(s->bus, s->address, REG_PRESS_OUT_XL, raw, 5u) != TMS_SENSOR_OK) {
            return TMS_SENSOR_EBUS;
        }
        p24 = (uint32_t)raw[0] | ((uint32_t)raw[1] << 8) | ((uint32_t)raw[2] << 16);
        /* sign-extend the 24-bit two's complement count */
        pressure_counts = (int32_t)p24 - ((p24 & 0x800000u) != 0u ? 0x1000000 : 0);
        k = 0u;
        if (s->quantities & TMS_Q_TEMPERATURE) {
            v[k++] = (float)tms_le16(&raw[3]) / 100.0f;
        }
        if (s->quantities & TMS_Q_PRESSURE) {
            v[k++] = (float)pressure_counts / 4096.0f;
        }
        pushed += tms_decim_push(&s->decim, ring, v);
    }
    return pushed;
}
