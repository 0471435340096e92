/* Texas Instruments TMP105 digital temperature sensor on I2C (datasheet SBOS323): the driver of
 * tms_sensor.h for an Environment sensor that reads temperature. See tmp105.c. */
#ifndef TMS_TMP105_H
#define TMS_TMP105_H
#include <stdint.h>
#include "tms_sensor.h"

typedef struct {
    tms_sensor_bus_t bus;
    uint64_t period_cycles;    /* one sample period at TMS_CLOCK_HZ */
    uint64_t next_due_cycles;  /* when the next sample is due (tms_timer_cycles) */
    uint32_t conversion_us;    /* the part's conversion time at the chosen resolution */
    uint8_t resolution_bits;   /* 9..12 */
} tms_tmp105_t;

int tms_tmp105_init(tms_tmp105_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
/* one sample (degC) into the ring when its period is due: returns 1, 0 (not due, or dropped by a
 * full ring), or TMS_SENSOR_EBUS */
int tms_tmp105_poll(tms_tmp105_t *s, tms_sample_ring_t *ring);

#endif
