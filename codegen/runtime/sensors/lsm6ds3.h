/* ST LSM6DS3 accelerometer + gyroscope with FIFO; the implementation is shared with the sibling part in
 * tms_st_lsm6ds.h. Datasheet and sections: see lsm6ds3.c. */
#ifndef TMS_LSM6DS3_H
#define TMS_LSM6DS3_H
#include "tms_sensor.h"
#include "tms_st_lsm6ds.h"

typedef tms_st_lsm6ds_t tms_lsm6ds3_t;

int tms_lsm6ds3_init(tms_lsm6ds3_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_lsm6ds3_poll(tms_lsm6ds3_t *s, tms_sample_ring_t *ring);

#endif
