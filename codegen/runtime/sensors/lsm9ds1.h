/* LSM9DS1 iNEMO 9-axis IMU (Arduino Nano 33 BLE Sense Rev1): accelerometer + gyroscope at the bus
 * address (0x6B on the Nano), magnetometer at TMS_LSM9DS1_MAG_ADDRESS. Datasheet: ST DocID025715
 * (LSM9DS1), see lsm9ds1.c for the sections followed. */
#ifndef TMS_LSM9DS1_H
#define TMS_LSM9DS1_H
#include <stdint.h>
#include "tms_sensor.h"
#include "tms_sensor_util.h"

#define TMS_LSM9DS1_MAG_ADDRESS 0x1Eu  /* SDO_M high, as wired on the Nano 33 BLE Sense Rev1 */

typedef struct {
    uint8_t bus;
    uint8_t address;          /* accelerometer/gyroscope */
    uint8_t channels;         /* 3: accel; 6: + gyro; 9: + magnetometer */
    float accel_g_per_lsb;
    float gyro_dps_per_lsb;
    float mag_gauss_per_lsb;
    float mag_gauss[3];       /* latest magnetometer reading, held between its (slower) updates */
    uint32_t odr_mhz;         /* the accel/gyro output data rate chosen */
    tms_decim_t decim;
} tms_lsm9ds1_t;

int tms_lsm9ds1_init(tms_lsm9ds1_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_lsm9ds1_poll(tms_lsm9ds1_t *s, tms_sample_ring_t *ring);

#endif
