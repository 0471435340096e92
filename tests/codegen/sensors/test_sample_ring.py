"""The sample ring every sensor driver fills (codegen/runtime/sensors/tms_sensor.c), on the host."""
import ctypes

from hypothesis import given, settings, strategies as st

from tests.hostmodel import build

EXTRA = r"""
#include "sensors/tms_sensor.h"
static float ring_values[8 * 3];
static tms_sample_ring_t ring;
void t_init(uint32_t capacity, uint8_t channels) { tms_ring_init(&ring, ring_values, capacity, channels); }
int t_push(const float *s) { return tms_ring_push(&ring, s); }
int t_pop(float *out) { return tms_ring_pop(&ring, out); }
uint32_t t_count(void) { return tms_ring_count(&ring); }
uint32_t t_overruns(void) { return ring.overruns; }
"""


def _lib():
    return build(["sensors/tms_sensor.c"], extra_c=EXTRA)


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(st.one_of(st.just("pop"), st.floats(-1e3, 1e3, width=32)), max_size=60),
       capacity=st.integers(2, 8))
def test_the_ring_is_a_fifo_that_counts_every_dropped_sample(ops, capacity):
    lib = _lib()
    lib.t_init(capacity, 3)
    model, dropped = [], 0
    sample = (ctypes.c_float * 3)()
    for op in ops:
        if op == "pop":
            got = lib.t_pop(sample)
            assert got == (1 if model else 0)
            if model:
                assert list(sample) == model.pop(0)
        else:
            values = [op, op + 1, op - 1]
            sample[:] = values
            stored = lib.t_push(sample) == 0
            if len(model) < capacity - 1:
                assert stored
                model.append(list(sample))
            else:
                assert not stored
                dropped += 1
        assert lib.t_count() == len(model)
    assert lib.t_overruns() == dropped
