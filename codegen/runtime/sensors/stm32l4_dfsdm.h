/* STM32L4 DFSDM1 driver for the B-L475E-IOT01A's MP34DT01 PDM microphones.
 * Follows: ST RM0351 (STM32L47x/48x/49x/4Ax reference manual), chapter "Digital filter for
 * sigma delta modulators (DFSDM)": serial transceivers (SPI mode, SPICKSEL internal CKOUT, SITP
 * edge), "Output clock generation" (CKOUTDIV, CKOUTSRC), "Digital filter configuration" (Sinc
 * order FORD, FOSR, IOSR; output = +-FOSR^order for a 1-bit input whose 1/0 count as +1/-1), "Data
 * unit block" (DTRBS right shift with rounding, 24-bit result), "Regular channel conversion"
 * (RCH, RCONT, FAST, RSWSTART), "DFSDM interrupts" (REOCF cleared by reading RDATAR, ROVRF) and the
 * register map; RCC chapter (AHB2ENR, APB2ENR, CCIPR.DFSDM1SEL); GPIO chapter (MODER, AFRL/AFRH).
 * Pins: UM2153 (B-L475E-IOT01A user manual) and the STM32L475xx datasheet's alternate functions:
 * DFSDM1_CKOUT on PE9 (AF6), DFSDM1_DATIN2 on PE7 (AF6); both microphones share DATIN2, one
 * strobed on CKOUT's rising edge, the other on the falling edge; this driver reads the
 * rising-edge one (channel 2, SITP=0), mono.
 *
 * Clock and filter, from the 80 MHz kernel clock (SYSCLK): 80 MHz / rate = CKOUT divider x FOSR;
 * the driver takes the smallest divider (fastest microphone clock, largest FOSR) that keeps CKOUT
 * inside the MP34DT01's 1.0-3.25 MHz clock range and FOSR <= 215 (a Sinc4 filter's 32-bit
 * limit): for 16 kHz, CKOUT = 80 MHz / 25 = 3.2 MHz, Sinc4, FOSR 200 (gain 200^4), right shift 16
 * so the result fits 16 bits (full scale 24414); poll multiplies by 2^16 / 200^4, so full scale
 * is exactly +-1.0.
 *
 * Data path: the DFSDM_FLT0 interrupt (IRQ 61; one conversion per interrupt, 16 000/s, a few
 * dozen cycles each) moves RDATAR into a software FIFO in this struct; poll converts the FIFO into
 * the sample ring. DMA was judged too much for the time available; the interrupt keeps the
 * pipeline's inference from dropping samples as long as the FIFO (TMS_STM32L4_DFSDM_FIFO_SAMPLES,
 * 128 ms at 16 kHz by default) outlasts the time poll is not called. Lost samples (FIFO full, or
 * ROVRF: the interrupt came too late and the DFSDM dropped a conversion; the DFSDM does not say
 * how many, so one is counted per ROVRF) are added to ring->overruns by poll. */
#ifndef TMS_STM32L4_DFSDM_H
#define TMS_STM32L4_DFSDM_H
#include <stdint.h>
#include "tms_sensor.h"

#ifndef TMS_STM32L4_DFSDM_KERNEL_HZ
#define TMS_STM32L4_DFSDM_KERNEL_HZ 80000000u  /* SYSCLK of the board glue */
#endif
#ifndef TMS_STM32L4_DFSDM_FIFO_SAMPLES
#define TMS_STM32L4_DFSDM_FIFO_SAMPLES 2048u   /* a power of two */
#endif

typedef struct {
    int16_t fifo[TMS_STM32L4_DFSDM_FIFO_SAMPLES];
    volatile uint32_t head;      /* conversions stored (interrupt handler) */
    volatile uint32_t lost;      /* conversions lost (interrupt handler) */
    uint32_t tail;               /* conversions converted (poll) */
    uint32_t lost_reported;      /* lost already added to a ring's overruns (poll) */
    float scale;                 /* RDATA -> PCM full scale +-1: 2^shift / FOSR^4 */
    uint16_t ckout_div;          /* kernel clock / CKOUT */
    uint16_t fosr;
    uint8_t shift;               /* DTRBS */
} tms_stm32l4_dfsdm_t;

/* rate: any rate with an exact divider x FOSR split (16000, 8000, 32000, ...); channels 1.
 * bus is unused: the board's microphones are wired to DFSDM1 channel 2 (PE9/PE7). */
int tms_stm32l4_dfsdm_init(tms_stm32l4_dfsdm_t *s, const tms_sensor_bus_t *bus,
                           const tms_sensor_config_t *cfg);
int tms_stm32l4_dfsdm_poll(tms_stm32l4_dfsdm_t *s, tms_sample_ring_t *ring);
/* The DFSDM_FLT0 interrupt's work for driver state s ... */
void tms_stm32l4_dfsdm_irq(tms_stm32l4_dfsdm_t *s);
/* ... and the handler for the vector table (slot 16 + 61): the instance init started last */
void tms_stm32l4_dfsdm_irq_handler(void);

#endif
