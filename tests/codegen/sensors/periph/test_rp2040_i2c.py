"""codegen/runtime/board/rp2040_i2c.c against a register-level model of the RP2040's DW_apb_i2c
(dw_i2c_model.py, written from the RP2040 datasheet; a model, not the chip)."""
import subprocess
import tempfile
from pathlib import Path

from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.periph.dw_i2c_model import (IC_CON, IC_FS_SCL_HCNT, IC_FS_SCL_LCNT, IC_FS_SPKLEN,
                                                         IC_SDA_HOLD, DwI2cModel)
from tests.codegen.sensors.periph.harness import i2c_library, write, write_read
from tests.codegen.sensors.periph.i2c_target import I2CTargets, RegisterTarget
from tests.hostmodel import RUNTIME

OK, NACK, TIMEOUT, BAD_BUS = 0, -1, -2, -3
I2C0, I2C1 = 0x40044000, 0x40048000
CLK_SYS_HZ = 125_000_000
_BOARD = Path(tempfile.gettempdir()) / "tms-hostmodel-board-rp2040"
_BOARD.mkdir(parents=True, exist_ok=True)
(_BOARD / "tms_board.h").write_text(f"#define TMS_CLOCK_HZ {CLK_SYS_HZ}u\n")


def _setup(base=I2C0, defines=()):
    targets = I2CTargets()
    lib = i2c_library("board/rp2040_i2c.c", defines=defines, include_dirs=[_BOARD])
    return lib, DwI2cModel(base, targets), targets


def test_init_releases_reset_programs_400_khz_fast_mode_then_gives_gpio4_gpio5_to_i2c0():
    lib, model, _ = _setup()
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(0) == OK
    assert model.memory[0x4000C000 + 0x3000] == 1 << 3  # RESETS: clear I2C0's reset
    assert model.regs[IC_CON] == 0x0165
    assert model.memory[0x40014004 + 8 * 4] == 3 and model.memory[0x40014004 + 8 * 5] == 3
    assert model.memory[0x4001C004 + 4 * 4] & (1 << 6)  # input enabled on the pad
    assert model.problems == []


def test_the_fast_mode_counts_give_400_khz_within_the_i2c_limits():
    lib, model, _ = _setup()
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
    r = model.regs
    cycle_ns = 1e9 / CLK_SYS_HZ
    low_ns = (r[IC_FS_SCL_LCNT] + 1) * cycle_ns
    high_ns = (r[IC_FS_SCL_HCNT] + r[IC_FS_SPKLEN] + 7) * cycle_ns
    assert low_ns >= 1300 and high_ns >= 600                      # UM10204 fast mode
    assert 390_000 <= 1e9 / (low_ns + high_ns) <= 400_000
    assert r[IC_FS_SPKLEN] * cycle_ns >= 50                       # spikes to 50 ns suppressed
    assert r[IC_SDA_HOLD] * cycle_ns >= 300


def test_a_register_read_is_write_restart_read_stop():
    lib, model, targets = _setup()
    targets.attach(0x68, RegisterTarget({0x75: 0x71, 0x76: 0x22}))
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write_read(lib, 0, 0x68, b"\x75", 2) == (OK, b"\x71\x22")
    assert targets.frames() == [[(0x68, "W", b"\x75"), (0x68, "R", b"\x71\x22")]]
    assert model.problems == []


def test_a_write_ends_with_stop():
    lib, model, targets = _setup()
    target = RegisterTarget()
    targets.attach(0x68, target)
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write(lib, 0, 0x68, b"\x6B\x01") == OK
    assert targets.frames() == [[(0x68, "W", b"\x6B\x01")]] and target.registers[0x6B] == 1


def test_an_address_nobody_answers_is_an_abort_reported_as_nack():
    lib, model, targets = _setup()
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write_read(lib, 0, 0x68, b"\x75", 1)[0] == NACK
        # the abort is cleared: the next transfer to a device that answers works
        targets.attach(0x69, RegisterTarget({0x75: 0x12}))
        assert write_read(lib, 0, 0x69, b"\x75", 1) == (OK, b"\x12")
    assert targets.frames()[0] == [(0x68, "w?", b"")]


def test_a_stuck_bus_is_a_timeout():
    lib, model, targets = _setup()
    targets.attach(0x68, RegisterTarget())
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        model.stuck = True
        assert write_read(lib, 0, 0x68, b"\x75", 1)[0] == TIMEOUT
    assert lib.t_delay_total() >= 20_000


def test_bus_1_uses_i2c1_and_its_pins_and_bad_buses_or_empty_transfers_are_refused():
    lib, model, targets = _setup(I2C1, defines=["TMS_RP2040_I2C1_SDA=26u", "TMS_RP2040_I2C1_SCL=27u"])
    targets.attach(0x1E, RegisterTarget({0x4F: 0x40}))
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(1) == OK
        assert write_read(lib, 1, 0x1E, b"\x4F", 1) == (OK, b"\x40")
        assert lib.tms_i2c_init(2) == BAD_BUS
        assert write(lib, 1, 0x1E, b"") == BAD_BUS
    assert model.memory[0x40014004 + 8 * 26] == 3 and model.memory[0x40014004 + 8 * 27] == 3


def test_a_pin_that_cannot_carry_the_bus_does_not_compile():
    proc = subprocess.run(["gcc", "-std=c99", "-fsyntax-only", "-DTMS_HOST_MODEL", "-DTMS_RP2040_I2C0_SDA=5u",
                           f"-I{RUNTIME}", f"-I{_BOARD}", str(RUNTIME / "board" / "rp2040_i2c.c")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "I2C0 takes SDA" in proc.stderr


@settings(max_examples=20, deadline=None)
@given(pointer=st.integers(0, 0x7F), payload=st.binary(min_size=1, max_size=40))
def test_what_is_written_reads_back(pointer, payload):
    lib, model, targets = _setup()
    targets.attach(0x44, RegisterTarget())
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write(lib, 0, 0x44, bytes([pointer]) + payload) == OK
        assert write_read(lib, 0, 0x44, bytes([pointer]), len(payload)) == (OK, payload)
