/* The RP2040's own ADC (RP2040 datasheet section 4.9) as a tms_sensor.h driver: GPIO26-29 (inputs
 * 0-3) and the temperature sensor (input 4). See rp2040_adc.c. */
#ifndef TMS_RP2040_ADC_H
#define TMS_RP2040_ADC_H
#include <stdint.h>
#include "tms_sensor.h"

/* tms_sensor_bus_t.pin_a: the first GPIO (26-29), or this for the temperature sensor */
#define TMS_RP2040_ADC_TEMPERATURE 0xFFu
#define TMS_RP2040_ADC_MAX_CHANNELS 4u

typedef struct {
    uint8_t first_input;      /* AINSEL of the first channel */
    uint8_t channels;         /* consecutive inputs sampled round robin */
    uint8_t filled;           /* values of the current sample collected so far */
    uint8_t failed;           /* a value of the current sample had a conversion error */
    uint16_t decimation;      /* keep one round in this many (rates below the divider's reach) */
    uint16_t rounds;          /* rounds since the last kept one */
    float partial[TMS_RP2040_ADC_MAX_CHANNELS];
} tms_rp2040_adc_t;

int tms_rp2040_adc_init(tms_rp2040_adc_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
/* drains the ADC FIFO into the ring: returns the samples pushed; a FIFO overflow or a conversion
 * error adds to ring->overruns */
int tms_rp2040_adc_poll(tms_rp2040_adc_t *s, tms_sample_ring_t *ring);

#endif
