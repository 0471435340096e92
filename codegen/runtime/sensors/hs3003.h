/* Renesas HS3003 humidity and temperature sensor (Nano 33 BLE Sense Rev2, I2C 0x44). Datasheet and
 * sections: see hs3003.c. */
#ifndef TMS_HS3003_H
#define TMS_HS3003_H
#include <stdint.h>
#include "tms_sensor.h"

typedef struct {
    uint8_t bus;
    uint8_t address;
    uint8_t quantities;     /* TMS_Q_TEMPERATURE and/or TMS_Q_HUMIDITY, emitted in that order */
    uint8_t channels;
} tms_hs3003_t;

int tms_hs3003_init(tms_hs3003_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
/* call at rate_hz (a timer): returns the measurement the previous call requested (1 sample) and
 * requests the next; 0 while that measurement is still converting */
int tms_hs3003_poll(tms_hs3003_t *s, tms_sample_ring_t *ring);

#endif
