"""codegen/runtime/board/nrf52840_i2c.c (TWIM + EasyDMA) against a register-level model of the TWIM
(twim_model.py): a model written from the nRF52840 Product Specification, not the chip."""
import ctypes

from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.periph.harness import i2c_library, write, write_read
from tests.codegen.sensors.periph.i2c_target import I2CTargets, RegisterTarget
from tests.codegen.sensors.periph.twim_model import ENABLE, FREQUENCY, PSEL_SCL, PSEL_SDA, TwimModel

OK, NACK, TIMEOUT, BAD_BUS = 0, -1, -2, -3
TWIM0, TWIM1 = 0x40003000, 0x40004000


def _setup(base=TWIM0):
    lib = i2c_library("board/nrf52840_i2c.c")
    tx, rx = ctypes.c_void_p(), ctypes.c_void_p()
    lib.tms_twim_host_buffers(ctypes.byref(tx), ctypes.byref(rx))
    dma = {tx.value & 0xFFFFFFFF: tx.value, rx.value & 0xFFFFFFFF: rx.value}
    targets = I2CTargets()
    return lib, TwimModel(base, targets, dma), targets


def test_init_powers_the_sensors_and_pull_ups_then_sets_pins_400_khz_and_enables():
    lib, model, _ = _setup()
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(0) == OK
    # P0.22 (VDD_ENV) and P1.00 (pull-ups) driven high: OUTSET then DIRSET on their ports
    assert (0x50000508, 1 << 22) in model.gpio_writes and (0x50000518, 1 << 22) in model.gpio_writes
    assert (0x50000808, 1 << 0) in model.gpio_writes and (0x50000818, 1 << 0) in model.gpio_writes
    # SCL P0.15, SDA P0.14 as S0D1 inputs with no pull
    assert (0x50000700 + 4 * 15, 6 << 8) in model.gpio_writes and (0x50000700 + 4 * 14, 6 << 8) in model.gpio_writes
    assert (model.regs[PSEL_SCL], model.regs[PSEL_SDA]) == (15, 14)
    assert model.regs[FREQUENCY] == 0x06400000 and model.regs[ENABLE] == 6
    assert lib.t_delay_total() >= 10_000  # sensors get time to boot after power-up


def test_a_register_read_is_one_repeated_start_transfer_by_shortcuts():
    lib, model, targets = _setup()
    targets.attach(0x5F, RegisterTarget({0x0F: 0xBC}))
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write_read(lib, 0, 0x5F, b"\x0F", 1) == (OK, b"\xBC")
    assert targets.frames() == [[(0x5F, "W", b"\x0F"), (0x5F, "R", b"\xBC")]]
    assert model.problems == []


def test_a_write_sends_every_byte_then_stops():
    lib, model, targets = _setup()
    target = RegisterTarget()
    targets.attach(0x6A, target)
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write(lib, 0, 0x6A, b"\x10\x40\x55") == OK
    assert targets.frames() == [[(0x6A, "W", b"\x10\x40\x55")]]
    assert target.registers[0x10:0x12] == b"\x40\x55"


def test_an_address_nobody_answers_is_a_nack_ended_by_the_stop_task():
    lib, model, targets = _setup()
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        status, _ = write_read(lib, 0, 0x5F, b"\x0F", 1)
    assert status == NACK
    assert targets.frames() == [[(0x5F, "w?", b"")]]
    assert model.regs.get(0x4C4, 0) == 0  # ERRORSRC cleared for the next transfer


def test_a_stuck_bus_is_a_timeout_after_20_ms():
    lib, model, targets = _setup()
    targets.attach(0x5F, RegisterTarget())
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        before = lib.t_delay_total()
        model.stuck = True
        status, _ = write_read(lib, 0, 0x5F, b"\x0F", 1)
    assert status == TIMEOUT
    assert 20_000 <= lib.t_delay_total() - before < 40_000


def test_bus_1_is_twim1_on_the_header_and_unknown_buses_or_oversized_transfers_are_refused():
    lib, model, targets = _setup(TWIM1)
    targets.attach(0x68, RegisterTarget({0x75: 0x68}))
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(1) == OK
        assert write_read(lib, 1, 0x68, b"\x75", 1) == (OK, b"\x68")
        assert lib.tms_i2c_init(2) == BAD_BUS
        assert write_read(lib, 1, 0x68, b"\x75", 129)[0] == BAD_BUS
    assert (model.regs[PSEL_SCL], model.regs[PSEL_SDA]) == (2, 31)


@settings(max_examples=20, deadline=None)
@given(pointer=st.integers(0, 0x7F), payload=st.binary(min_size=1, max_size=64))
def test_what_is_written_reads_back_through_easydma(pointer, payload):
    lib, model, targets = _setup()
    targets.attach(0x44, RegisterTarget())
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write(lib, 0, 0x44, bytes([pointer]) + payload) == OK
        assert write_read(lib, 0, 0x44, bytes([pointer]), len(payload)) == (OK, payload)
