"""The nRF52840 PDM driver (codegen/runtime/sensors/nrf52840_pdm.c) on the host, against the
register-level model of the PDM peripheral in models/nrf52840_pdm.py (a model, not the chip)."""
from __future__ import annotations

import ctypes

import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.models import nrf52840_pdm as pdm
from tests.codegen.sensors.driver_harness import drain, poll
from tests.hostmodel import build

N = 256  # TMS_NRF52840_PDM_BUFFER_SAMPLES
BUFS = 8  # TMS_NRF52840_PDM_BUFFERS
EXTRA = r"""
#include "sensors/nrf52840_pdm.h"
static tms_nrf52840_pdm_t state;
static float ring_values[4096];
static tms_sample_ring_t ring;
void *t_state(void) { return &state; }
int t_init(float rate_hz, uint8_t channels, uint8_t pin_a, uint8_t pin_b, uint32_t ring_capacity)
{
    tms_sensor_bus_t bus = {0u, 0u, pin_a, pin_b};
    tms_sensor_config_t cfg = {rate_hz, 0.0f, channels, 0u};
    tms_ring_init(&ring, ring_values, ring_capacity, 1u);
    return tms_nrf52840_pdm_init(&state, &bus, &cfg);
}
int t_poll(void) { return tms_nrf52840_pdm_poll(&state, &ring); }
int t_pop(float *out) { return tms_ring_pop(&ring, out); }
uint32_t t_overruns(void) { return ring.overruns; }
uint32_t t_buffer(uint32_t i) { return (uint32_t)(uintptr_t)state.buffers[i]; }
"""


@pytest.fixture(scope="module")
def lib():
    lib = build(["sensors/nrf52840_pdm.c", "sensors/tms_sensor.c"], extra_c=EXTRA)
    lib.t_state.restype = ctypes.c_void_p
    lib.t_buffer.restype = ctypes.c_uint32
    lib.t_overruns.restype = ctypes.c_uint32
    lib.t_init.argtypes = [ctypes.c_float, ctypes.c_uint8, ctypes.c_uint8, ctypes.c_uint8,
                           ctypes.c_uint32]
    return lib


def _start(lib, rate_hz=16000.0, channels=1, pin_a=0xFF, pin_b=0xFF, capacity=4096):
    model = pdm.Nrf52840PdmModel(lib.t_state())
    with lib.attached(mmio=model):
        rc = lib.t_init(rate_hz, channels, pin_a, pin_b, capacity)
    return model, rc



def _run(lib, model, samples):
    with lib.attached(mmio=model):
        model.feed(samples, lib.tms_nrf52840_pdm_irq_handler)



def test_init_sets_the_16khz_clock_ratio_mono_mode_gain_and_pins(lib):
    model, rc = _start(lib)
    assert rc == 0
    r = model.regs
    assert r[pdm.PDMCLKCTRL] == 0x0A000000  # 1.280 MHz
    assert r[pdm.RATIO] == 1                # RATIO 80: 1.280 MHz / 80 = 16 kHz
    assert r[pdm.MODE] & 1 == 1             # mono
    assert (r[pdm.GAINL], r[pdm.GAINR]) == (0x28, 0x28)  # 0 dB
    assert (r[pdm.PSEL_CLK], r[pdm.PSEL_DIN]) == (26, 25)  # P0.26, P0.25, connected
    assert r[pdm.ENABLE] == 1
    assert r[pdm.SAMPLE_MAXCNT] == N


def test_init_powers_the_microphone_from_p0_17(lib):
    model, _ = _start(lib)
    assert model.pin_cnf[17] & 0b11 == 0b11  # output, input buffer disconnected
    assert model.gpio_out & (1 << 17)


def test_init_enables_the_started_and_end_interrupts_in_the_pdm_and_the_nvic(lib):
    model, _ = _start(lib)
    assert model.inten & 0b101 == 0b101
    assert model.nvic_enabled & (1 << pdm.PDM_IRQN)


def test_a_20khz_rate_uses_ratio_64(lib):
    model, rc = _start(lib, rate_hz=20000.0)
    assert rc == 0 and model.regs[pdm.RATIO] == 0 and model.regs[pdm.PDMCLKCTRL] == 0x0A000000


@pytest.mark.parametrize("rate_hz,channels", [(8000.0, 1), (44100.0, 1), (16000.0, 2)])
def test_a_rate_or_channel_count_the_pdm_cannot_make_exactly_is_refused(lib, rate_hz, channels):
    model, rc = _start(lib, rate_hz=rate_hz, channels=channels)
    assert rc == -12  # TMS_SENSOR_ECONFIG
    assert not model.running


def test_explicit_pins_go_to_psel_with_the_port_bit(lib):
    model, _ = _start(lib, pin_a=32 + 9, pin_b=10)  # P1.09, P0.10
    assert (model.regs[pdm.PSEL_CLK], model.regs[pdm.PSEL_DIN]) == (0x29, 10)


def test_start_is_the_last_write_and_latches_the_first_buffer(lib):
    model, _ = _start(lib)
    assert model.log[-1] == ("w", pdm.TASKS_START, 1)
    assert model.latched == [lib.t_buffer(0)]


def test_buffers_are_queued_on_started_and_filled_in_turn(lib):
    model, _ = _start(lib)
    full = BUFS + 2
    _run(lib, model, [0] * (full * N))
    bufs = [lib.t_buffer(i) for i in range(BUFS)]
    assert len(set(bufs)) == BUFS
    assert model.latched == [bufs[k % BUFS] for k in range(full + 1)]
    # each pointer was written after the STARTED that latched the one before it
    assert model.ptr_writes == [bufs[k % BUFS] for k in range(full + 2)]


def test_samples_arrive_as_int16_over_32768(lib):
    model, _ = _start(lib)
    values = [-32768, 32767, 0, 1, -1, 16384] + [0] * (N - 6)
    _run(lib, model, values)
    assert poll(lib, model) == N
    got = drain(lib)
    assert got[:6] == [-1.0, 32767 / 32768, 0.0, 1 / 32768, -1 / 32768, 0.5]


def test_a_buffer_in_progress_is_not_delivered(lib):
    model, _ = _start(lib)
    _run(lib, model, [7] * (N - 1))
    assert poll(lib, model) == 0


def test_buffers_the_consumer_did_not_take_in_time_count_as_overruns(lib):
    model, _ = _start(lib)
    stream = list(range((BUFS + 2) * N))  # buffer k holds k*N .. k*N+N-1 (as int16)
    _run(lib, model, stream)
    poll(lib, model)
    got = [round(v * 32768) for v in drain(lib)]
    # buffers 0-2 were (being) refilled before poll came: lost whole and counted; the rest delivered
    assert got == stream[3 * N:]
    assert lib.t_overruns() == 3 * N


def test_poll_may_pause_for_all_but_two_buffers_without_a_loss(lib):
    model, _ = _start(lib)
    stream = list(range((BUFS - 1) * N))
    _run(lib, model, stream + [0] * (N - 1))  # the next buffer is being filled, nearly full
    poll(lib, model)
    assert [round(v * 32768) for v in drain(lib)] == stream
    assert lib.t_overruns() == 0


def test_a_full_ring_counts_the_samples_it_cannot_take(lib):
    model, _ = _start(lib, capacity=N // 2 + 1)
    _run(lib, model, [100] * N)
    assert poll(lib, model) == N // 2
    assert lib.t_overruns() == N - N // 2


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, (BUFS + 1) * N), st.booleans()), min_size=1, max_size=12))
def test_every_sample_is_delivered_in_order_or_counted_lost(lib, steps):
    model, _ = _start(lib)
    produced, delivered = 0, []
    for count, poll_now in steps:
        _run(lib, model, [(produced + i) % 32768 for i in range(count)])
        produced += count
        if poll_now:
            poll(lib, model)
            delivered += [round(v * 32768) for v in drain(lib)]
    poll(lib, model)
    delivered += [round(v * 32768) for v in drain(lib)]
    complete = (produced // N) * N  # only whole buffers are delivered
    assert len(delivered) + lib.t_overruns() == complete
    expected = [i % 32768 for i in range(complete)]
    it = iter(expected)
    assert all(any(d == e for e in it) for d in delivered)  # an ordered subsequence
    # what is lost is whole buffers
    assert lib.t_overruns() % N == 0


def test_a_second_init_stops_the_running_transfer_before_reconfiguring(lib):
    model, _ = _start(lib)
    _run(lib, model, list(range(2 * N + 10)))
    with lib.attached(mmio=model):
        assert lib.t_init(16000.0, 1, 0xFF, 0xFF, 4096) == 0   # would raise on ENABLE=0 while running
    writes = [a for (_, a, _) in model.log]
    assert writes.index(pdm.TASKS_STOP) < len(writes) - 1 - writes[::-1].index(pdm.ENABLE)
    assert model.running and model.latched[-1] == lib.t_buffer(0)
    _run(lib, model, [5] * N)
    assert poll(lib, model) == N and set(drain(lib)) == {5 / 32768}
