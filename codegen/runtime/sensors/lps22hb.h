/* ST LPS22HB barometer (0x5C on the Nano 33 BLE Sense, 0x5D on the B-L475E-IOT01A: the address is
 * bus->address). Datasheet and sections: see lps22hb.c. */
#ifndef TMS_LPS22HB_H
#define TMS_LPS22HB_H
#include <stdint.h>
#include "tms_sensor.h"
#include "tms_sensor_util.h"

typedef struct {
    uint8_t bus;
    uint8_t address;
    uint8_t quantities;     /* TMS_Q_TEMPERATURE and/or TMS_Q_PRESSURE, emitted in that order */
    uint8_t channels;
    uint32_t odr_mhz;
    tms_decim_t decim;
} tms_lps22hb_t;

int tms_lps22hb_init(tms_lps22hb_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_lps22hb_poll(tms_lps22hb_t *s, tms_sample_ring_t *ring);

#endif
