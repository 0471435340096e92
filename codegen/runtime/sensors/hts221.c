/* Driver for the ST HTS221 (Nano 33 BLE Sense Rev1, B-L475E-IOT01A).
 * Datasheet: ST DocID026333 "HTS221 Capacitive digital sensor for relative humidity and temperature",
 * followed for: section 5.1 (I2C: the sub-address auto-increments when its MSB is 1); section 7
 * (register mapping) and section 8 (register description): WHO_AM_I (BCh), AV_CONF (AVGT 5:3, AVGH
 * 2:0), CTRL_REG1 (PD, BDU, ODR 1:0 = one-shot / 1 / 7 / 12.5 Hz), STATUS_REG (H_DA, T_DA),
 * HUMIDITY_OUT, TEMP_OUT, and the calibration registers 30h-3Fh (H0_rH_x2, H1_rH_x2, T0_degC_x8,
 * T1_degC_x8, T1/T0 msb, H0_T0_OUT, H1_T0_OUT, T0_OUT, T1_OUT) with the linear interpolation the
 * datasheet's calibration section (and ST TN1218) gives:
 *   T  = T0_degC + (T_OUT - T0_OUT) * (T1_degC - T0_degC) / (T1_OUT - T0_OUT)
 *   RH = H0_rH + (H_OUT - H0_T0_OUT) * (H1_rH - H0_rH) / (H1_T0_OUT - H0_T0_OUT), limited to 0..100.
 * The part runs continuously at the first ODR >= rate_hz (1, 7, 12.5 Hz) with BDU; poll reads a
 * sample when STATUS_REG shows the wanted quantities new, and tms_sensor_util.h decimates to exactly
 * rate_hz. The part has no FIFO and no overrun flag: poll must run faster than the ODR. */
#include "hts221.h"

#define REG_WHO_AM_I 0x0Fu
#define WHO_AM_I 0xBCu
#define REG_AV_CONF 0x10u
#define REG_CTRL_REG1 0x20u
#define REG_STATUS 0x27u
#define REG_HUMIDITY_OUT_L 0x28u
#define REG_CALIB 0x30u
#define AUTO_INCREMENT 0x80u
#define CTRL1_PD 0x80u
#define CTRL1_BDU 0x04u
#define STATUS_H_DA 0x02u
#define STATUS_T_DA 0x01u

static const uint32_t odr_mhz[] = {1000u, 7000u, 12500u};

int tms_hts221_init(tms_hts221_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    uint8_t c[16];
    uint8_t want = (uint8_t)(cfg->quantities & (TMS_Q_TEMPERATURE | TMS_Q_HUMIDITY));
    int odr, err;

    if (want == 0u || want != cfg->quantities ||
        cfg->channels != (uint8_t)((want & 1u) + ((want >> 1) & 1u))) {
        return TMS_SENSOR_ECONFIG;
    }
    odr = tms_pick_odr(odr_mhz, 3, cfg->rate_hz);
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
    if (tms_reg_read(s->bus, s->address, REG_CALIB | AUTO_INCREMENT, c, 16u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    s->h0_rh = (float)c[0] / 2.0f;
    s->h1_rh = (float)c[1] / 2.0f;
    s->t0_degc = (float)(uint16_t)(((uint16_t)(c[5] & 0x03u) << 8) | c[2]) / 8.0f;
    s->t1_degc = (float)(uint16_t)(((uint16_t)(c[5] & 0x0Cu) << 6) | c[3]) / 8.0f;
    s->h0_t0_out = tms_le16(&c[6]);
    s->h1_t0_out = tms_le16(&c[10]);
    s->t0_out = tms_le16(&c[12]);
    s->t1_out = tms_le16(&c[14]);
    if (s->t1_out == s->t0_out || s->h1_t0_out == s->h0_t0_out) {
        return TMS_SENSOR_EID;  /* a blank calibration: not a working HTS221 */
    }
    /* AV_CONF: the reset averaging (16 temperature, 32 humidity samples), written so a warm
     * restart does not inherit another setting; then power on, BDU, continuous at the ODR */
    if (tms_reg_write(s->bus, s->address, REG_AV_CONF, 0x1Bu) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG1,
                      (uint8_t)(CTRL1_PD | CTRL1_BDU | (uint8_t)(odr + 1))) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_decim_init(&s->decim, cfg->rate_hz, s->odr_mhz, s->channels);
    return TMS_SENSOR_OK;
}

int tms_hts221_poll(tms_hts221_t *s, tms_sample_ring_t *ring)
{
    uint8_t status = 0u;
    uint8_t ready_mask = 0u;
    uint8_t raw[4];
    float v[2];
    float rh;
    uint8_t n = 0u;

    if (s->quantities & TMS_Q_TEMPERATURE) {
        ready_mask |= STATUS_T_DA;
    }
    if (s->quantities & TMS_Q_HUMIDITY) {
        ready_mask |= STATUS_H_DA;
    }
    if (tms_reg_read(s->bus, s->address, REG_STATUS, &status, 1u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((status & ready_mask) != ready_mask) {
        return 0;
    }
    if (tms_reg_read(s->bus, s->address, REG_HUMIDITY_OUT_L | AUTO_INCREMENT, raw, 4u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if (s->quantities & TMS_Q_TEMPERATURE) {
        v[n++] = s->t0_degc + (float)(tms_le16(&raw[2]) - s->t0_out) * (s->t1_degc - s->t0_degc) /
                                  (float)(s->t1_out - s->t0_out);
    }
    if (s->quantities & TMS_Q_HUMIDITY) {
        rh = s->h0_rh + (float)(tms_le16(&raw[0]) - s->h0_t0_out) * (s->h1_rh - s->h0_rh) /
                            (float)(s->h1_t0_out - s->h0_t0_out);
        v[n++] = rh < 0.0f ? 0.0f : (rh > 100.0f ? 100.0f : rh);
    }
    return tms_decim_push(&s->decim, ring, v);
}
