/* TDK InvenSense ICM-20948 accelerometer + gyroscope driver (the Arducam Pico4ML-BLE's IMU), over
 * tms_i2c.h. Follows: ICM-20948 datasheet DS-000189 (v1.3): register map for user banks 0-3 and the
 * register descriptions (REG_BANK_SEL 0x7F in every bank; bank 0: WHO_AM_I 0x00 = 0xEA,
 * PWR_MGMT_1 0x06 (DEVICE_RESET, SLEEP, CLKSEL), PWR_MGMT_2 0x07, INT_ENABLE_1 0x11, INT_STATUS_1
 * 0x1A (RAW_DATA_0_RDY), ACCEL_XOUT_H 0x2D .. GYRO_ZOUT_L 0x38 big-endian; bank 2: GYRO_SMPLRT_DIV
 * 0x00 (ODR = 1.1 kHz / (1 + div)), GYRO_CONFIG_1 0x01, ODR_ALIGN_EN 0x09, ACCEL_SMPLRT_DIV_1/2
 * 0x10/0x11 (12 bits, ODR = 1.125 kHz / (1 + div)), ACCEL_CONFIG 0x14), the accelerometer and
 * gyroscope sensitivity tables (16384/8192/4096/2048 LSB/g; 131/65.5/32.8/16.4 LSB/(deg/s)) and the
 * DLPF bandwidth tables. Pico4ML-BLE wiring (from Arducam's example code, not a schematic): I2C0 on
 * GP4 (SDA) / GP5 (SCL), address 0x68 (AD0 low).
 *
 * Output: per sample accel x,y,z in g (channels 3), then gyro x,y,z in deg/s (channels 6). The
 * accelerometer's range is cfg->full_scale (2, 4, 8, 16 g; 0 = 2 g); the gyroscope runs at
 * +-TMS_ICM20948_GYRO_DPS (default 2000, gestures exceed 250 deg/s). Each sensor runs at its
 * lowest output data rate >= rate_hz; poll reads the data registers when RAW_DATA_0_RDY says a new
 * sample is there and decimates to exactly rate_hz on average (a phase accumulator: it keeps
 * rate_hz of every ODR samples). An accelerometer-only node (channels 3) reads the chip's 512-byte
 * FIFO (85 samples: 850 ms at 100 Hz), so the pipeline's inference does not lose samples; a FIFO
 * overflow adds one to ring->overruns (a lower bound: the chip does not say how many it dropped).
 * With the gyroscope (channels 6) poll reads the data registers, which hold one sample: a sample
 * poll is too late for is lost and not counted (no overrun flag there). The FIFO is not used for
 * six channels because with two different ODRs (1125 / 1100 Hz bases) what a FIFO record holds is
 * not settled by the datasheet text I read. */
#ifndef TMS_ICM20948_H
#define TMS_ICM20948_H
#include <stdint.h>
#include "tms_sensor.h"

#define TMS_ICM20948_DEFAULT_ADDRESS 0x68u
#ifndef TMS_ICM20948_GYRO_DPS
#define TMS_ICM20948_GYRO_DPS 2000u  /* 250, 500, 1000 or 2000 */
#endif

typedef struct {
    uint8_t bus;
    uint8_t address;
    uint8_t channels;         /* 3: accelerometer; 6: accelerometer then gyroscope */
    float g_per_lsb;
    float dps_per_lsb;
    float odr_hz;             /* the rate RAW_DATA_0_RDY comes at (gyroscope's, else accelerometer's) */
    float rate_hz;
    float phase;              /* decimation accumulator */
} tms_icm20948_t;

int tms_icm20948_init(tms_icm20948_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_icm20948_poll(tms_icm20948_t *s, tms_sample_ring_t *ring);

#endif
