"""The STM32L4 DFSDM1 driver (codegen/runtime/sensors/stm32l4_dfsdm.c) on the host, against the
register-level model of DFSDM1 in models/stm32l4_dfsdm.py (a model, not the chip)."""
from __future__ import annotations

import ctypes
import math

import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models import stm32l4_dfsdm as dfsdm
from tests.codegen.sensors.driver_harness import drain, poll
from tests.hostmodel import build

FIFO = 2048  # TMS_STM32L4_DFSDM_FIFO_SAMPLES
EXTRA = r"""
#include "sensors/stm32l4_dfsdm.h"
static tms_stm32l4_dfsdm_t state;
static float ring_values[8192];
static tms_sample_ring_t ring;
int t_init(float rate_hz, uint8_t channels, uint32_t ring_capacity)
{
    tms_sensor_bus_t bus = {0u, 0u, 0xFFu, 0xFFu};
    tms_sensor_config_t cfg = {rate_hz, 0.0f, channels, 0u};
    tms_ring_init(&ring, ring_values, ring_capacity, 1u);
    return tms_stm32l4_dfsdm_init(&state, &bus, &cfg);
}
int t_poll(void) { return tms_stm32l4_dfsdm_poll(&state, &ring); }
int t_pop(float *out) { return tms_ring_pop(&ring, out); }
uint32_t t_overruns(void) { return ring.overruns; }
"""


@pytest.fixture(scope="module")
def lib():
    lib = build(["sensors/stm32l4_dfsdm.c", "sensors/tms_sensor.c"], extra_c=EXTRA)
    lib.t_init.argtypes = [ctypes.c_float, ctypes.c_uint8, ctypes.c_uint32]
    lib.t_overruns.restype = ctypes.c_uint32
    return lib


def _start(lib, rate_hz=16000.0, channels=1, capacity=8192):
    model = dfsdm.Stm32l4DfsdmModel()
    with lib.attached(mmio=model):
        rc = lib.t_init(rate_hz, channels, capacity)
    return model, rc




def test_16khz_is_a_3_2mhz_microphone_clock_and_a_sinc4_fosr_200(lib):
    model, rc = _start(lib)
    assert rc == 0
    assert model.ckout_div == 25 and KERNEL_MHZ(model) == 3.2
    assert (model.ford, model.fosr, model.iosr) == (4, 200, 1)
    assert dfsdm.KERNEL_HZ // model.ckout_div // (model.fosr * model.iosr) == 16000


def KERNEL_MHZ(model) -> float:
    return dfsdm.KERNEL_HZ / model.ckout_div / 1e6


def test_the_right_shift_brings_full_scale_into_16_bits(lib):
    model, _ = _start(lib)
    shift, gain = model.dtrbs(2), 200 ** 4
    assert gain >> shift <= 32767 < gain >> (shift - 1)


def test_channel_2_reads_the_rising_edge_microphone_on_its_own_pins_through_ckout(lib):
    model, _ = _start(lib)
    cfg1 = model.cfg1(2)
    assert cfg1 & dfsdm.CHEN
    assert (cfg1 >> 2) & 3 == 1      # SPICKSEL: internal CKOUT
    assert cfg1 & 3 == 0             # SITP: SPI, rising edge
    assert not cfg1 & (1 << 8)       # CHINSEL: DATIN2 itself
    assert (cfg1 >> 12) & 3 == 0     # DATMPX: external serial input
    assert model.rch == 2


def test_init_enables_the_interface_the_filter_and_continuous_conversion(lib):
    model, _ = _start(lib)
    cr1 = model.regs[dfsdm.FLT0_CR1]
    assert model.cfg1(0) & dfsdm.DFSDMEN and cr1 & dfsdm.DFEN
    assert cr1 & dfsdm.RCONT and cr1 & dfsdm.FAST
    assert model.converting
    assert model.regs[dfsdm.FLT0_CR2] & (dfsdm.REOCIE | dfsdm.ROVRIE) == dfsdm.REOCIE | dfsdm.ROVRIE
    assert model.nvic[1] & (1 << (dfsdm.IRQN - 32))


def test_init_clocks_dfsdm1_from_sysclk_and_routes_pe7_pe9_to_af6(lib):
    model, _ = _start(lib)
    r = model.regs
    assert r[dfsdm.RCC_AHB2ENR] & (1 << 4) and r[dfsdm.RCC_APB2ENR] & (1 << 24)
    assert r[dfsdm.RCC_CCIPR] & (1 << 31)
    assert (r[dfsdm.GPIOE_MODER] >> 14) & 3 == 2 and (r[dfsdm.GPIOE_MODER] >> 18) & 3 == 2
    assert r[dfsdm.GPIOE_MODER] | (0xF << 14) | (0x3 << 18) == 0xFFFFFFFF  # other pins untouched
    assert (r[dfsdm.GPIOE_AFRL] >> 28) == 6 and (r[dfsdm.GPIOE_AFRH] >> 4) & 0xF == 6


@settings(max_examples=60, deadline=None)
@given(rate=st.integers(1000, 100000))
def test_any_rate_is_split_exactly_within_the_microphones_clock_range_or_refused(lib, rate):
    model, rc = _start(lib, rate_hz=float(rate))
    if rc != 0:
        assert rc == -12
        # refused only when no divider in 1.0-3.25 MHz gives an integer FOSR <= 215
        assert not any(dfsdm.KERNEL_HZ % (d * rate) == 0 and dfsdm.KERNEL_HZ // (d * rate) <= 215
                       for d in range(25, 81))
        return
    assert model.ckout_div * model.fosr * rate == dfsdm.KERNEL_HZ
    assert 1_000_000 <= dfsdm.KERNEL_HZ / model.ckout_div <= 3_250_000
    assert model.fosr <= 215


@pytest.mark.parametrize("rate_hz,channels", [(44100.0, 1), (16000.5, 1), (16000.0, 2), (-5.0, 1)])
def test_a_rate_without_an_exact_split_or_two_channels_is_refused(lib, rate_hz, channels):
    model, rc = _start(lib, rate_hz=rate_hz, channels=channels)
    assert rc == -12
    assert not model.converting


def test_rdatar_values_scale_to_plus_minus_one_at_the_filters_full_scale(lib):
    model, _ = _start(lib)
    shift, gain = model.dtrbs(2), 200 ** 4
    values = [0, 1, -1, 24414, -24414, 12207, 32767, -32768]
    with lib.attached(mmio=model):
        for v in values:
            model.complete(v, lib.tms_stm32l4_dfsdm_irq_handler)
    assert poll(lib, model) == len(values)
    got = drain(lib)
    assert got == pytest.approx([v * 2 ** shift / gain for v in values], rel=1e-6, abs=1e-9)
    assert got[3] == pytest.approx(1.0, abs=1e-4) and got[4] == pytest.approx(-1.0, abs=1e-4)


def _pdm_to_pcm(lib, model, bits, skip=8):
    with lib.attached(mmio=model):
        model.feed_pdm(bits, cpu_irq=lib.tms_stm32l4_dfsdm_irq_handler)
    poll(lib, model)
    return drain(lib)[skip:]  # the Sinc4 filter's start-up outputs


def test_a_pdm_stream_of_all_ones_is_plus_full_scale_and_all_zeros_minus(lib):
    model, _ = _start(lib)
    assert _pdm_to_pcm(lib, model, [1] * 200 * 20) == pytest.approx([1.0] * 12, abs=1e-4)
    model, _ = _start(lib)
    assert _pdm_to_pcm(lib, model, [0] * 200 * 20) == pytest.approx([-1.0] * 12, abs=1e-4)


def test_a_quarter_density_stream_is_minus_one_half(lib):
    model, _ = _start(lib)
    got = _pdm_to_pcm(lib, model, [1, 0, 0, 0] * 50 * 20)
    assert got == pytest.approx([-0.5] * 12, abs=1e-4)


def test_the_falling_edge_microphone_is_not_what_channel_2_reads(lib):
    model, _ = _start(lib)
    with lib.attached(mmio=model):
        model.feed_pdm([1] * 4000, falling=[0] * 4000, cpu_irq=lib.tms_stm32l4_dfsdm_irq_handler)
    poll(lib, model)
    assert all(v > 0.99 for v in drain(lib)[8:])


def test_a_conversion_the_interrupt_did_not_read_in_time_counts_as_an_overrun(lib):
    model, _ = _start(lib)
    with lib.attached(mmio=model):
        model.complete(100)       # the interrupt is late (no handler ran) ...
        model.complete(200)       # ... so this one is lost: ROVRF
        lib.tms_stm32l4_dfsdm_irq_handler()
        model.complete(300, lib.tms_stm32l4_dfsdm_irq_handler)
    poll(lib, model)
    shift = model.dtrbs(2)
    assert [round(v * 200 ** 4 / 2 ** shift) for v in drain(lib)] == [100, 300]
    assert lib.t_overruns() == 1
    assert not model.isr & dfsdm.ROVRF


def test_conversions_beyond_the_fifo_while_poll_is_away_count_as_overruns(lib):
    model, _ = _start(lib)
    with lib.attached(mmio=model):
        for i in range(FIFO + 5):
            model.complete(i % 1000, lib.tms_stm32l4_dfsdm_irq_handler)
    assert poll(lib, model) == FIFO
    assert lib.t_overruns() == 5
    shift = model.dtrbs(2)
    assert [round(v * 200 ** 4 / 2 ** shift) for v in drain(lib)] == [i % 1000 for i in range(FIFO)]


def test_overruns_are_reported_once(lib):
    model, _ = _start(lib)
    with lib.attached(mmio=model):
        model.complete(1)
        model.complete(2)
        lib.tms_stm32l4_dfsdm_irq_handler()
    poll(lib, model)
    poll(lib, model)
    assert lib.t_overruns() == 1


def _sigma_delta(signal):
    """A second-order sigma-delta modulator: the bit stream a PDM microphone sends for `signal`."""
    i1 = i2 = 0.0
    y = 1.0
    bits = []
    for x in signal:
        i1 += x - y
        i2 += i1 - y
        y = 1.0 if i2 >= 0 else -1.0
        bits.append(1 if y > 0 else 0)
    return bits


def test_a_1khz_tone_comes_out_at_its_amplitude_less_the_sinc4_droop(lib):
    model, _ = _start(lib)
    f_in = dfsdm.KERNEL_HZ / model.ckout_div                      # 3.2 MHz bit clock
    n = int(f_in * 0.025)
    bits = _sigma_delta([0.5 * math.sin(2 * math.pi * 1000 * k / f_in) for k in range(n)])
    with lib.attached(mmio=model):
        model.feed_pdm(bits, cpu_irq=lib.tms_stm32l4_dfsdm_irq_handler)
    poll(lib, model)
    pcm = drain(lib)[8:]
    # least-squares amplitude of the 1 kHz component (output sample k+8 at (k+8)/16 kHz)
    t = [(k + 8) / 16000 for k in range(len(pcm))]
    s = sum(v * math.sin(2 * math.pi * 1000 * tk) for v, tk in zip(pcm, t))
    c = sum(v * math.cos(2 * math.pi * 1000 * tk) for v, tk in zip(pcm, t))
    amplitude = 2 * math.hypot(s, c) / len(pcm)
    r = model.fosr
    droop = (math.sin(math.pi * 1000 * r / f_in) / (r * math.sin(math.pi * 1000 / f_in))) ** 4
    assert amplitude == pytest.approx(0.5 * droop, rel=0.005)
