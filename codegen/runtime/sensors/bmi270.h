/* Bosch BMI270 IMU (Nano 33 BLE Sense Rev2, I2C 0x68): detected, then refused — see bmi270.c for why. */
#ifndef TMS_BMI270_H
#define TMS_BMI270_H
#include <stdint.h>
#include "tms_sensor.h"

#define TMS_BMI270_CHIP_ID 0x24u

typedef struct {
    uint8_t bus;
    uint8_t address;
    uint8_t internal_status;   /* INTERNAL_STATUS as found at init (diagnostics) */
} tms_bmi270_t;

/* TMS_SENSOR_EBUS (no answer), TMS_SENSOR_EID (not a BMI270), else TMS_SENSOR_ECONFIG: always */
int tms_bmi270_init(tms_bmi270_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
/* TMS_SENSOR_ECONFIG: never produces samples */
int tms_bmi270_poll(tms_bmi270_t *s, tms_sample_ring_t *ring);

#endif
