/* nRF52840 PDM peripheral driver for the Nano 33 BLE Sense's MP34DT05 microphone.
 * Follows: Nordic nRF52840 Product Specification v1.x, chapter "PDM — Pulse density modulation
 * interface" (master clock generator and RATIO, module operation, decimation filter and gain,
 * EasyDMA, pin configuration, registers), chapter "GPIO" (PIN_CNF, OUTSET) for the microphone's
 * power pin, and the ARMv7-M NVIC (ISER) for the PDM interrupt (IRQ 29 = peripheral ID 0x1D).
 *
 * Data path: EasyDMA fills three RAM buffers in turn. The PDM interrupt handler
 * (tms_nrf52840_pdm_irq) queues the next buffer's pointer on EVENTS_STARTED (SAMPLE.PTR is double
 * buffered) and counts a finished buffer on EVENTS_END; it does nothing else, so it is short.
 * tms_nrf52840_pdm_poll converts finished buffers (int16 / 32768 -> PCM full scale +-1) into the
 * sample ring. Why an interrupt and not poll alone: event registers are flags, not counters; a poll
 * that comes after two buffer periods (inference takes longer than that) could not tell how many
 * buffers ended, nor queue the next pointer in time. The buffers, not the ring, hold the audio
 * while the pipeline runs inference and does not poll: one is being filled, one is queued, the
 * other BUFFERS-2 finished ones wait for poll, so poll may pause for up to (BUFFERS - 2) buffer
 * periods (6 x 16 ms = 96 ms by default; size TMS_NRF52840_PDM_BUFFERS from the pipeline's
 * inference time). A finished buffer that poll did not take before the PDM came round to
 * overwrite it is written off whole and its samples counted in ring->overruns. */
#ifndef TMS_NRF52840_PDM_H
#define TMS_NRF52840_PDM_H
#include <stdint.h>
#include "tms_sensor.h"

#ifndef TMS_NRF52840_PDM_BUFFER_SAMPLES
#define TMS_NRF52840_PDM_BUFFER_SAMPLES 256u  /* 16 ms at 16 kHz; even, so each buffer is word aligned */
#endif
#ifndef TMS_NRF52840_PDM_BUFFERS
#define TMS_NRF52840_PDM_BUFFERS 8u  /* a power of two >= 3: buffer k is buffers[k % BUFFERS] */
#endif
/* Nano 33 BLE Sense: MP34DT05 VDD is switched by P0.17 (board schematic / Arduino variant) */
#ifndef TMS_NRF52840_PDM_MIC_POWER_PIN
#define TMS_NRF52840_PDM_MIC_POWER_PIN 17u
#endif
#define TMS_NRF52840_PDM_DEFAULT_CLK_PIN 26u  /* P0.26 */
#define TMS_NRF52840_PDM_DEFAULT_DIN_PIN 25u  /* P0.25 */
/* GAINL: 0x28 is 0 dB (the PS's reset value), 0.5 dB per step from 0x00 (-20 dB) to 0x50 (+20 dB) */
#ifndef TMS_NRF52840_PDM_GAIN
#define TMS_NRF52840_PDM_GAIN 0x28u
#endif

typedef struct {
    /* EasyDMA targets first: SAMPLE.PTR must be word aligned, the struct is */
    int16_t buffers[TMS_NRF52840_PDM_BUFFERS][TMS_NRF52840_PDM_BUFFER_SAMPLES];
    volatile uint32_t started;  /* buffers the PDM has started filling (interrupt handler) */
    volatile uint32_t filled;   /* buffers the PDM has finished (interrupt handler) */
    uint32_t taken;             /* finished buffers poll has converted or written off (poll) */
} tms_nrf52840_pdm_t;

/* rate 16000 Hz (PDM_CLK 1.280 MHz, RATIO 80) or 20000 Hz (1.280 MHz, RATIO 64); channels 1.
 * bus->pin_a / pin_b: PDM CLK / DIN as nRF pin numbers (port*32 + pin), 0xFF for the board's. */
int tms_nrf52840_pdm_init(tms_nrf52840_pdm_t *s, const tms_sensor_bus_t *bus,
                          const tms_sensor_config_t *cfg);
int tms_nrf52840_pdm_poll(tms_nrf52840_pdm_t *s, tms_sample_ring_t *ring);
/* The PDM interrupt's work for driver state s ... */
void tms_nrf52840_pdm_irq(tms_nrf52840_pdm_t *s);
/* ... and the handler for the vector table (slot 16 + 29): the instance init started last */
void tms_nrf52840_pdm_irq_handler(void);

#endif
