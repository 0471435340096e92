"""codegen/runtime/sensors/tmp105.c against a model of the TMP105 (tmp105_model.py): init sequence,
resolution per rate, decoding, pacing and missed periods. The model is not the chip; the same
driver reads QEMU's TMP105 in tests/e2e/test_emulated_i2c.py."""
import ctypes
import tempfile
from pathlib import Path

from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.tmp105_model import Tmp105Model
from tests.hostmodel import I2CBus, build

CLOCK_HZ = 1_000_000  # one cycle per microsecond keeps the pacing arithmetic readable
_BOARD_DIR = Path(tempfile.gettempdir()) / "tms-hostmodel-board-1mhz"
_BOARD_DIR.mkdir(parents=True, exist_ok=True)
(_BOARD_DIR / "tms_board.h").write_text(f"#define TMS_CLOCK_HZ {CLOCK_HZ}u\n")

EXTRA = r"""
#include "sensors/tmp105.h"
#include "tms_timer.h"
static uint64_t t_now;
uint64_t tms_timer_cycles(void) { return t_now; }
void t_set_now(uint64_t cycles) { t_now = cycles; }
static tms_tmp105_t dev;
static float values[4];
static tms_sample_ring_t ring;
int t_init(uint8_t bus, uint8_t address, float rate_hz, uint8_t channels, uint8_t quantities)
{
    tms_sensor_bus_t b = {bus, address, 0xFFu, 0xFFu};
    tms_sensor_config_t cfg = {rate_hz, 0.0f, channels, quantities};
    tms_ring_init(&ring, values, 4u, 1u);
    return tms_tmp105_init(&dev, &b, &cfg);
}
int t_poll(void) { return tms_tmp105_poll(&dev, &ring); }
int t_pop(float *out) { return tms_ring_pop(&ring, out); }
uint32_t t_overruns(void) { return ring.overruns; }
uint8_t t_resolution(void) { return dev.resolution_bits; }
"""

OK, EBUS, EID, ECONFIG = 0, -10, -11, -12
TEMPERATURE = 1


def _lib():
    lib = build(["sensors/tmp105.c", "sensors/tms_sensor.c"], i2c=True, extra_c=EXTRA, include_dirs=[_BOARD_DIR])
    lib.t_init.argtypes = [ctypes.c_uint8, ctypes.c_uint8, ctypes.c_float, ctypes.c_uint8, ctypes.c_uint8]
    lib.t_set_now.argtypes = [ctypes.c_uint64]
    return lib


def _bus(chip=None, address=0x48):
    bus = I2CBus()
    if chip is not None:
        bus.attach(0, address, chip)
    return bus


def _pop(lib):
    out = ctypes.c_float()
    return out.value if lib.t_pop(ctypes.byref(out)) else None


def test_init_sets_12_bit_continuous_conversion_checks_it_and_waits_one_conversion():
    lib, chip = _lib(), Tmp105Model()
    bus = _bus(chip)
    with lib.attached(i2c=bus):
        assert lib.t_init(0, 0x48, 1.0, 1, TEMPERATURE) == OK
    assert [(a, w, r) for _, a, w, r in bus.log] == [(0x48, b"\x01\x60", b""), (0x48, b"\x01", b"\x60")]
    assert chip.config == 0x60 and lib.t_resolution() == 12
    assert lib.delays_us == [220_000]


def test_faster_rates_get_the_finest_resolution_whose_conversion_fits_the_period():
    expected = {1.0: 12, 4.0: 12, 5.0: 11, 8.0: 11, 10.0: 10, 20.0: 9, 100.0: 9}
    for rate_hz, bits in expected.items():
        lib, chip = _lib(), Tmp105Model()
        with lib.attached(i2c=_bus(chip)):
            assert lib.t_init(0, 0x48, rate_hz, 1, TEMPERATURE) == OK
        assert (lib.t_resolution(), chip.resolution_bits) == (bits, bits), rate_hz


@settings(max_examples=60, deadline=None)
@given(temperature_c=st.floats(-55.0, 125.0))
def test_a_reading_is_the_register_value_in_degrees_celsius(temperature_c):
    lib, chip = _lib(), Tmp105Model(temperature_c)
    with lib.attached(i2c=_bus(chip)):
        lib.t_set_now(0)
        assert lib.t_init(0, 0x48, 1.0, 1, TEMPERATURE) == OK
        assert lib.t_poll() == 1
    value = _pop(lib)
    assert value == chip.quantized_c()
    assert abs(value - temperature_c) <= 0.0625


def test_poll_reads_once_per_period_and_counts_missed_periods_as_overruns():
    lib, chip = _lib(), Tmp105Model(21.0)
    with lib.attached(i2c=_bus(chip)):
        lib.t_set_now(0)
        lib.t_init(0, 0x48, 2.0, 1, TEMPERATURE)  # period 500 000 cycles
        assert lib.t_poll() == 1
        lib.t_set_now(499_999)
        assert lib.t_poll() == 0
        lib.t_set_now(500_000)
        assert lib.t_poll() == 1
        assert lib.t_overruns() == 0
        lib.t_set_now(2_100_000)  # due at 1.0 s; 1.5 s and 2.0 s passed unread as well
        assert lib.t_poll() == 1
        assert lib.t_overruns() == 2
        lib.t_set_now(2_400_000)
        assert lib.t_poll() == 0  # the next is due at 2.5 s
    assert [_pop(lib), _pop(lib), _pop(lib), _pop(lib)] == [21.0, 21.0, 21.0, None]


def test_no_answer_at_the_address_is_a_bus_error():
    lib = _lib()
    with lib.attached(i2c=_bus(Tmp105Model(), address=0x49)):
        assert lib.t_init(0, 0x48, 1.0, 1, TEMPERATURE) == EBUS


def test_a_part_that_does_not_keep_the_configuration_is_not_a_tmp105():
    class OtherChip:
        def transfer(self, write, read_len):
            return bytes(read_len)

    lib = _lib()
    with lib.attached(i2c=_bus(OtherChip())):
        assert lib.t_init(0, 0x48, 1.0, 1, TEMPERATURE) == EID


def test_humidity_or_two_channels_are_refused_it_measures_temperature_only():
    lib = _lib()
    with lib.attached(i2c=_bus(Tmp105Model())):
        assert lib.t_init(0, 0x48, 1.0, 2, TEMPERATURE | 2) == ECONFIG
        assert lib.t_init(0, 0x48, 1.0, 1, 2) == ECONFIG
