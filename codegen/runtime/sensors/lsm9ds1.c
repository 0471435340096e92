/* Driver for the ST LSM9DS1 (Nano 33 BLE Sense Rev1).
 * Datasheet: ST DocID025715 "LSM9DS1 iNEMO inertial module" (Rev 3, 2015), followed for:
 *   - Table 3 (mechanical characteristics): sensitivities LA_So 0.061/0.122/0.244/0.732 mg/LSB at
 *     +-2/4/8/16 g, G_So 70 mdps/LSB at 2000 dps, M_GN 0.14 mgauss/LSB at +-4 gauss;
 *   - section 6.1.1 (I2C operation): on the accelerometer/gyroscope the sub-address auto-increments
 *     when CTRL_REG8.IF_ADD_INC is set; on the magnetometer when the sub-address MSB is 1;
 *   - section 7 (accelerometer/gyroscope register description): CTRL_REG1_G (ODR_G, FS_G),
 *     CTRL_REG6_XL (FS_XL), CTRL_REG8 (BDU, IF_ADD_INC, SW_RESET), CTRL_REG9 (FIFO_EN), FIFO_CTRL
 *     (FMODE 110 = continuous), FIFO_SRC (OVRN, FSS unread samples); section 8 (magnetometer
 *     register description): CTRL_REG1_M..CTRL_REG5_M, STATUS_REG_M (ZYXDA);
 *   - section 4 (operating modes): with accelerometer and gyroscope both active they run at the
 *     gyroscope ODR (14.9, 59.5, 119, 238, 476, 952 Hz);
 *   - section 7 FIFO description: continuous mode, 32 sets of gyro + accel.
 * The gyroscope is always on (so the accelerometer runs at ODR_G and the FIFO holds gyro+accel sets),
 * at +-2000 dps; the FIFO (32 sets) runs in continuous mode and poll drains it, reading each set as
 * gyro (OUT_X_L_G 18h..1Dh) then accel (OUT_X_L_XL 28h..2Dh). The part only flags an overflow
 * (FIFO_SRC.OVRN: full and at least one set overwritten), it does not count lost sets: each poll
 * that sees the flag adds 1 to ring->overruns (a lower bound). The ODR is the table's first >=
 * rate_hz; tms_sensor_util.h decimates it to exactly rate_hz (boxcar mean, integer phase). */
#include "lsm9ds1.h"

#define REG_WHO_AM_I 0x0Fu
#define WHO_AM_I_AG 0x68u
#define REG_CTRL_REG1_G 0x10u
#define REG_OUT_X_L_G 0x18u
#define REG_CTRL_REG6_XL 0x20u
#define REG_CTRL_REG8 0x22u
#define REG_CTRL_REG9 0x23u
#define REG_OUT_X_L_XL 0x28u
#define REG_FIFO_CTRL 0x2Eu
#define REG_FIFO_SRC 0x2Fu
#define CTRL8_BDU 0x40u
#define CTRL8_IF_ADD_INC 0x04u
#define CTRL8_SW_RESET 0x01u
#define CTRL9_FIFO_EN 0x02u
#define FIFO_MODE_CONTINUOUS 0xC0u  /* FMODE[2:0] = 110 in bits 7:5, threshold 0 */
#define FIFO_SRC_OVRN 0x40u
#define FIFO_SRC_FSS 0x3Fu
#define FS_G_2000DPS 0x18u          /* FS_G = 11 in bits 4:3 */

#define REG_WHO_AM_I_M 0x0Fu
#define WHO_AM_I_M 0x3Du
#define REG_CTRL_REG1_M 0x20u
#define REG_CTRL_REG2_M 0x21u
#define REG_CTRL_REG3_M 0x22u
#define REG_CTRL_REG4_M 0x23u
#define REG_CTRL_REG5_M 0x24u
#define REG_STATUS_REG_M 0x27u
#define REG_OUT_X_L_M 0x28u
#define MAG_AUTO_INCREMENT 0x80u
#define STATUS_M_ZYXDA 0x08u

static const uint32_t odr_g_mhz[] = {14900u, 59500u, 119000u, 238000u, 476000u, 952000u};

/* full scale in g -> FS_XL bits (4:3) and sensitivity; the smallest range covering the request */
static int accel_range(float full_scale, uint8_t *bits, float *g_per_lsb)
{
    if (full_scale <= 2.0f) {  /* 0 (the part's default) included */
        *bits = 0x00u; *g_per_lsb = 0.061e-3f;
    } else if (full_scale <= 4.0f) {
        *bits = 0x10u; *g_per_lsb = 0.122e-3f;
    } else if (full_scale <= 8.0f) {
        *bits = 0x18u; *g_per_lsb = 0.244e-3f;
    } else if (full_scale <= 16.0f) {
        *bits = 0x08u; *g_per_lsb = 0.732e-3f;
    } else {
        return TMS_SENSOR_ECONFIG;
    }
    return TMS_SENSOR_OK;
}

static int mag_init(tms_lsm9ds1_t *s)
{
    int err = tms_reg_expect(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_WHO_AM_I_M, WHO_AM_I_M);
    if (err != TMS_SENSOR_OK) {
        return err;
    }
    /* CTRL_REG1_M: temperature compensation, ultra-high-performance XY (OM=11), 80 Hz (DO=111) */
    if (tms_reg_write(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_CTRL_REG1_M, 0xFCu) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_CTRL_REG2_M, 0x00u) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_CTRL_REG4_M, 0x0Cu) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_CTRL_REG5_M, 0x40u) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_CTRL_REG3_M, 0x00u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;  /* REG3 last: MD=00 starts continuous conversion once configured */
    }
    s->mag_gauss_per_lsb = 0.14e-3f;  /* FS = +-4 gauss */
    return TMS_SENSOR_OK;
}

int tms_lsm9ds1_init(tms_lsm9ds1_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    uint8_t fs_bits = 0u;
    uint8_t odr_code;
    int odr, err, c;

    if (cfg->channels != 3u && cfg->channels != 6u && cfg->channels != 9u) {
        return TMS_SENSOR_ECONFIG;
    }
    odr = tms_pick_odr(odr_g_mhz, (int)(sizeof odr_g_mhz / sizeof odr_g_mhz[0]), cfg->rate_hz);
    if (odr < 0 || accel_range(cfg->full_scale, &fs_bits, &s->accel_g_per_lsb) != TMS_SENSOR_OK) {
        return TMS_SENSOR_ECONFIG;
    }
    s->bus = bus->bus;
    s->address = bus->address;
    s->channels = cfg->channels;
    s->gyro_dps_per_lsb = 70e-3f;
    s->odr_mhz = odr_g_mhz[odr];
    for (c = 0; c < 3; c++) {
        s->mag_gauss[c] = 0.0f;
    }
    odr_code = (uint8_t)((odr + 1) << 5);

    err = tms_reg_expect(s->bus, s->address, REG_WHO_AM_I, WHO_AM_I_AG);
    if (err != TMS_SENSOR_OK) {
        return err;
    }
    /* software reset first so a warm MCU reset starts from the datasheet defaults */
    if (tms_reg_write(s->bus, s->address, REG_CTRL_REG8, CTRL8_SW_RESET | CTRL8_IF_ADD_INC) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_delay_us(10000u);
    if (tms_reg_write(s->bus, s->address, REG_CTRL_REG8, CTRL8_BDU | CTRL8_IF_ADD_INC) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG6_XL, (uint8_t)(odr_code | fs_bits)) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG1_G, (uint8_t)(odr_code | FS_G_2000DPS)) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG9, CTRL9_FIFO_EN) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_FIFO_CTRL, FIFO_MODE_CONTINUOUS) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if (s->channels == 9u) {
        err = mag_init(s);
        if (err != TMS_SENSOR_OK) {
            return err;
        }
    }
    tms_decim_init(&s->decim, cfg->rate_hz, s->odr_mhz, s->channels);
    return TMS_SENSOR_OK;
}

static int mag_update(tms_lsm9ds1_t *s)
{
    uint8_t status = 0u;
    uint8_t raw[6];
    int c;
    if (tms_reg_read(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_STATUS_REG_M, &status, 1u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((status & STATUS_M_ZYXDA) == 0u) {
        return TMS_SENSOR_OK;
    }
    if (tms_reg_read(s->bus, TMS_LSM9DS1_MAG_ADDRESS, REG_OUT_X_L_M | MAG_AUTO_INCREMENT, raw, 6u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    for (c = 0; c < 3; c++) {
        s->mag_gauss[c] = (float)tms_le16(&raw[2 * c]) * s->mag_gauss_per_lsb;
    }
    return TMS_SENSOR_OK;
}

int tms_lsm9ds1_poll(tms_lsm9ds1_t *s, tms_sample_ring_t *ring)
{
    uint8_t src = 0u;
    uint8_t gyro[6];
    uint8_t accel[6];
    float v[9];
    uint32_t n, i;
    int c, pushed = 0;

    if (s->channels == 9u && mag_update(s) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if (tms_reg_read(s->bus, s->address, REG_FIFO_SRC, &src, 1u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((src & FIFO_SRC_OVRN) != 0u) {
        ring->overruns++;
    }
    n = (uint32_t)(src & FIFO_SRC_FSS);
    for (i = 0u; i < n; i++) {
        if (tms_reg_read(s->bus, s->address, REG_OUT_X_L_G, gyro, 6u) != TMS_SENSOR_OK ||
            tms_reg_read(s->bus, s->address, REG_OUT_X_L_XL, accel, 6u) != TMS_SENSOR_OK) {
            return TMS_SENSOR_EBUS;
        }
        for (c = 0; c < 3; c++) {
            v[c] = (float)tms_le16(&accel[2 * c]) * s->accel_g_per_lsb;
            v[3 + c] = (float)tms_le16(&gyro[2 * c]) * s->gyro_dps_per_lsb;
            v[6 + c] = s->mag_gauss[c];
        }
        pushed += tms_decim_push(&s->decim, ring, v);
    }
    return pushed;
}
