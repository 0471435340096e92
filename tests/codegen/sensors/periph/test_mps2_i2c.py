"""codegen/runtime/board/mps2_i2c.c (the SBCon bit-banged I2C master) against a register-level model
of SBCon and the bus lines (sbcon_model.py): a model, not the FPGA. The same C runs in QEMU in
tests/e2e/test_emulated_i2c.py against QEMU's own SBCon + TMP105."""
from hypothesis import given, settings, strategies as st

from tests.codegen.sensors.periph.harness import i2c_library, write, write_read
from tests.codegen.sensors.periph.i2c_target import I2CTargets, RegisterTarget
from tests.codegen.sensors.periph.sbcon_model import SbconModel

OK, NACK, TIMEOUT, BAD_BUS = 0, -1, -2, -3
BASES = [0x40022000, 0x40023000, 0x40029000, 0x4002A000]


def _setup(bus=0):
    targets = I2CTargets()
    model = SbconModel(BASES[bus], targets)
    return i2c_library("board/mps2_i2c.c"), model, targets


def test_a_register_read_is_start_address_write_pointer_repeated_start_address_read_stop():
    lib, model, targets = _setup()
    targets.attach(0x48, RegisterTarget({0x00: 0x17, 0x01: 0x80}))
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(0) == OK
        status, data = write_read(lib, 0, 0x48, b"\x00", 2)
    assert status == OK and data == b"\x17\x80"
    assert targets.frames() == [[(0x48, "W", b"\x00"), (0x48, "R", b"\x17\x80")]]
    assert (model.starts, model.stops) == (2, 1)
    assert model.scl() == 1 and model.sda() == 1  # the bus is left idle
    assert model.foreign == []


def test_a_write_sends_every_byte_to_the_target():
    lib, model, targets = _setup()
    target = RegisterTarget()
    targets.attach(0x48, target)
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        assert write(lib, 0, 0x48, b"\x01\x60\xAA") == OK
    assert targets.frames() == [[(0x48, "W", b"\x01\x60\xAA")]]
    assert target.registers[1] == 0x60 and target.registers[2] == 0xAA


def test_no_device_at_the_address_is_a_nack_and_the_bus_is_stopped():
    lib, model, targets = _setup()
    with lib.attached(mmio=model):
        lib.tms_i2c_init(0)
        status, _ = write_read(lib, 0, 0x48, b"\x00", 2)
    assert status == NACK
    assert targets.frames() == [[(0x48, "w?", b"")]]
    assert model.stops == 1 and model.scl() == 1 and model.sda() == 1


def test_a_clock_held_low_is_a_timeout_not_a_hang():
    lib, model, targets = _setup()
    targets.attach(0x48, RegisterTarget())
    model.scl_stuck_low = True
    with lib.attached(mmio=model):
        status, _ = write_read(lib, 0, 0x48, b"\x00", 1)
    assert status == TIMEOUT
    # it gave up after the stretch limit (10 ms), not at once and not never
    assert 10_000 <= lib.t_delay_total() < 100_000


def test_data_held_low_gets_nine_clocks_then_is_a_timeout():
    lib, model, targets = _setup()
    model.sda_stuck_low = True
    with lib.attached(mmio=model):
        status, _ = write_read(lib, 0, 0x48, b"\x00", 1)
    assert status == TIMEOUT
    assert model.starts == 0


def test_each_bus_number_drives_its_own_sbcon_and_an_unknown_bus_is_refused():
    for bus in range(4):
        lib, model, targets = _setup(bus)
        targets.attach(0x1A, RegisterTarget({5: 0x42}))
        with lib.attached(mmio=model):
            assert write_read(lib, bus, 0x1A, b"\x05", 1) == (OK, b"\x42")
        assert model.foreign == []
    lib, model, _ = _setup()
    with lib.attached(mmio=model):
        assert lib.tms_i2c_init(4) == BAD_BUS
        assert write(lib, 4, 0x48, b"\x00") == BAD_BUS
    assert model.accesses == []


@settings(max_examples=25, deadline=None)
@given(address=st.integers(0x08, 0x77), pointer=st.integers(0, 0xF0), payload=st.binary(min_size=1, max_size=6))
def test_what_is_written_reads_back_through_the_bit_banged_bus(address, pointer, payload):
    lib, model, targets = _setup()
    targets.attach(address, RegisterTarget())
    with lib.attached(mmio=model):
        assert write(lib, 0, address, bytes([pointer]) + payload) == OK
        assert write_read(lib, 0, address, bytes([pointer]), len(payload)) == (OK, payload)
