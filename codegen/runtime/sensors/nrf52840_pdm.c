/* nRF52840 PDM driver (MP34DT05 on the Nano 33 BLE Sense).
 * Follows: nRF52840 Product Specification v1.x, PDM chapter: "Master clock generator" (PDMCLKCTRL
 * values and the RATIO register: 1.280 MHz with RATIO 80 is the nominal clock for 16 kHz),
 * "Module operation" (MODE.OPERATION mono = left channel only), "Decimation filter" (GAINL/GAINR),
 * "EasyDMA" (SAMPLE.PTR/MAXCNT in 16-bit samples, double buffered: a new PTR may be written once
 * EVENTS_STARTED says the current one was latched; EVENTS_END when MAXCNT samples are in RAM, and
 * the PDM goes on at once with the latched next buffer), "Pin configuration" (PSEL.CLK/DIN, PORT in
 * bit 5), "Registers" (offsets below); GPIO chapter (PIN_CNF, OUTSET) for the microphone supply.
 * Rationale for the interrupt/poll split and the buffer count: see nrf52840_pdm.h. */
#include "nrf52840_pdm.h"
#include "tms_mmio.h"

#define PDM_BASE 0x4001D000u
#define PDM_TASKS_START (PDM_BASE + 0x000u)
#define PDM_TASKS_STOP (PDM_BASE + 0x004u)
#define PDM_EVENTS_STARTED (PDM_BASE + 0x100u)
#define PDM_EVENTS_STOPPED (PDM_BASE + 0x104u)
#define PDM_EVENTS_END (PDM_BASE + 0x108u)
#define PDM_INTENSET (PDM_BASE + 0x304u)
#define PDM_INTENCLR (PDM_BASE + 0x308u)
#define PDM_ENABLE (PDM_BASE + 0x500u)
#define PDM_PDMCLKCTRL (PDM_BASE + 0x504u)
#define PDM_MODE (PDM_BASE + 0x508u)
#define PDM_GAINL (PDM_BASE + 0x518u)
#define PDM_GAINR (PDM_BASE + 0x51Cu)
#define PDM_RATIO (PDM_BASE + 0x520u)
#define PDM_PSEL_CLK (PDM_BASE + 0x540u)
#define PDM_PSEL_DIN (PDM_BASE + 0x544u)
#define PDM_SAMPLE_PTR (PDM_BASE + 0x560u)
#define PDM_SAMPLE_MAXCNT (PDM_BASE + 0x564u)

#define PDM_INT_STARTED (1u << 0)
#define PDM_INT_STOPPED (1u << 1)
#define PDM_INT_END (1u << 2)
#define PDM_MODE_MONO_LEFT_FALLING 1u  /* OPERATION=Mono (bit 0), EDGE=LeftFalling (bit 1 = 0) */
#define PDM_CLK_1280K 0x0A000000u      /* 32 MHz / 25 */
#define PDM_RATIO_64 0u
#define PDM_RATIO_80 1u
#define PDM_IRQN 29u                   /* peripheral ID of 0x4001D000 */

#define P0_BASE 0x50000000u
#define P0_OUTSET (P0_BASE + 0x508u)
#define P0_PIN_CNF(n) (P0_BASE + 0x700u + 4u * (n))
/* DIR=output, INPUT=disconnect, no pull, DRIVE=H0H1 (a supply pin), no sense */
#define PIN_CNF_OUTPUT_HIGH_DRIVE 0x303u

#define NVIC_ISER0 0xE000E100u
#define STOP_WAIT_POLLS 100000u  /* STOPPED follows STOP within a few PDM clocks; bounded anyway */

/* counters wrap at 2^32: k % BUFFERS stays continuous only for a power of two */
typedef char tms_nrf52840_pdm_buffers_is_a_power_of_two
    [(TMS_NRF52840_PDM_BUFFERS >= 3u && (TMS_NRF52840_PDM_BUFFERS & (TMS_NRF52840_PDM_BUFFERS - 1u)) == 0u) ? 1 : -1];

static tms_nrf52840_pdm_t *active;

static uint32_t buffer_address(tms_nrf52840_pdm_t *s, uint32_t index)
{
    return (uint32_t)(uintptr_t)s->buffers[index % TMS_NRF52840_PDM_BUFFERS];
}

int tms_nrf52840_pdm_init(tms_nrf52840_pdm_t *s, const tms_sensor_bus_t *bus,
                          const tms_sensor_config_t *cfg)
{
    uint32_t ratio;
    uint32_t clk_pin = TMS_NRF52840_PDM_DEFAULT_CLK_PIN;
    uint32_t din_pin = TMS_NRF52840_PDM_DEFAULT_DIN_PIN;
    if (cfg->channels != 1u) {
        return TMS_SENSOR_ECONFIG;  /* one microphone on the board: mono */
    }
    /* only rates the decimator makes exactly; the MP34DT05 needs a clock of at least 1.2 MHz */
    if (cfg->rate_hz == 16000.0f) {
        ratio = PDM_RATIO_80;
    } else if (cfg->rate_hz == 20000.0f) {
        ratio = PDM_RATIO_64;
    } else {
        return TMS_SENSOR_ECONFIG;
    }
    if (bus != 0 && bus->pin_a != 0xFFu && bus->pin_b != 0xFFu) {
        if (bus->pin_a > 47u || bus->pin_b > 47u) {
            return TMS_SENSOR_ECONFIG;  /* P0.0-31 and P1.0-15 only */
        }
        clk_pin = bus->pin_a;
        din_pin = bus->pin_b;
    }
    /* a second init (the pipeline restarted): quiet the interrupt, stop the running transfer */
    TMS_REG_WRITE(PDM_INTENCLR, PDM_INT_STARTED | PDM_INT_STOPPED | PDM_INT_END);
    if (TMS_REG_READ(PDM_ENABLE) != 0u) {
        uint32_t polls;
        TMS_REG_WRITE(PDM_EVENTS_STOPPED, 0u);
        TMS_REG_WRITE(PDM_TASKS_STOP, 1u);
        for (polls = 0u; polls < STOP_WAIT_POLLS && TMS_REG_READ(PDM_EVENTS_STOPPED) == 0u; polls++) {
        }
    }
    s->started = 0u;
    s->filled = 0u;
    s->taken = 0u;
    active = s;

    /* microphone supply on */
    TMS_REG_WRITE(P0_PIN_CNF(TMS_NRF52840_PDM_MIC_POWER_PIN), PIN_CNF_OUTPUT_HIGH_DRIVE);
    TMS_REG_WRITE(P0_OUTSET, 1u << TMS_NRF52840_PDM_MIC_POWER_PIN);

    TMS_REG_WRITE(PDM_ENABLE, 0u);
    TMS_REG_WRITE(PDM_PDMCLKCTRL, PDM_CLK_1280K);
    TMS_REG_WRITE(PDM_RATIO, ratio);
    TMS_REG_WRITE(PDM_MODE, PDM_MODE_MONO_LEFT_FALLING);
    TMS_REG_WRITE(PDM_GAINL, TMS_NRF52840_PDM_GAIN);
    TMS_REG_WRITE(PDM_GAINR, TMS_NRF52840_PDM_GAIN);
    /* the pin number's bit 5 is PSEL's PORT field, bit 31 (CONNECT) 0 = connected */
    TMS_REG_WRITE(PDM_PSEL_CLK, clk_pin);
    TMS_REG_WRITE(PDM_PSEL_DIN, din_pin);
    TMS_REG_WRITE(PDM_ENABLE, 1u);

    TMS_REG_WRITE(PDM_SAMPLE_PTR, buffer_address(s, 0u));
    TMS_REG_WRITE(PDM_SAMPLE_MAXCNT, TMS_NRF52840_PDM_BUFFER_SAMPLES);
    TMS_REG_WRITE(PDM_EVENTS_STARTED, 0u);
    TMS_REG_WRITE(PDM_EVENTS_STOPPED, 0u);
    TMS_REG_WRITE(PDM_EVENTS_END, 0u);
    TMS_REG_WRITE(PDM_INTENSET, PDM_INT_STARTED | PDM_INT_END);
    TMS_REG_WRITE(NVIC_ISER0, 1u << PDM_IRQN);
    TMS_REG_WRITE(PDM_TASKS_START, 1u);
    return TMS_SENSOR_OK;
}

void tms_nrf52840_pdm_irq(tms_nrf52840_pdm_t *s)
{
    /* END of buffer k and STARTED of buffer k+1 come together: END first keeps the count right */
    if (TMS_REG_READ(PDM_EVENTS_END) != 0u) {
        TMS_REG_WRITE(PDM_EVENTS_END, 0u);
        s->filled++;
    }
    if (TMS_REG_READ(PDM_EVENTS_STARTED) != 0u) {
        TMS_REG_WRITE(PDM_EVENTS_STARTED, 0u);
        /* buffer `started` is latched and filling; queue the one after it */
        s->started++;
        TMS_REG_WRITE(PDM_SAMPLE_PTR, buffer_address(s, s->started));
    }
}

void tms_nrf52840_pdm_irq_handler(void)
{
    if (active != 0) {
        tms_nrf52840_pdm_irq(active);
    }
}

int tms_nrf52840_pdm_poll(tms_nrf52840_pdm_t *s, tms_sample_ring_t *ring)
{
    uint32_t filled = s->filled;
    int pushed = 0;
    /* buffer n is refilled once buffer n+BUFFERS-1 is finished (filled >= n+BUFFERS): gone */
    if (filled - s->taken > TMS_NRF52840_PDM_BUFFERS - 1u) {
        uint32_t lost = filled - (TMS_NRF52840_PDM_BUFFERS - 1u) - s->taken;
        ring->overruns += lost * TMS_NRF52840_PDM_BUFFER_SAMPLES;
        s->taken += lost;
    }
    while (s->taken != filled) {
        const int16_t *pcm = s->buffers[s->taken % TMS_NRF52840_PDM_BUFFERS];
        uint32_t i;
        for (i = 0u; i < TMS_NRF52840_PDM_BUFFER_SAMPLES; i++) {
            float v = (float)pcm[i] / 32768.0f;
            if (tms_ring_push(ring, &v) == 0) {
                pushed++;
            }
        }
        s->taken++;
    }
    return pushed;
}
