/* ST HTS221 capacitive humidity and temperature sensor (I2C 0x5F; Nano 33 BLE Sense Rev1,
 * B-L475E-IOT01A). Datasheet and sections: see hts221.c. */
#ifndef TMS_HTS221_H
#define TMS_HTS221_H
#include <stdint.h>
#include "tms_sensor.h"
#include "tms_sensor_util.h"

typedef struct {
    uint8_t bus;
    uint8_t address;
    uint8_t quantities;     /* TMS_Q_TEMPERATURE and/or TMS_Q_HUMIDITY, emitted in that order */
    uint8_t channels;
    /* the part's calibration, read at init (30h..3Fh) */
    float t0_degc, t1_degc, h0_rh, h1_rh;
    int16_t t0_out, t1_out, h0_t0_out, h1_t0_out;
    uint32_t odr_mhz;
    tms_decim_t decim;
} tms_hts221_t;

int tms_hts221_init(tms_hts221_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
int tms_hts221_poll(tms_hts221_t *s, tms_sample_ring_t *ring);

#endif
