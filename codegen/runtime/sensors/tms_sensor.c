/* The sample ring of tms_sensor.h: single producer (driver poll, ISR or DMA event), single consumer
 * (the pipeline's sensor stage). One slot stays free so head == tail means empty without a lock.
 * Host reference: none (a queue; tests/codegen/sensors exercise it). */
#include "tms_sensor.h"

void tms_ring_init(tms_sample_ring_t *ring, float *values, uint32_t capacity_samples, uint8_t channels)
{
    ring->values = values;
    ring->capacity_samples = capacity_samples;
    ring->channels = channels;
    ring->head = 0u;
    ring->tail = 0u;
    ring->overruns = 0u;
}

uint32_t tms_ring_count(const tms_sample_ring_t *ring)
{
    uint32_t head = ring->head;
    uint32_t tail = ring->tail;
    return head >= tail ? head - tail : ring->capacity_samples - (tail - head);
}

int tms_ring_push(tms_sample_ring_t *ring, const float *sample)
{
    uint32_t head = ring->head;
    uint32_t next = head + 1u == ring->capacity_samples ? 0u : head + 1u;
    uint32_t c;
    float *slot;
    if (next == ring->tail) {
        ring->overruns++;
        return -1;
    }
    slot = &ring->values[head * ring->channels];
    for (c = 0u; c < ring->channels; c++) {
        slot[c] = sample[c];
    }
    ring->head = next;
    return 0;
}

int tms_ring_pop(tms_sample_ring_t *ring, float *out)
{
    uint32_t tail = ring->tail;
    const float *slot;
    uint32_t c;
    if (tail == ring->head) {
        return 0;
    }
    slot = &ring->values[tail * ring->channels];
    for (c = 0u; c < ring->channels; c++) {
        out[c] = slot[c];
    }
    ring->tail = tail + 1u == ring->capacity_samples ? 0u : tail + 1u;
    return 1;
}
