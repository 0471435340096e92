/* Driver for the InvenSense MPU-6050 (external part, I2C 0x68 with AD0 low / 0x69 high).
 * Datasheets: InvenSense PS-MPU-6000A-00 "MPU-6000 and MPU-6050 Product Specification" (Rev 3.4),
 * section 6.1-6.2 (sensitivities: 16384 / 8192 / 4096 / 2048 LSB/g at +-2 / 4 / 8 / 16 g, 16.4 LSB/(deg/s)
 * at +-2000 deg/s), section 9 (I2C: burst reads auto-increment the register address); and
 * RM-MPU-6000A-00 "MPU-6000 and MPU-6050 Register Map and Descriptions" (Rev 4.2): SMPLRT_DIV (25:
 * sample rate = gyroscope output rate / (1 + SMPLRT_DIV), the output rate 1 kHz with the DLPF on),
 * CONFIG (26: DLPF_CFG), GYRO_CONFIG (27: FS_SEL), ACCEL_CONFIG (28: AFS_SEL), FIFO_EN (35: XG, YG,
 * ZG, ACCEL), INT_ENABLE (56: FIFO_OFLOW_EN), INT_STATUS (58: FIFO_OFLOW_INT, cleared by the read),
 * USER_CTRL (106: FIFO_EN, FIFO_RESET), PWR_MGMT_1 (107: DEVICE_RESET, SLEEP, CLKSEL), FIFO_COUNT (114-
 * 115, big-endian), FIFO_R_W (116: each read takes the next FIFO byte; sets are written in register
 * order: ACCEL_X/Y/Z then GYRO_X/Y/Z, big-endian), WHO_AM_I (117: 68h).
 * The sample rate is 1 kHz / (1 + SMPLRT_DIV), the first >= rate_hz; the digital low-pass filter is
 * the widest whose bandwidth is at most half that rate (the chip point-samples at the divided rate,
 * so this is its anti-alias filter); tms_sensor_util.h decimates to exactly rate_hz. The FIFO (1024
 * bytes) holds 12-byte sets, and 1024 is not a multiple of 12: after an overflow the set boundary is
 * lost, so poll discards the FIFO (FIFO_RESET) and adds the sets discarded plus one (the overwritten
 * data, at least one set) to ring->overruns. */
#include "mpu6050.h"

#define REG_SMPLRT_DIV 0x19u
#define REG_CONFIG 0x1Au
#define REG_GYRO_CONFIG 0x1Bu
#define REG_ACCEL_CONFIG 0x1Cu
#define REG_FIFO_EN 0x23u
#define REG_INT_ENABLE 0x38u
#define REG_INT_STATUS 0x3Au
#define REG_USER_CTRL 0x6Au
#define REG_PWR_MGMT_1 0x6Bu
#define REG_FIFO_COUNTH 0x72u
#define REG_FIFO_R_W 0x74u
#define REG_WHO_AM_I 0x75u
#define WHO_AM_I 0x68u
#define PWR1_DEVICE_RESET 0x80u
#define PWR1_CLKSEL_PLL_XGYRO 0x01u
#define USER_FIFO_EN 0x40u
#define USER_FIFO_RESET 0x04u
#define FIFO_EN_GYRO_ACCEL 0x78u   /* XG_FIFO_EN, YG_FIFO_EN, ZG_FIFO_EN, ACCEL_FIFO_EN */
#define INT_FIFO_OFLOW 0x10u
#define FIFO_BYTES 1024u
#define SET_BYTES 12u

int tms_mpu6050_init(tms_mpu6050_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    /* DLPF_CFG 1..6: accelerometer bandwidth 184, 94, 44, 21, 10, 5 Hz (gyroscope within a few %) */
    static const uint32_t dlpf_bw_mhz[] = {184000u, 94000u, 44000u, 21000u, 10000u, 5000u};
    uint32_t want_mhz, divider, i;
    uint8_t afs, dlpf = 6u;
    float fs = cfg->full_scale;
    int err;

    if (cfg->channels != 3u && cfg->channels != 6u) {
        return TMS_SENSOR_ECONFIG;
    }
    want_mhz = tms_hz_to_mhz(cfg->rate_hz);
    if (!(cfg->rate_hz > 0.0f) || want_mhz > 1000000u) {
        return TMS_SENSOR_ECONFIG;
    }
    if (fs <= 2.0f) {
        afs = 0u; s->accel_g_per_lsb = 1.0f / 16384.0f;
    } else if (fs <= 4.0f) {
        afs = 1u; s->accel_g_per_lsb = 1.0f / 8192.0f;
    } else if (fs <= 8.0f) {
        afs = 2u; s->accel_g_per_lsb = 1.0f / 4096.0f;
    } else if (fs <= 16.0f) {
        afs = 3u; s->accel_g_per_lsb = 1.0f / 2048.0f;
    } else {
        return TMS_SENSOR_ECONFIG;
    }
    divider = 1000000u / want_mhz;          /* 1 + SMPLRT_DIV: the largest with 1 kHz / it >= rate */
    if (divider > 256u) {
        divider = 256u;
    }
    s->bus = bus->bus;
    s->address = bus->address;
    s->channels = cfg->channels;
    s->gyro_dps_per_lsb = 1.0f / 16.4f;      /* FS_SEL 3: +-2000 deg/s */
    s->odr_mhz = (1000000u + divider / 2u) / divider;
    for (i = 0u; i < 6u; i++) {
        if (2u * dlpf_bw_mhz[i] <= s->odr_mhz) {
            dlpf = (uint8_t)(i + 1u);
            break;
        }
    }

    err = tms_reg_expect(s->bus, s->address, REG_WHO_AM_I, WHO_AM_I);
    if (err != TMS_SENSOR_OK) {
        return err;
    }
    if (tms_reg_write(s->bus, s->address, REG_PWR_MGMT_1, PWR1_DEVICE_RESET) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_delay_us(100000u);
    if (tms_reg_write(s->bus, s->address, REG_PWR_MGMT_1, PWR1_CLKSEL_PLL_XGYRO) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_CONFIG, dlpf) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_SMPLRT_DIV, (uint8_t)(divider - 1u)) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_GYRO_CONFIG, 0x18u) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_ACCEL_CONFIG, (uint8_t)(afs << 3)) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_INT_ENABLE, INT_FIFO_OFLOW) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_USER_CTRL, USER_FIFO_RESET) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_USER_CTRL, USER_FIFO_EN) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, REG_FIFO_EN, FIFO_EN_GYRO_ACCEL) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_decim_init(&s->decim, cfg->rate_hz, s->odr_mhz, s->channels);
    return TMS_SENSOR_OK;
}

int tms_mpu6050_poll(tms_mpu6050_t *s, tms_sample_ring_t *ring)
{
    uint8_t status = 0u;
    uint8_t count_be[2];
    uint8_t set[SET_BYTES];
    uint32_t count, sets, i;
    float v[6];
    int c, pushed = 0;

    if (tms_reg_read(s->bus, s->address, REG_INT_STATUS, &status, 1u) != TMS_SENSOR_OK ||
        tms_reg_read(s->bus, s->address, REG_FIFO_COUNTH, count_be, 2u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    count = ((uint32_t)count_be[0] << 8) | count_be[1];
    sets = count / SET_BYTES;
    if ((status & INT_FIFO_OFLOW) != 0u || count >= FIFO_BYTES) {
        ring->overruns += sets + 1u;
        if (tms_reg_write(s->bus, s->address, REG_USER_CTRL, USER_FIFO_EN | USER_FIFO_RESET) != TMS_SENSOR_OK) {
            return TMS_SENSOR_EBUS;
        }
        return 0;
    }
    for (i = 0u; i < sets; i++) {
        if (tms_reg_read(s->bus, s->address, REG_FIFO_R_W, set, SET_BYTES) != TMS_SENSOR_OK) {
            return TMS_SENSOR_EBUS;
        }
        for (c = 0; c < 3; c++) {
            v[c] = (float)tms_be16(&set[2 * c]) * s->accel_g_per_lsb;
            v[3 + c] = (float)tms_be16(&set[6 + 2 * c]) * s->gyro_dps_per_lsb;
        }
        pushed += tms_decim_push(&s->decim, ring, v);
    }
    return pushed;
}
