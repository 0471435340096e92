/* RP2040 ADC driver, following the RP2040 datasheet (build 2023-06), section 4.9 "ADC and Temperature
 * Sensor": 4.9.1 inputs (AINSEL 0-3 = GPIO26-29, 4 = temperature sensor, enabled by CS.TS_EN),
 * 4.9.2 free-running sampling (CS.START_MANY) paced by DIV (a conversion every 1 + INT + FRAC/256
 * clk_adc cycles, at least 96), 4.9.2.1 round robin (CS.RROBIN), 4.9.3 the 4-deep FIFO (FCS.LEVEL,
 * FCS.OVER / FCS.UNDER write-1-to-clear, FCS.ERR puts a conversion error flag in bit 15 of each
 * entry), 4.9.5 temperature: T = 27 - (V - 0.706) / 0.001721 with V = raw * 3.3 / 4096; registers
 * 4.9.6. Also 2.14 RESETS (ADC bit 0), 2.15.3 CLK_ADC (clk_adc from the 12 MHz crystal, AUXSRC 3:
 * the board glue leaves PLL_USB off, so a conversion takes 8 us and the ADC reaches 125 kS/s), and
 * 2.19.4 pads (analog inputs: digital input and output off, no pulls).
 * Values: GPIO inputs as a fraction of full scale (raw / 4095), the temperature sensor in degC.
 * Rates below clk_adc / 65536 per conversion are reached by keeping one round robin pass in N.
 * A FIFO overflow (the pipeline did not drain it in time) counts one overrun and, with several
 * channels, restarts the round robin so channels stay aligned.
 * Host test: tests/codegen/sensors/test_rp2040_adc.py against a model of the ADC. */
#include "rp2040_adc.h"
#include "tms_i2c.h"
#include "tms_mmio.h"

#define ADC_CS 0x4004C000u
#define ADC_FCS 0x4004C008u
#define ADC_FIFO 0x4004C00Cu
#define ADC_DIV 0x4004C010u
#define ADC_CS_EN (1u << 0)
#define ADC_CS_TS_EN (1u << 1)
#define ADC_CS_START_MANY (1u << 3)
#define ADC_CS_READY (1u << 8)
#define ADC_CS_AINSEL_SHIFT 12u
#define ADC_CS_RROBIN_SHIFT 16u
#define ADC_FCS_EN (1u << 0)
#define ADC_FCS_ERR (1u << 2)
#define ADC_FCS_UNDER (1u << 10)
#define ADC_FCS_OVER (1u << 11)
#define ADC_FCS_LEVEL_SHIFT 16u
#define ADC_FCS_THRESH_1 (1u << 24)
#define ADC_FIFO_ERR (1u << 15)
#define ADC_TEMPERATURE_INPUT 4u

#define RESETS_RESET_CLR (0x4000C000u + 0x3000u)
#define RESETS_RESET_DONE 0x4000C008u
#define RESET_ADC (1u << 0)
#define CLK_ADC_CTRL 0x40008060u
#define CLK_ADC_DIV 0x40008064u
#define CLK_ADC_ENABLE (1u << 11)
#define CLK_ADC_AUXSRC_XOSC (3u << 5)
#define IO_BANK0_GPIO_CTRL(n) (0x40014004u + 8u * (n))
#define PADS_BANK0_GPIO(n) (0x4001C004u + 4u * (n))
#define PAD_OD (1u << 7)
#define GPIO_FUNC_NULL 31u

#define TMS_ADC_CLOCK_HZ 12000000.0
#define TMS_ADC_MIN_CYCLES 96.0
#define TMS_ADC_READY_TIMEOUT_US 1000u

static void tms_adc_start(const tms_rp2040_adc_t *s)
{
    uint32_t cs = ADC_CS_EN | (s->first_input == ADC_TEMPERATURE_INPUT ? ADC_CS_TS_EN : 0u);
    uint32_t rrobin = s->channels > 1u ? ((1u << s->channels) - 1u) << s->first_input : 0u;
    TMS_REG_WRITE(ADC_CS, cs | ((uint32_t)s->first_input << ADC_CS_AINSEL_SHIFT) |
                              (rrobin << ADC_CS_RROBIN_SHIFT) | ADC_CS_START_MANY);
}

/* stop sampling, empty the FIFO, clear its flags */
static void tms_adc_stop_and_drain(void)
{
    uint32_t cs = TMS_REG_READ(ADC_CS);
    uint32_t guard;
    TMS_REG_WRITE(ADC_CS, cs & ~ADC_CS_START_MANY);
    for (guard = 0u; guard < 8u && ((TMS_REG_READ(ADC_FCS) >> ADC_FCS_LEVEL_SHIFT) & 0xFu) != 0u; guard++) {
        (void)TMS_REG_READ(ADC_FIFO);
    }
    TMS_REG_WRITE(ADC_FCS, ADC_FCS_EN | ADC_FCS_ERR | ADC_FCS_THRESH_1 | ADC_FCS_OVER | ADC_FCS_UNDER);
}

int tms_rp2040_adc_init(tms_rp2040_adc_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    double period_cycles;
    double decimation = 1.0;
    uint32_t div_int;
    uint32_t div_frac;
    uint32_t waited_us = 0u;
    uint8_t c;
    if (cfg->rate_hz <= 0.0f || cfg->channels == 0u || cfg->channels > TMS_RP2040_ADC_MAX_CHANNELS) {
        return TMS_SENSOR_ECONFIG;
    }
    if (bus->pin_a == TMS_RP2040_ADC_TEMPERATURE) {
        if (cfg->channels != 1u) {
            return TMS_SENSOR_ECONFIG;
        }
        s->first_input = ADC_TEMPERATURE_INPUT;
    } else if (bus->pin_a >= 26u && bus->pin_a + cfg->channels <= 30u) {
        s->first_input = (uint8_t)(bus->pin_a - 26u);
    } else {
        return TMS_SENSOR_ECONFIG; /* only GPIO26-29 reach the ADC */
    }
    s->channels = cfg->channels;
    s->filled = 0u;
    s->failed = 0u;
    s->rounds = 0u;
    period_cycles = TMS_ADC_CLOCK_HZ / ((double)cfg->rate_hz * (double)cfg->channels);
    if (period_cycles < TMS_ADC_MIN_CYCLES) {
        return TMS_SENSOR_ECONFIG; /* faster than 12 MHz / 96 conversions per second */
    }
    while (period_cycles / decimation > 65536.0) {
        decimation += 1.0;
    }
    if (decimation > 65535.0) {
        return TMS_SENSOR_ECONFIG;
    }
    s->decimation = (uint16_t)decimation;
    period_cycles /= decimation;
    div_int = (uint32_t)period_cycles - 1u;
    div_frac = (uint32_t)((period_cycles - (double)(div_int + 1u)) * 256.0 + 0.5);
    if (div_frac == 256u) {
        div_int++;
        div_frac = 0u;
    }

    TMS_REG_WRITE(RESETS_RESET_CLR, RESET_ADC);
    while ((TMS_REG_READ(RESETS_RESET_DONE) & RESET_ADC) == 0u) {
        if (waited_us++ >= TMS_ADC_READY_TIMEOUT_US) {
            return TMS_SENSOR_EBUS;
        }
        tms_delay_us(1u);
    }
    TMS_REG_WRITE(CLK_ADC_DIV, 1u << 8);
    TMS_REG_WRITE(CLK_ADC_CTRL, CLK_ADC_ENABLE | CLK_ADC_AUXSRC_XOSC);
    for (c = 0u; c < s->channels && s->first_input != ADC_TEMPERATURE_INPUT; c++) {
        uint32_t gpio = 26u + s->first_input + c;
        TMS_REG_WRITE(PADS_BANK0_GPIO(gpio), PAD_OD);
        TMS_REG_WRITE(IO_BANK0_GPIO_CTRL(gpio), GPIO_FUNC_NULL);
    }
    TMS_REG_WRITE(ADC_CS, ADC_CS_EN | (s->first_input == ADC_TEMPERATURE_INPUT ? ADC_CS_TS_EN : 0u));
    waited_us = 0u;
    while ((TMS_REG_READ(ADC_CS) & ADC_CS_READY) == 0u) {
        if (waited_us++ >= TMS_ADC_READY_TIMEOUT_US) {
            return TMS_SENSOR_EBUS;
        }
        tms_delay_us(1u);
    }
    TMS_REG_WRITE(ADC_DIV, (div_int << 8) | div_frac);
    tms_adc_stop_and_drain();
    tms_adc_start(s);
    return TMS_SENSOR_OK;
}

static float tms_adc_value(const tms_rp2040_adc_t *s, uint32_t raw)
{
    if (s->first_input == ADC_TEMPERATURE_INPUT) {
        float volts = (float)raw * (3.3f / 4096.0f);
        return 27.0f - (volts - 0.706f) / 0.001721f;
    }
    return (float)raw / 4095.0f;
}

int tms_rp2040_adc_poll(tms_rp2040_adc_t *s, tms_sample_ring_t *ring)
{
    uint32_t fcs = TMS_REG_READ(ADC_FCS);
    uint32_t level = (fcs >> ADC_FCS_LEVEL_SHIFT) & 0xFu;
    int pushed = 0;
    while (level-- > 0u) {
        uint32_t entry = TMS_REG_READ(ADC_FIFO);
        /* the datasheet marks a failed conversion: the sample it belongs to is dropped whole,
         * so the round robin's channel order stays aligned */
        s->failed |= (entry & ADC_FIFO_ERR) != 0u;
        s->partial[s->filled++] = tms_adc_value(s, entry & 0xFFFu);
        if (s->filled < s->channels) {
            continue;
        }
        s->filled = 0u;
        if (s->failed) {
            s->failed = 0u;
            ring->overruns++;
            continue;
        }
        if (++s->rounds < s->decimation) {
            continue;
        }
        s->rounds = 0u;
        if (tms_ring_push(ring, s->partial) == 0) {
            pushed++;
        }
    }
    if (fcs & ADC_FCS_OVER) {
        ring->overruns++;
        if (s->channels > 1u) {
            tms_adc_stop_and_drain();
            s->filled = 0u;
            s->failed = 0u;
            tms_adc_start(s);
        } else {
            TMS_REG_WRITE(ADC_FCS, ADC_FCS_EN | ADC_FCS_ERR | ADC_FCS_THRESH_1 | ADC_FCS_OVER);
        }
    }
    return pushed;
}
