/* STM32L4 DFSDM1 driver (MP34DT01 microphones of the B-L475E-IOT01A).
 * Follows: RM0351, DFSDM chapter (register map: channel y at 0x20*y: CHyCFGR1, CHyCFGR2; filter x at
 * 0x100 + 0x80*x: FLTxCR1, FLTxCR2, FLTxISR, FLTxICR, FLTxFCR, FLTxRDATAR; the rule that CKOUTDIV
 * changes only while DFSDMEN=0, a channel's configuration only while CHEN=0, a filter's FCR/CR1
 * configuration only while DFEN=0, and that RSWSTART acts only once DFEN=1), RCC chapter (AHB2ENR
 * GPIOEEN bit 4, APB2ENR DFSDM1EN bit 24, CCIPR DFSDM1SEL bit 31 = SYSCLK), GPIO chapter; UM2153
 * and the STM32L475xx datasheet for PE9/PE7 AF6. Clock, filter, scaling and data path: see
 * stm32l4_dfsdm.h. */
#include "stm32l4_dfsdm.h"
#include "tms_mmio.h"

#define DFSDM1_BASE 0x40016000u
#define CH_CFGR1(y) (DFSDM1_BASE + 0x20u * (y))
#define CH_CFGR2(y) (DFSDM1_BASE + 0x20u * (y) + 0x04u)
#define FLT(x) (DFSDM1_BASE + 0x100u + 0x80u * (x))
#define FLT0_CR1 (FLT(0) + 0x00u)
#define FLT0_CR2 (FLT(0) + 0x04u)
#define FLT0_ISR (FLT(0) + 0x08u)
#define FLT0_ICR (FLT(0) + 0x0Cu)
#define FLT0_FCR (FLT(0) + 0x14u)
#define FLT0_RDATAR (FLT(0) + 0x1Cu)

#define CFGR1_DFSDMEN (1u << 31)
#define CFGR1_CKOUTDIV_SHIFT 16u
#define CFGR1_CHEN (1u << 7)
#define CFGR1_SPICKSEL_CKOUT (1u << 2)  /* SPI clock = internal CKOUT */
#define CFGR1_SITP_SPI_RISING 0u
#define CFGR2_DTRBS_SHIFT 3u
#define CR1_DFEN (1u << 0)
#define CR1_RSWSTART (1u << 17)
#define CR1_RCONT (1u << 18)
#define CR1_RCH_SHIFT 24u
#define CR1_FAST (1u << 29)
#define CR2_REOCIE (1u << 1)
#define CR2_ROVRIE (1u << 3)
#define ISR_REOCF (1u << 1)
#define ISR_ROVRF (1u << 3)
#define ICR_CLRROVRF (1u << 3)
#define FCR_FORD_SINC4 (4u << 29)
#define FCR_FOSR_SHIFT 16u

#define MIC_CHANNEL 2u         /* DATIN2 */
#define SINC_ORDER 4u
#define FOSR_MAX_SINC4 215u    /* 215^4 < 2^31 */
#define MIC_CLK_MIN_HZ 1000000u
#define MIC_CLK_MAX_HZ 3250000u
#define DFSDM1_FLT0_IRQN 61u

#define RCC_AHB2ENR 0x4002104Cu
#define RCC_APB2ENR 0x40021060u
#define RCC_CCIPR 0x40021088u
#define GPIOE_MODER 0x48001000u
#define GPIOE_AFRL 0x48001020u
#define GPIOE_AFRH 0x48001024u
#define NVIC_ISER(n) (0xE000E100u + 4u * (n))

typedef char tms_stm32l4_dfsdm_fifo_is_a_power_of_two
    [(TMS_STM32L4_DFSDM_FIFO_SAMPLES & (TMS_STM32L4_DFSDM_FIFO_SAMPLES - 1u)) == 0u ? 1 : -1];

static tms_stm32l4_dfsdm_t *active;

static void reg_modify(uint32_t address, uint32_t clear, uint32_t set)
{
    TMS_REG_WRITE(address, (TMS_REG_READ(address) & ~clear) | set);
}

/* the divider x FOSR split of kernel/rate: smallest divider in the microphone's clock range */
static int choose_clock(uint32_t rate_hz, uint16_t *div, uint16_t *fosr)
{
    uint32_t total, d;
    if (rate_hz == 0u || TMS_STM32L4_DFSDM_KERNEL_HZ % rate_hz != 0u) {
        return -1;
    }
    total = TMS_STM32L4_DFSDM_KERNEL_HZ / rate_hz;
    for (d = (TMS_STM32L4_DFSDM_KERNEL_HZ + MIC_CLK_MAX_HZ - 1u) / MIC_CLK_MAX_HZ;
         d <= TMS_STM32L4_DFSDM_KERNEL_HZ / MIC_CLK_MIN_HZ && d <= 256u; d++) {
        if (total % d == 0u && total / d <= FOSR_MAX_SINC4) {
            *div = (uint16_t)d;
            *fosr = (uint16_t)(total / d);
            return 0;
        }
    }
    return -1;
}

int tms_stm32l4_dfsdm_init(tms_stm32l4_dfsdm_t *s, const tms_sensor_bus_t *bus,
                           const tms_sensor_config_t *cfg)
{
    uint32_t rate_hz, gain, full_scale, i;
    (void)bus;
    if (!(cfg->rate_hz >= 1.0f && cfg->rate_hz <= 1000000.0f)) {
        return TMS_SENSOR_ECONFIG;
    }
    rate_hz = (uint32_t)cfg->rate_hz;
    if (cfg->channels != 1u || (float)rate_hz != cfg->rate_hz ||
        choose_clock(rate_hz, &s->ckout_div, &s->fosr) != 0) {
        return TMS_SENSOR_ECONFIG;
    }
    gain = 1u;
    for (i = 0u; i < SINC_ORDER; i++) {
        gain *= s->fosr;  /* <= 215^4 < 2^31 */
    }
    /* the smallest right shift that brings full scale into 16 bits */
    s->shift = 0u;
    for (full_scale = gain; full_scale > 32767u; full_scale >>= 1) {
        s->shift++;
    }
    s->scale = (float)(1u << s->shift) / (float)gain;
    s->head = 0u;
    s->tail = 0u;
    s->lost = 0u;
    s->lost_reported = 0u;
    active = s;

    /* clocks: GPIOE, DFSDM1 with SYSCLK as its kernel clock */
    reg_modify(RCC_AHB2ENR, 0u, 1u << 4);
    reg_modify(RCC_APB2ENR, 0u, 1u << 24);
    reg_modify(RCC_CCIPR, 0u, 1u << 31);
    /* PE7 (DATIN2) and PE9 (CKOUT): alternate function 6 */
    reg_modify(GPIOE_MODER, (3u << 14) | (3u << 18), (2u << 14) | (2u << 18));
    reg_modify(GPIOE_AFRL, 0xFu << 28, 6u << 28);
    reg_modify(GPIOE_AFRH, 0xFu << 4, 6u << 4);

    /* everything off before configuring (the RM's modify-only-while-disabled rules) */
    reg_modify(FLT0_CR1, CR1_DFEN, 0u);
    reg_modify(CH_CFGR1(MIC_CHANNEL), CFGR1_CHEN, 0u);
    reg_modify(CH_CFGR1(0u), CFGR1_DFSDMEN, 0u);

    /* CKOUT = kernel clock / (CKOUTDIV + 1), from the system clock (CKOUTSRC = 0) */
    reg_modify(CH_CFGR1(0u), (0xFFu << CFGR1_CKOUTDIV_SHIFT) | (1u << 30),
               (uint32_t)(s->ckout_div - 1u) << CFGR1_CKOUTDIV_SHIFT);
    /* channel 2: its own pins, SPI on CKOUT, rising edge, external serial data, no packing */
    TMS_REG_WRITE(CH_CFGR1(MIC_CHANNEL), CFGR1_SPICKSEL_CKOUT | CFGR1_SITP_SPI_RISING);
    TMS_REG_WRITE(CH_CFGR2(MIC_CHANNEL), (uint32_t)s->shift << CFGR2_DTRBS_SHIFT);
    /* filter 0: Sinc4, FOSR, no integrator (IOSR = 1); continuous regular conversions of channel 2 */
    TMS_REG_WRITE(FLT0_FCR, FCR_FORD_SINC4 | ((uint32_t)(s->fosr - 1u) << FCR_FOSR_SHIFT));
    TMS_REG_WRITE(FLT0_CR1, (MIC_CHANNEL << CR1_RCH_SHIFT) | CR1_RCONT | CR1_FAST);
    TMS_REG_WRITE(FLT0_CR2, CR2_REOCIE | CR2_ROVRIE);
    TMS_REG_WRITE(NVIC_ISER(DFSDM1_FLT0_IRQN / 32u), 1u << (DFSDM1_FLT0_IRQN % 32u));

    reg_modify(CH_CFGR1(MIC_CHANNEL), 0u, CFGR1_CHEN);
    reg_modify(CH_CFGR1(0u), 0u, CFGR1_DFSDMEN);
    reg_modify(FLT0_CR1, 0u, CR1_DFEN);
    reg_modify(FLT0_CR1, 0u, CR1_RSWSTART);
    return TMS_SENSOR_OK;
}

void tms_stm32l4_dfsdm_irq(tms_stm32l4_dfsdm_t *s)
{
    uint32_t status = TMS_REG_READ(FLT0_ISR);
    if (status & ISR_ROVRF) {
        TMS_REG_WRITE(FLT0_ICR, ICR_CLRROVRF);
        s->lost++;  /* at least one conversion; the DFSDM does not count them */
    }
    if (status & ISR_REOCF) {
        /* RDATA is bits 31:8, signed; reading RDATAR clears REOCF */
        int32_t value = (int32_t)(TMS_REG_READ(FLT0_RDATAR) & 0xFFFFFF00u) / 256;
        uint32_t head = s->head;
        if (head - s->tail >= TMS_STM32L4_DFSDM_FIFO_SAMPLES) {
            s->lost++;
        } else {
            if (value > 32767) {
                value = 32767;  /* a full run of ones whose gain / 2^shift rounds up to 32768 */
            }
            s->fifo[head % TMS_STM32L4_DFSDM_FIFO_SAMPLES] = (int16_t)value;
            s->head = head + 1u;
        }
    }
}

void tms_stm32l4_dfsdm_irq_handler(void)
{
    if (active != 0) {
        tms_stm32l4_dfsdm_irq(active);
    }
}

int tms_stm32l4_dfsdm_poll(tms_stm32l4_dfsdm_t *s, tms_sample_ring_t *ring)
{
    uint32_t head = s->head;
    uint32_t lost = s->lost;
    int pushed = 0;
    while (s->tail != head) {
        float v = (float)s->fifo[s->tail % TMS_STM32L4_DFSDM_FIFO_SAMPLES] * s->scale;
        if (tms_ring_push(ring, &v) == 0) {
            pushed++;
        }
        s->tail++;
    }
    ring->overruns += lost - s->lost_reported;
    s->lost_reported = lost;
    return pushed;
}
