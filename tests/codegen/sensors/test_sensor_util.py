"""The decimator and ODR choice every chip driver shares (codegen/runtime/sensors/tms_sensor_util.h),
on the host: exactly floor(N * rate / odr) outputs from N chip samples, each the mean of the chip
samples merged into it."""
import ctypes
import math

from hypothesis import given, settings, strategies as st

from tests.hostmodel import build

EXTRA = r"""
#include "sensors/tms_sensor_util.h"
static tms_decim_t d;
static float values[4096];
static tms_sample_ring_t ring;
void t_init(float rate_hz, uint32_t odr_mhz)
{
    tms_ring_init(&ring, values, 4096u, 1u);
    tms_decim_init(&d, rate_hz, odr_mhz, 1u);
}
int t_feed(float x) { return tms_decim_push(&d, &ring, &x); }
int t_pop(float *out) { return tms_ring_pop(&ring, out); }
int t_pick(float rate_hz) { static const uint32_t t[] = {1000u, 12500u, 14900u, 119000u}; return tms_pick_odr(t, 4, rate_hz); }
"""


def _lib():
    lib = build(["sensors/tms_sensor.c"], i2c=True, extra_c=EXTRA)
    lib.t_init.argtypes = [ctypes.c_float, ctypes.c_uint32]
    lib.t_feed.argtypes = [ctypes.c_float]
    lib.t_pick.argtypes = [ctypes.c_float]
    return lib


@settings(max_examples=80, deadline=None)
@given(odr_mhz=st.integers(1000, 2_000_000), frac=st.floats(0.01, 1.0),
       xs=st.lists(st.integers(-1000, 1000), min_size=1, max_size=600))
def test_the_decimator_emits_exactly_rate_over_odr_of_the_samples_as_means(odr_mhz, frac, xs):
    rate_hz = odr_mhz * frac / 1000.0
    rate_mhz = int(ctypes.c_float(rate_hz).value * 1000.0 + 0.5)
    if rate_mhz > odr_mhz or rate_mhz == 0:
        return
    lib = _lib()
    lib.t_init(rate_hz, odr_mhz)
    emitted = [lib.t_feed(float(x)) for x in xs]
    assert sum(emitted) == len(xs) * rate_mhz // odr_mhz
    out, got = ctypes.c_float(), []
    while lib.t_pop(ctypes.byref(out)):
        got.append(out.value)
    start = 0
    means = []
    for i, e in enumerate(emitted):
        if e:
            chunk = xs[start:i + 1]
            means.append(sum(chunk) / len(chunk))
            start = i + 1
    assert all(math.isclose(g, m, rel_tol=1e-5, abs_tol=1e-3) for g, m in zip(got, means))
    assert len(got) == len(means)


def test_the_output_data_rate_is_the_first_in_the_table_at_or_above_the_rate():
    lib = _lib()
    assert [lib.t_pick(r) for r in (0.5, 1.0, 1.01, 12.5, 14.9, 100.0, 119.0, 119.5, 0.0, -1.0)] == \
        [0, 0, 1, 1, 2, 3, 3, -1, -1, -1]
