/* InvenSense MPU-6050 accelerometer + gyroscope (an external part, e.g. on a Pico's I2C0 at 0x68).
 * Datasheet and sections: see mpu6050.c. */
#ifndef TMS_MPU6050_H
#define TMS_MPU6050_H
#include <stdint.h>
#include "tms_sensor.h"
#include "tms_sensor_util.h"

typedef struct {
    uint8_t bus;
    uint8_t address;
    uint8_t channels;       /* 3: accel; 6: + gyro */
    float accel_g_per_lsb;
    float gyro_dps_per_lsb;
    uint32_t odr_mhz;
    tms_decim_t decim;
} tms_mpu6050_t;

int tms_mpu6050_init(tms_mpu6050_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_mpu6050_poll(tms_mpu6050_t *s, tms_sample_ring_t *ring);

#endif
