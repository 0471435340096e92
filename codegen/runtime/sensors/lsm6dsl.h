/* ST LSM6DSL accelerometer + gyroscope with FIFO; the implementation is shared with the sibling part in
 * tms_st_lsm6ds.h. Datasheet and sections: see lsm6dsl.c. */
#ifndef TMS_LSM6DSL_H
#define TMS_LSM6DSL_H
#include "tms_sensor.h"
#include "tms_st_lsm6ds.h"

typedef tms_st_lsm6ds_t tms_lsm6dsl_t;

int tms_lsm6dsl_init(tms_lsm6dsl_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_lsm6dsl_poll(tms_lsm6dsl_t *s, tms_sample_ring_t *ring);

#endif
