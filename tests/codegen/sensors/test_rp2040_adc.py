"""codegen/runtime/sensors/rp2040_adc.c against a register-level model of the RP2040 ADC (adc_model.py,
written from the RP2040 datasheet 4.9; a model, not the chip)."""
import ctypes

import numpy as np
import pytest

from tests.codegen.sensors.adc_model import AdcModel
from tests.hostmodel import build

EXTRA = r"""
#include "sensors/rp2040_adc.h"
static tms_rp2040_adc_t dev;
static float values[8 * 4];
static tms_sample_ring_t ring;
int t_init(uint8_t pin, float rate_hz, uint8_t channels)
{
    tms_sensor_bus_t b = {0u, 0u, pin, 0xFFu};
    tms_sensor_config_t cfg = {rate_hz, 0.0f, channels, 0u};
    tms_ring_init(&ring, values, 8u, channels);
    return tms_rp2040_adc_init(&dev, &b, &cfg);
}
int t_poll(void) { return tms_rp2040_adc_poll(&dev, &ring); }
int t_pop(float *out) { return tms_ring_pop(&ring, out); }
uint32_t t_overruns(void) { return ring.overruns; }
uint32_t t_decimation(void) { return dev.decimation; }
"""
OK, ECONFIG = 0, -12
TEMPERATURE = 0xFF


def _lib():
    lib = build(["sensors/rp2040_adc.c", "sensors/tms_sensor.c"], i2c=True, extra_c=EXTRA)
    lib.t_init.argtypes = [ctypes.c_uint8, ctypes.c_float, ctypes.c_uint8]
    return lib


def _drain(lib, channels):
    out, buf = [], (ctypes.c_float * channels)()
    while lib.t_pop(buf):
        out.append(list(buf))
    return out


def test_the_temperature_sensor_runs_free_with_ts_en_and_converts_by_the_datasheet_formula():
    lib, adc = _lib(), AdcModel(raw=(0, 0, 0, 0, 876))
    with lib.attached(mmio=adc):
        assert lib.t_init(TEMPERATURE, 10.0, 1) == OK
        pushed = 0
        for _ in range(lib.t_decimation() * 3):  # one pass of the divider's rate per poll
            adc.convert(1)
            pushed += lib.t_poll()
        assert pushed == 3 and lib.t_overruns() == 0
    assert adc.cs & 0b1011 == 0b1011 and adc.ainsel == 4      # EN, TS_EN, START_MANY; input 4
    volts = np.float32(876) * np.float32(3.3 / 4096)
    expected = 27.0 - (volts - 0.706) / 0.001721
    assert [v[0] for v in _drain(lib, 1)] == pytest.approx([expected] * 3, abs=1e-3)
    assert adc.memory[0x40008060] == (1 << 11) | (3 << 5)       # clk_adc on, from the crystal


@pytest.mark.parametrize("rate_hz", [10.0, 183.0, 1000.0, 44_100.0, 125_000.0])
def test_the_divider_and_decimation_give_the_node_rate(rate_hz):
    lib, adc = _lib(), AdcModel()
    with lib.attached(mmio=adc):
        assert lib.t_init(26, rate_hz, 1) == OK
    achieved = adc.conversions_per_s() / lib.t_decimation()
    assert achieved == pytest.approx(rate_hz, rel=1e-4)
    assert (adc.div >> 8) + 1 >= 96


def test_two_gpio_inputs_are_sampled_round_robin_into_two_channel_samples():
    lib, adc = _lib(), AdcModel(raw=(4095, 1024, 7, 7, 7))
    with lib.attached(mmio=adc):
        assert lib.t_init(26, 1000.0, 2) == OK
        adc.convert(4)
        assert lib.t_poll() == 2
    assert (adc.cs >> 16) & 0x1F == 0b00011
    assert _drain(lib, 2) == [[1.0, pytest.approx(1024 / 4095)]] * 2
    # the pads of GPIO26/27 are analog: output disabled, digital input off
    assert adc.memory[0x4001C004 + 4 * 26] == 1 << 7 and adc.memory[0x4001C004 + 4 * 27] == 1 << 7


def test_a_fifo_overflow_counts_an_overrun_and_keeps_the_channels_aligned():
    lib, adc = _lib(), AdcModel(raw=(100, 200, 7, 7, 7))
    with lib.attached(mmio=adc):
        lib.t_init(26, 1000.0, 2)
        adc.convert(7)                      # 4 fit, 3 are lost
        lib.t_poll()
        assert lib.t_overruns() == 1 and not adc.over
        adc.convert(4)
        lib.t_poll()
    samples = _drain(lib, 2)
    assert samples == [[pytest.approx(100 / 4095), pytest.approx(200 / 4095)]] * len(samples) and len(samples) == 4


def test_a_conversion_error_drops_its_sample_and_counts_it():
    lib, adc = _lib(), AdcModel(raw=(100, 200, 7, 7, 7))
    with lib.attached(mmio=adc):
        lib.t_init(26, 1000.0, 2)
        adc.fail_next = 1
        adc.convert(4)
        assert lib.t_poll() == 1
    assert lib.t_overruns() == 1
    assert _drain(lib, 2) == [[pytest.approx(100 / 4095), pytest.approx(200 / 4095)]]


@pytest.mark.parametrize("pin, rate_hz, channels", [
    (25, 100.0, 1),            # GPIO25 is not an ADC input
    (28, 100.0, 3),            # runs past GPIO29
    (TEMPERATURE, 1.0, 2),     # the temperature sensor is one channel
    (26, 200_000.0, 1),        # faster than 12 MHz / 96
])
def test_what_the_adc_cannot_do_is_refused(pin, rate_hz, channels):
    lib, adc = _lib(), AdcModel()
    with lib.attached(mmio=adc):
        assert lib.t_init(pin, rate_hz, channels) == ECONFIG
