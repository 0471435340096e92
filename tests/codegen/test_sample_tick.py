"""The SysTick settings of the sample tick the firmware sleeps between (codegen.sample_tick)."""
import pytest
from hypothesis import given, strategies as st

from codegen.sample_tick import SYSTICK_MAX_CYCLES, sample_tick
from studio.core.errors import BadInput


def test_audio_is_ticked_in_blocks_of_640_every_40_ms():
    t = sample_tick(25_000_000, 16_000.0)
    assert (t.cycles_per_wrap, t.wraps_per_tick, t.samples_per_tick) == (1_000_000, 1, 640)
    assert t.rate_error == 0.0


def test_a_period_longer_than_systick_counts_is_split_into_equal_wraps():
    t = sample_tick(25_000_000, 1.0)   # 25 M cycles > 2^24
    assert (t.cycles_per_wrap, t.wraps_per_tick, t.samples_per_tick) == (12_500_000, 2, 1)


@pytest.mark.parametrize("rate_hz", [0.0, -5.0, float("nan"), float("inf")])
def test_a_rate_that_is_not_a_positive_number_is_refused(rate_hz):
    with pytest.raises(BadInput):
        sample_tick(25_000_000, rate_hz)


@given(st.integers(1_000_000, 480_000_000), st.floats(0.05, 100_000.0))
def test_the_tick_fits_systick_and_keeps_the_rate_within_a_tenth_of_a_percent(clock_hz, rate_hz):
    t = sample_tick(clock_hz, rate_hz)
    assert 2 <= t.cycles_per_wrap <= SYSTICK_MAX_CYCLES
    assert abs(t.rate_error) < 1e-3


@pytest.mark.parametrize("board_id, wfi", [("qemu-mps2-an386", "1"), ("b-l475e-iot01a", "1"), ("rpi-pico", "1"),
                                          ("nano33ble", "1")])
def test_generated_firmware_paces_the_samples_and_sleeps_only_where_the_tick_can_wake_the_core(
        board_id, wfi, tmp_path):
    from pathlib import Path

    from codegen.project_firmware import generate
    from studio.core.boards import boards
    from studio.core.project import load_project

    root = Path(__file__).resolve().parents[2]
    project = load_project(root / "sample_projects" / "gesture" / "gesture.tinyml")
    if board_id == "rpi-pico":  # no accelerometer on the Pico: one wired to its I2C0
        project.graph.node("imu").props.update(source="external", part="mpu6050", bus="i2c0")
    generate(project, tmp_path / "fw", boards().get(board_id))
    assert f"#define TMS_SLEEP_WFI {wfi}\n" in (tmp_path / "fw" / "src" / "tms_board.h").read_text()
    pipeline = (tmp_path / "fw" / "src" / "pipeline.c").read_text()
    clock_hz = boards().get(board_id).clock_hz
    assert f"tms_power_init({clock_hz // 25}u, 1u);" in pipeline   # 100 Hz IMU: 4 samples a tick
    # replayed: a block of 4 samples per tick; read through a driver: the stage sleeps until the next
    # tick while the part's FIFO has nothing ready, and drains it when it has
    assert ("block_end = i + 4u;" in pipeline if board_id.startswith("qemu")
            else "#define TMS_WAIT_FOR_SAMPLE() ((void)tms_wait_for_tick())" in pipeline)
    assert "tms_wait_for_tick()" in pipeline and "tms_print_power(seq);" in pipeline


@pytest.mark.parametrize("board_id, source, vector", [
    ("b-l475e-iot01a", "runtime/tms_power.c", None),                    # SysTick runs in sleep
    ("nano33ble", "runtime/board/nrf52840_rtc_tick.c",                  # SysTick stops: RTC1, IRQ 17
     "    tms_nrf52840_rtc1_irq_handler, /* IRQ 17 */")])
def test_the_tick_source_and_its_wake_up_vector_are_the_boards(board_id, source, vector, tmp_path):
    from pathlib import Path

    from codegen.project_firmware import generate
    from studio.core.boards import boards
    from studio.core.project import load_project

    root = Path(__file__).resolve().parents[2]
    project = load_project(root / "sample_projects" / "gesture" / "gesture.tinyml")
    generate(project, tmp_path / "fw", boards().get(board_id))
    makefile = (tmp_path / "fw" / "Makefile").read_text()
    assert source in makefile
    assert ("runtime/tms_power.c" in makefile) == (source == "runtime/tms_power.c")
    board_h = (tmp_path / "fw" / "src" / "tms_board.h").read_text()
    assert (vector in board_h) if vector else "TMS_DEVICE_VECTORS" not in board_h


def test_an_rtc_tick_counts_the_same_period_on_the_32768_hz_clock():
    t = sample_tick(64_000_000, 25.0, tick_clock_hz=32768)
    assert t.tick_counts * 25 == 32768                   # 1310.72 counts, the fraction carried over
    assert "RTC compare every 1310 18/25 counts of 32768 Hz" in t.comment
