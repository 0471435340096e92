/* Driver for the ST LIS3MDL magnetometer (B-L475E-IOT01A, 0x1E).
 * Datasheet: ST DocID024204 "LIS3MDL Digital output magnetic sensor", followed for: Table 2
 * (sensitivity 6842 / 3421 / 2281 / 1711 LSB/gauss at +-4 / 8 / 12 / 16 gauss); section 5.1.1 (I2C:
 * the sub-address auto-increments when its MSB is 1); section 7 (register description): WHO_AM_I
 * (3Dh), CTRL_REG1 (OM 6:5, DO 4:2 = 0.625..80 Hz, FAST_ODR 1: 1000 / 560 / 300 / 155 Hz in LP / MP /
 * HP / UHP mode), CTRL_REG2 (FS 6:5, SOFT_RST), CTRL_REG3 (MD 1:0 = 00 continuous),
 * CTRL_REG4 (OMZ 3:2), CTRL_REG5 (BDU), STATUS_REG (ZYXOR: a sample overwritten before it was read,
 * ZYXDA), OUT_X_L..OUT_Z_H.
 * cfg->full_scale is read in gauss here (0 = +-4 gauss); channels must be 3 (x, y, z in gauss). The
 * part has no FIFO: poll reads the newest sample, and ZYXOR (set when one was overwritten unread) adds
 * 1 to ring->overruns. tms_sensor_util.h decimates the ODR (first >= rate_hz) to exactly rate_hz. */
#include "lis3mdl.h"

#define REG_WHO_AM_I 0x0Fu
#define WHO_AM_I 0x3Du
#define REG_CTRL_REG1 0x20u
#define REG_CTRL_REG2 0x21u
#define REG_CTRL_REG3 0x22u
#define REG_CTRL_REG4 0x23u
#define REG_CTRL_REG5 0x24u
#define REG_STATUS 0x27u
#define REG_OUT_X_L 0x28u
#define AUTO_INCREMENT 0x80u
#define CTRL2_SOFT_RST 0x04u
#define CTRL5_BDU 0x40u
#define STATUS_ZYXOR 0x80u
#define STATUS_ZYXDA 0x08u

/* rates, and CTRL_REG1's OM (6:5) | DO (4:2) | FAST_ODR (1) giving each */
static const uint32_t odr_mhz[] = {625u, 1250u, 2500u, 5000u, 10000u, 20000u, 40000u, 80000u,
                                   155000u, 300000u, 560000u, 1000000u};
static const uint8_t odr_ctrl1[] = {0x60u, 0x64u, 0x68u, 0x6Cu, 0x70u, 0x74u, 0x78u, 0x7Cu,
                                    0x62u, 0x42u, 0x22u, 0x02u};

int tms_lis3mdl_init(tms_lis3mdl_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    uint8_t fs_bits;
    uint8_t ctrl1;
    int odr, err;

    if (cfg->channels != 3u) {
        return TMS_SENSOR_ECONFIG;
    }
    odr = tms_pick_odr(odr_mhz, (int)(sizeof odr_mhz / sizeof odr_mhz[0]), cfg->rate_hz);
    if (odr < 0) {
        return TMS_SENSOR_ECONFIG;
    }
    if (cfg->full_scale <= 4.0f) {
        fs_bits = 0x00u; s->gauss_per_lsb = 1.0f / 6842.0f;
    } else if (cfg->full_scale <= 8.0f) {
        fs_bits = 0x20u; s->gauss_per_lsb = 1.0f / 3421.0f;
    } else if (cfg->full_scale <= 12.0f) {
        fs_bits = 0x40u; s->gauss_per_lsb = 1.0f / 2281.0f;
    } else if (cfg->full_scale <= 16.0f) {
        fs_bits = 0x60u; s->gauss_per_lsb = 1.0f / 1711.0f;
    } else {
        return TMS_SENSOR_ECONFIG;
    }
    s->bus = bus->bus;
    s->address = bus->address;
    s->odr_mhz = odr_mhz[odr];
    ctrl1 = odr_ctrl1[odr];

    err = tms_reg_expect(s->bus, s->address, REG_WHO_AM_I, WHO_AM_I);
    if (err != TMS_SENSOR_OK) {
        return err;
    }
    if (tms_reg_write(s->bus, s->address, REG_CTRL_REG2, CTRL2_SOFT_RST) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_delay_us(1000u);
    /* the Z axis gets the same operating mode as X/Y (OMZ = OM); continuous conversion last */
    if (tms_reg_write(s->bus, s->address, REG_CTRL_REG1, ctrl1) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG2, fs_bits) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG4, (uint8_t)((ctrl1 >> 3) & 0x0Cu)) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG5, CTRL5_BDU) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CTRL_REG3, 0x00u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_decim_init(&s->decim, cfg->rate_hz, s->odr_mhz, 3u);
    return TMS_SENSOR_OK;
}

int tms_lis3mdl_poll(tms_lis3mdl_t *s, tms_sample_ring_t *ring)
{
    uint8_t status = 0u;
    uint8_t raw[6];
    float v[3];
    int c;

    if (tms_reg_read(s->bus, s->address, REG_STATUS, &status, 1u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((status & STATUS_ZYXOR) != 0u) {
        ring->overruns++;
    }
    if ((status & STATUS_ZYXDA) == 0u) {
        return 0;
    }
    if (tms_reg_read(s->bus, s->address, REG_OUT_X_L | AUTO_INCREMENT, raw, 6u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    for (c = 0; c < 3; c++) {
        v[c] = (float)tms_le16(&raw[2 * c]) * s->gauss_per_lsb;
    }
    return tms_decim_push(&s->decim, ring, v);
}
