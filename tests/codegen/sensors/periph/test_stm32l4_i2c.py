"""codegen/runtime/board/stm32l4_i2c.c against a register-level model of the STM32L4 I2C peripheral
(stm32_i2c_model.py, written from RM0351; a model, not the chip), and its TIMINGR constants against
RM0351 39.4.5's timing formulas and the I2C-bus specification's limits (UM10204 table 10)."""
import re

from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.periph.harness import i2c_library, write, write_read
from tests.codegen.sensors.periph.i2c_target import I2CTargets, RegisterTarget
from tests.codegen.sensors.periph.stm32_i2c_model import Stm32I2cModel
from tests.hostmodel import RUNTIME

OK, NACK, TIMEOUT, BAD_BUS = 0, -1, -2, -3
I2C1, I2C2 = 0x40005400, 0x40005800
GPIOB = 0x48000400
I2CCLK_HZ = 80_000_000


def _setup(base=I2C2, defines=()):
    targets = I2CTargets()
    return i2c_library("board/stm32l4_i2c.c", defines=defines), Stm32I2cModel(base, targets), targets


def test_init_clocks_gpiob_and_i2c2_sets_pb10_pb11_to_af4_open_drain_then_timing_then_enables():
    lib, model, _ = _setup()
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(2) == OK
    mem = model.memory
    assert mem[0x4002104C] & (1 << 1) and mem[0x40021058] & (1 << 22)
    assert (mem[GPIOB + 0x00] >> 20) & 0xF == 0b1010          # PB10, PB11 alternate function
    assert (mem[GPIOB + 0x24] >> 8) & 0xFF == 0x44             # AF4 for both
    assert mem[GPIOB + 0x04] & (0b11 << 10) == 0b11 << 10      # open drain
    assert model.timingr_writes == [0x9032040C] and model.problems == []
    assert model.cr1 & 1


def test_a_register_read_is_write_then_repeated_start_read_with_autoend():
    lib, model, targets = _setup()
    targets.attach(0x5F, RegisterTarget({0x0F: 0xBC, 0x10: 0x1B}))
    with lib.attached(mmio=model):
        lib.tms_i2c_init(2)
        assert write_read(lib, 2, 0x5F, b"\x0F", 2) == (OK, b"\xBC\x1B")
    assert targets.frames() == [[(0x5F, "W", b"\x0F"), (0x5F, "R", b"\xBC\x1B")]]
    assert model.problems == []


def test_a_write_ends_with_stop():
    lib, model, targets = _setup()
    target = RegisterTarget()
    targets.attach(0x6A, target)
    with lib.attached(mmio=model):
        lib.tms_i2c_init(2)
        assert write(lib, 2, 0x6A, b"\x10\x60") == OK
    assert targets.frames() == [[(0x6A, "W", b"\x10\x60")]] and target.registers[0x10] == 0x60
    assert not model._busy


def test_an_address_nobody_answers_is_a_nack_and_the_flags_are_cleared():
    lib, model, targets = _setup()
    with lib.attached(mmio=model):
        lib.tms_i2c_init(2)
        assert write_read(lib, 2, 0x5F, b"\x0F", 1)[0] == NACK
    assert targets.frames() == [[(0x5F, "w?", b"")]]
    assert model.flags & 0x30 == 0


def test_a_bus_held_busy_is_a_timeout_and_a_software_reset():
    lib, model, targets = _setup()
    targets.attach(0x5F, RegisterTarget())
    with lib.attached(mmio=model):
        lib.tms_i2c_init(2)
        model.stuck = True
        assert write_read(lib, 2, 0x5F, b"\x0F", 1)[0] == TIMEOUT
    assert model.cr1 & 1 and lib.t_delay_total() >= 20_000


def test_bus_1_is_i2c1_on_pb8_pb9_and_other_buses_are_refused():
    lib, model, targets = _setup(I2C1)
    targets.attach(0x68, RegisterTarget({0x75: 0x71}))
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(1) == OK
        assert write_read(lib, 1, 0x68, b"\x75", 1) == (OK, b"\x71")
        assert lib.tms_i2c_init(0) == BAD_BUS and lib.tms_i2c_init(3) == BAD_BUS
    assert model.memory[0x40021058] & (1 << 21)
    assert model.memory[GPIOB + 0x24] & 0xFF == 0x44


def test_100_khz_is_selected_by_its_define():
    lib, model, _ = _setup(defines=["TMS_STM32_I2C_HZ=100000"])
    with lib.attached(mmio=model):
        lib.tms_i2c_init(2)
    assert model.timingr_writes == [0xF0621318]


@settings(max_examples=20, deadline=None)
@given(pointer=st.integers(0, 0x7F), payload=st.binary(min_size=1, max_size=40))
def test_what_is_written_reads_back(pointer, payload):
    lib, model, targets = _setup()
    targets.attach(0x44, RegisterTarget())
    with lib.attached(mmio=model):
        lib.tms_i2c_init(2)
        assert write(lib, 2, 0x44, bytes([pointer]) + payload) == OK
        assert write_read(lib, 2, 0x44, bytes([pointer]), len(payload)) == (OK, payload)


def _timingr(name: str) -> int:
    text = (RUNTIME / "board" / "stm32l4_i2c.c").read_text()
    return int(re.search(rf"#define {name} (0x[0-9A-F]+)u", text).group(1), 16)


def _timing(value: int, rise_ns: float, fall_ns: float) -> dict[str, float]:
    """RM0351 39.4.5: times from TIMINGR at I2CCLK; the sync delays are fall/rise + 2 I2CCLK."""
    presc, scldel, sdadel = value >> 28, (value >> 20) & 0xF, (value >> 16) & 0xF
    sclh, scll = (value >> 8) & 0xFF, value & 0xFF
    clk_ns = 1e9 / I2CCLK_HZ
    t_presc = (presc + 1) * clk_ns
    low = (scll + 1) * t_presc
    high = (sclh + 1) * t_presc
    period = low + high + (fall_ns + 2 * clk_ns) + (rise_ns + 2 * clk_ns)
    return {"low_ns": low, "high_ns": high, "scl_hz": 1e9 / period,
            "setup_ns": (scldel + 1) * t_presc - rise_ns, "hold_ns": sdadel * t_presc}


def test_the_100_khz_timing_meets_standard_mode_limits():
    t = _timing(_timingr("TMS_STM32_TIMINGR_100K"), rise_ns=1000, fall_ns=300)
    assert t["low_ns"] >= 4700 and t["high_ns"] >= 4000
    assert 90_000 <= t["scl_hz"] <= 100_000
    assert t["setup_ns"] >= 250 and 0 <= t["hold_ns"] <= 3450


def test_the_400_khz_timing_meets_fast_mode_limits():
    t = _timing(_timingr("TMS_STM32_TIMINGR_400K"), rise_ns=300, fall_ns=300)
    assert t["low_ns"] >= 1300 and t["high_ns"] >= 600
    assert 300_000 <= t["scl_hz"] <= 400_000
    assert t["setup_ns"] >= 100 and 0 <= t["hold_ns"] <= 900
