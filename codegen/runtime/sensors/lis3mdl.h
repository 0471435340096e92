/* ST LIS3MDL 3-axis magnetometer (I2C 0x1E on the B-L475E-IOT01A). Datasheet and sections: see
 * lis3mdl.c. */
#ifndef TMS_LIS3MDL_H
#define TMS_LIS3MDL_H
#include <stdint.h>
#include "tms_sensor.h"
#include "tms_sensor_util.h"

typedef struct {
    uint8_t bus;
    uint8_t address;
    float gauss_per_lsb;
    uint32_t odr_mhz;
    tms_decim_t decim;
} tms_lis3mdl_t;

int tms_lis3mdl_init(tms_lis3mdl_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_lis3mdl_poll(tms_lis3mdl_t *s, tms_sample_ring_t *ring);

#endif
