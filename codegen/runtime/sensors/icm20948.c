/* ICM-20948 driver (Pico4ML-BLE IMU). Follows: TDK ICM-20948 datasheet DS-000189 v1.3, register map
 * and register descriptions (banks 0 and 2, addresses below), sensitivity tables, DLPF bandwidth
 * tables (ACCEL_DLPFCFG / GYRO_DLPFCFG, 3 dB bandwidths below), and the start-up times of the
 * electrical characteristics (registers usable 11 ms after a reset; gyroscope start-up 35 ms).
 * FIFO (accelerometer-only nodes): USER_CTRL.FIFO_EN, FIFO_EN_2.ACCEL_FIFO_EN, FIFO_MODE snapshot,
 * FIFO_RST, FIFO_COUNTH/L (13-bit byte count), FIFO_R_W, INT_STATUS_2.FIFO_OVERFLOW_INT; records are
 * the enabled sensor registers in register order (accel x, y, z, big-endian).
 * Design (ODR choice, decimation, what is not counted): see icm20948.h. */
#include "icm20948.h"
#include "tms_i2c.h"

#define REG_BANK_SEL 0x7Fu
/* bank 0 */
#define B0_WHO_AM_I 0x00u
#define B0_PWR_MGMT_1 0x06u
#define B0_PWR_MGMT_2 0x07u
#define B0_INT_ENABLE_1 0x11u
#define B0_USER_CTRL 0x03u
#define B0_INT_STATUS_1 0x1Au
#define B0_INT_STATUS_2 0x1Bu
#define B0_ACCEL_XOUT_H 0x2Du
#define B0_FIFO_EN_2 0x67u
#define B0_FIFO_RST 0x68u
#define B0_FIFO_MODE 0x69u
#define B0_FIFO_COUNTH 0x70u
#define B0_FIFO_R_W 0x72u
/* bank 2 */
#define B2_GYRO_SMPLRT_DIV 0x00u
#define B2_GYRO_CONFIG_1 0x01u
#define B2_ODR_ALIGN_EN 0x09u
#define B2_ACCEL_SMPLRT_DIV_1 0x10u
#define B2_ACCEL_SMPLRT_DIV_2 0x11u
#define B2_ACCEL_CONFIG 0x14u

#define WHO_AM_I_VALUE 0xEAu
#define PWR1_DEVICE_RESET 0x80u
#define PWR1_CLKSEL_AUTO 0x01u    /* SLEEP = 0, best available clock */
#define PWR2_GYRO_OFF 0x07u       /* DISABLE_GYRO x, y, z */
#define RAW_DATA_0_RDY 0x01u
#define FCHOICE_DLPF 0x01u
#define USER_CTRL_FIFO_EN 0x40u
#define FIFO_EN_2_ACCEL 0x10u
#define FIFO_RST_ALL 0x1Fu
#define FIFO_MODE_SNAPSHOT 0x01u  /* a full FIFO takes no more writes: records stay whole */
#define FIFO_OVERFLOW_ANY 0x1Fu   /* INT_STATUS_2 FIFO_OVERFLOW_INT[4:0] */
#define FIFO_RECORD_BYTES 6u      /* ACCEL_XOUT_H .. ACCEL_ZOUT_L */
#define FIFO_READ_RECORDS 10u
#define ACCEL_BASE_HZ 1125.0f
#define GYRO_BASE_HZ 1100.0f
#define RESET_DELAY_US 11000u
#define START_DELAY_US 35000u

/* sensitivity of GYRO_FS_SEL 0..3 (LSB per deg/s): not exact halvings of 131, so a table */
static const float gyro_lsb_per_dps[4] = {131.0f, 65.5f, 32.8f, 16.4f};
/* 3 dB bandwidths (Hz) of DLPFCFG 0..7 */
static const float accel_dlpf_hz[8] = {246.0f, 246.0f, 111.4f, 50.4f, 23.9f, 11.5f, 5.7f, 473.0f};
static const float gyro_dlpf_hz[8] = {196.6f, 151.8f, 119.5f, 51.2f, 23.9f, 11.6f, 5.7f, 361.4f};

static int write_reg(const tms_icm20948_t *s, uint8_t reg, uint8_t value)
{
    uint8_t b[2];
    b[0] = reg;
    b[1] = value;
    return tms_i2c_write(s->bus, s->address, b, 2u) == TMS_I2C_OK ? 0 : TMS_SENSOR_EBUS;
}

static int read_regs(const tms_icm20948_t *s, uint8_t reg, uint8_t *out, uint32_t n)
{
    return tms_i2c_write_read(s->bus, s->address, &reg, 1u, out, n) == TMS_I2C_OK ? 0 : TMS_SENSOR_EBUS;
}

static int bank(const tms_icm20948_t *s, uint8_t n)
{
    return write_reg(s, REG_BANK_SEL, (uint8_t)(n << 4));
}

/* the largest divider (<= max_div) whose ODR = base / (1 + div) is still >= rate */
static uint32_t divider_for(float base_hz, float rate_hz, uint32_t max_div)
{
    uint32_t div = (uint32_t)(base_hz / rate_hz);  /* floor: base / div >= rate */
    div = div == 0u ? 0u : div - 1u;
    return div > max_div ? max_div : div;
}

/* the widest DLPF setting (1..6) whose bandwidth is at most half the ODR; else the narrowest */
static uint8_t dlpf_for(const float *table_hz, float odr_hz)
{
    uint8_t cfg, best = 6u;
    for (cfg = 6u; cfg >= 1u; cfg--) {
        if (table_hz[cfg] <= odr_hz * 0.5f) {
            best = cfg;
        }
    }
    return best;
}

static uint8_t fs_sel(uint32_t full_scale, uint32_t smallest)
{
    uint8_t sel = 0u;
    while (smallest < full_scale) {
        smallest *= 2u;
        sel++;
    }
    return sel;
}

int tms_icm20948_init(tms_icm20948_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    uint8_t id = 0u, accel_fs, gyro_fs, accel_dlpf, gyro_dlpf;
    uint32_t accel_div, gyro_div;
    float accel_odr, gyro_odr, fs = cfg->full_scale == 0.0f ? 2.0f : cfg->full_scale;
    int rc;
    if (cfg->channels != 3u && cfg->channels != 6u) {
        return TMS_SENSOR_ECONFIG;
    }
    if (!(cfg->rate_hz > 0.0f && cfg->rate_hz <= (cfg->channels == 6u ? GYRO_BASE_HZ : ACCEL_BASE_HZ))) {
        return TMS_SENSOR_ECONFIG;
    }
    if (fs != 2.0f && fs != 4.0f && fs != 8.0f && fs != 16.0f) {
        return TMS_SENSOR_ECONFIG;
    }
    s->bus = bus->bus;
    s->address = bus->address != 0u ? bus->address : (uint8_t)TMS_ICM20948_DEFAULT_ADDRESS;
    s->channels = cfg->channels;
    s->rate_hz = cfg->rate_hz;
    s->phase = 0.0f;

    accel_fs = fs_sel((uint32_t)fs, 2u);
    gyro_fs = fs_sel(TMS_ICM20948_GYRO_DPS, 250u);
    s->g_per_lsb = 1.0f / (16384.0f / (float)(1u << accel_fs));
    s->dps_per_lsb = 1.0f / gyro_lsb_per_dps[gyro_fs & 3u];
    accel_div = divider_for(ACCEL_BASE_HZ, cfg->rate_hz, 4095u);
    gyro_div = divider_for(GYRO_BASE_HZ, cfg->rate_hz, 255u);
    accel_odr = ACCEL_BASE_HZ / (float)(1u + accel_div);
    gyro_odr = GYRO_BASE_HZ / (float)(1u + gyro_div);
    s->odr_hz = cfg->channels == 6u ? gyro_odr : accel_odr;
    accel_dlpf = dlpf_for(accel_dlpf_hz, accel_odr);
    gyro_dlpf = dlpf_for(gyro_dlpf_hz, gyro_odr);

    if ((rc = bank(s, 0u)) != 0 || (rc = read_regs(s, B0_WHO_AM_I, &id, 1u)) != 0) {
        return rc;
    }
    if (id != WHO_AM_I_VALUE) {
        return TMS_SENSOR_EID;
    }
    if ((rc = write_reg(s, B0_PWR_MGMT_1, PWR1_DEVICE_RESET)) != 0) {
        return rc;
    }
    tms_delay_us(RESET_DELAY_US);  /* the reset leaves bank 0 selected */
    if ((rc = write_reg(s, B0_PWR_MGMT_1, PWR1_CLKSEL_AUTO)) != 0 ||
        (rc = write_reg(s, B0_PWR_MGMT_2, cfg->channels == 6u ? 0u : PWR2_GYRO_OFF)) != 0 ||
        (rc = bank(s, 2u)) != 0 ||
        (rc = write_reg(s, B2_ODR_ALIGN_EN, 1u)) != 0 ||
        (rc = write_reg(s, B2_GYRO_SMPLRT_DIV, (uint8_t)gyro_div)) != 0 ||
        (rc = write_reg(s, B2_GYRO_CONFIG_1,
                        (uint8_t)((gyro_dlpf << 3) | (gyro_fs << 1) | FCHOICE_DLPF))) != 0 ||
        (rc = write_reg(s, B2_ACCEL_SMPLRT_DIV_1, (uint8_t)(accel_div >> 8))) != 0 ||
        (rc = write_reg(s, B2_ACCEL_SMPLRT_DIV_2, (uint8_t)(accel_div & 0xFFu))) != 0 ||
        (rc = write_reg(s, B2_ACCEL_CONFIG,
                        (uint8_t)((accel_dlpf << 3) | (accel_fs << 1) | FCHOICE_DLPF))) != 0 ||
        (rc = bank(s, 0u)) != 0 ||
        (rc = write_reg(s, B0_INT_ENABLE_1, RAW_DATA_0_RDY)) != 0) {
        return rc;
    }
    if (cfg->channels == 3u) {
        /* accelerometer-only: its samples queue in the 512-byte FIFO while the pipeline is busy */
        if ((rc = write_reg(s, B0_FIFO_MODE, FIFO_MODE_SNAPSHOT)) != 0 ||
            (rc = write_reg(s, B0_FIFO_EN_2, FIFO_EN_2_ACCEL)) != 0 ||
            (rc = write_reg(s, B0_FIFO_RST, FIFO_RST_ALL)) != 0 ||
            (rc = write_reg(s, B0_FIFO_RST, 0u)) != 0 ||
            (rc = write_reg(s, B0_USER_CTRL, USER_CTRL_FIFO_EN)) != 0) {
            return rc;
        }
    }
    tms_delay_us(START_DELAY_US);
    return TMS_SENSOR_OK;
}

static float be16(const uint8_t *p)
{
    return (float)(int16_t)(uint16_t)(((uint16_t)p[0] << 8) | p[1]);
}

/* one sample's registers (accel, then gyro when present) -> the ring, if decimation keeps it */
static int deliver(tms_icm20948_t *s, tms_sample_ring_t *ring, const uint8_t *raw)
{
    float sample[6];
    uint32_t i;
    /* keep rate_hz of every odr_hz samples, evenly */
    s->phase += s->rate_hz;
    if (s->phase < s->odr_hz) {
        return 0;
    }
    s->phase -= s->odr_hz;
    for (i = 0u; i < s->channels; i++) {
        sample[i] = be16(&raw[2u * i]) * (i < 3u ? s->g_per_lsb : s->dps_per_lsb);
    }
    return tms_ring_push(ring, sample) == 0 ? 1 : 0;
}

/* accelerometer-only: drain whole records from the FIFO; an overflow loses samples the chip does
 * not count, so it adds one (a lower bound) to the ring's overruns and restarts the FIFO */
static int poll_fifo(tms_icm20948_t *s, tms_sample_ring_t *ring)
{
    uint8_t overflow = 0u, count_be[2], buf[FIFO_RECORD_BYTES * FIFO_READ_RECORDS];
    uint32_t records, n, i;
    int pushed = 0;
    if (read_regs(s, B0_INT_STATUS_2, &overflow, 1u) != 0 ||
        read_regs(s, B0_FIFO_COUNTH, count_be, 2u) != 0) {
        return TMS_SENSOR_EBUS;
    }
    records = ((((uint32_t)count_be[0] & 0x1Fu) << 8) | count_be[1]) / FIFO_RECORD_BYTES;
    while (records > 0u) {
        n = records < FIFO_READ_RECORDS ? records : FIFO_READ_RECORDS;
        if (read_regs(s, B0_FIFO_R_W, buf, n * FIFO_RECORD_BYTES) != 0) {
            return TMS_SENSOR_EBUS;
        }
        for (i = 0u; i < n; i++) {
            pushed += deliver(s, ring, &buf[i * FIFO_RECORD_BYTES]);
        }
        records -= n;
    }
    if (overflow & FIFO_OVERFLOW_ANY) {
        ring->overruns++;
        if (write_reg(s, B0_FIFO_RST, FIFO_RST_ALL) != 0 || write_reg(s, B0_FIFO_RST, 0u) != 0) {
            return TMS_SENSOR_EBUS;
        }
    }
    return pushed;
}

int tms_icm20948_poll(tms_icm20948_t *s, tms_sample_ring_t *ring)
{
    uint8_t status = 0u, raw[12];
    if (s->channels == 3u) {
        return poll_fifo(s, ring);
    }
    if (read_regs(s, B0_INT_STATUS_1, &status, 1u) != 0) {
        return TMS_SENSOR_EBUS;
    }
    if (!(status & RAW_DATA_0_RDY)) {
        return 0;
    }
    if (read_regs(s, B0_ACCEL_XOUT_H, raw, 12u) != 0) {
        return TMS_SENSOR_EBUS;
    }
    return deliver(s, ring, raw);
}
