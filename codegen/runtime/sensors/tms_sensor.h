/* What every on-board sensor driver shares: its configuration, its error codes, and the sample ring
 * the driver fills (from a FIFO drain, an interrupt or a DMA-complete event) and the pipeline empties,
 * so inference never makes the sensor drop samples; a full ring counts an overrun, which the firmware
 * reports in the serial protocol.
 *
 * A driver for part <part> is the pair codegen/runtime/sensors/<part>.c/.h (see README of the folder
 * convention in tms_sensor.c) with
 *     typedef struct { ... } tms_<part>_t;
 *     int tms_<part>_init(tms_<part>_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg);
 *     int tms_<part>_poll(tms_<part>_t *s, tms_sample_ring_t *ring);
 * init returns TMS_SENSOR_OK or a negative TMS_SENSOR_E*; poll moves every sample the part has ready
 * into the ring (returns how many, or a negative error) and adds chip-side FIFO overflows to
 * ring->overruns. Values are in the units of the node's host reference: g (accelerometer), deg/s
 * (gyroscope), gauss (magnetometer), PCM full scale +-1 (microphone), degC, %RH, hPa. */
#ifndef TMS_SENSOR_H
#define TMS_SENSOR_H
#include <stdint.h>

#define TMS_SENSOR_OK 0
#define TMS_SENSOR_EBUS (-10)      /* the bus failed (NACK, timeout) */
#define TMS_SENSOR_EID (-11)       /* WHO_AM_I / chip id is not the part's */
#define TMS_SENSOR_ECONFIG (-12)   /* a rate, range or channel count the part cannot do */

/* which values an environmental sensor emits, in this order */
#define TMS_Q_TEMPERATURE 1u
#define TMS_Q_HUMIDITY 2u
#define TMS_Q_PRESSURE 4u

typedef struct {
    uint8_t bus;      /* I2C bus index / PDM, DFSDM or ADC unit */
    uint8_t address;  /* 7-bit I2C address; 0 when not on I2C */
    uint8_t pin_a;    /* PDM clock pin, ADC input (GPIO number); 0xFF when unused */
    uint8_t pin_b;    /* PDM data pin; 0xFF when unused */
} tms_sensor_bus_t;

typedef struct {
    float rate_hz;       /* the node's sample rate: the driver sets the part's nearest output data
                          * rate >= it, and decimates to exactly rate_hz where they differ */
    float full_scale;    /* accelerometer range in g (2, 4, 8, 16); 0 = the part's default */
    uint8_t channels;    /* values per sample the node emits (IMU: accel x,y,z then gyro x,y,z) */
    uint8_t quantities;  /* environmental sensors: TMS_Q_* bits */
} tms_sensor_config_t;

typedef struct {
    float *values;                /* capacity_samples * channels floats */
    uint32_t capacity_samples;
    uint8_t channels;
    volatile uint32_t head;       /* next sample written (producer) */
    volatile uint32_t tail;       /* next sample read (consumer) */
    volatile uint32_t overruns;   /* samples lost: ring full, or the part's own FIFO overflowed */
} tms_sample_ring_t;

void tms_ring_init(tms_sample_ring_t *ring, float *values, uint32_t capacity_samples, uint8_t channels);
/* 0 when stored; -1 when the ring is full (the sample is dropped and counted as an overrun) */
int tms_ring_push(tms_sample_ring_t *ring, const float *sample);
/* 1 and the oldest sample copied to out; 0 when the ring is empty */
int tms_ring_pop(tms_sample_ring_t *ring, float *out);
uint32_t tms_ring_count(const tms_sample_ring_t *ring);

#endif
