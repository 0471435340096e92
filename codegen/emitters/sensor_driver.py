"""The firmware's driver-fed sensor stage: a sensor node whose binding (``codegen.sensor_binding``)
says ``source: driver`` reads its part through ``codegen/runtime/sensors/<part>.c`` (the contract of
``tms_sensor.h``) instead of the replay table or the host stream.

The stage declares the driver's struct, a sample ring and the part's bus and configuration; it
starts the driver once (``tms_<part>_init``, at start-up, not per clip), and per sample polls the
driver into the ring until a sample is there and pops it into the sensor's output buffer. While the
part has nothing ready the stage waits in ``TMS_WAIT_FOR_SAMPLE()`` (pipeline.c.j2: asleep until the
next sample tick where the board has one), inside the sensor stage, which the main loop times apart
from DSP time; polling before sleeping reads a due sample at once, never late. A part
that does not start (or stops answering) prints a protocol ``log`` error line naming the node and the
part; the emulated board then exits (TMS_EXIT_SENSOR_ERROR), a real board retries once a second.

Ring size: one hop of the window the sensor feeds (the samples that arrive while a frame's DSP and the
model run, which validation holds to less than a hop's time) plus ``RING_MARGIN_SAMPLES`` for jitter,
plus the one slot the ring keeps free; without a window, the margin alone.
"""
from __future__ import annotations

from codegen.cnames import c_identifier, json_string_literal
from codegen.firmware_boards import board_glue
from codegen.firmware import RUNTIME_DIR
from codegen.sensor_binding import SensorBinding
from codegen.stage import StageCode, buffer_name
from studio.core.errors import BadInput

RING_MARGIN_SAMPLES = 4
# tms_sample_ring_t on a 32-bit core, and a driver's struct (parts keep a few words of state)
RING_STRUCT_BYTES = 24
DRIVER_STATE_BYTES = 48
_QUANTITIES = {"temperature": 1, "humidity": 2, "both": 3, "pressure": 4}
NOT_PINNED = 0xFF


def ring_capacity_samples(hop_samples: int | None) -> int:
    """Slots of the ring (one stays free): a hop + the margin + 1."""
    return (hop_samples or 0) + RING_MARGIN_SAMPLES + 1


def i2c_glue_source(board) -> str:
    """The board family's tms_i2c.h implementation (relative to codegen/runtime)."""
    rel = f"board/{board_glue(board).family}_i2c.c"
    if not (RUNTIME_DIR / rel).is_file():
        raise BadInput(f"board '{board.id}': no I2C bus glue for its MCU family ({rel})")
    return rel


def driver_sensor_stage(node_id: str, props, out_elements: int, binding: SensorBinding, board,
                        hop_samples: int | None) -> StageCode:
    part = binding.part
    ident = c_identifier(node_id)
    buf = buffer_name(node_id, "out")
    n = out_elements
    cap = ring_capacity_samples(hop_samples)
    drv, ring, status = f"tms_drv_{ident}", f"tms_ring_{ident}", f"tms_drv_{ident}_status"
    sources = [f"sensors/{part}.c", "sensors/tms_sensor.c", "sensors/tms_i2c.h", "board/tms_delay.c"]
    if binding.bus_kind == "i2c":
        sources += [i2c_glue_source(board), "tms_mmio.h"]
    elif (RUNTIME_DIR / "tms_mmio.h").is_file():
        sources.append("tms_mmio.h")
    quantities = _QUANTITIES.get(str(props.get("quantities", "")), 0)
    full_scale = float(props.get("range_g", 0) or 0)
    pin_a = _pin(props)
    names = f"{json_string_literal(node_id)}, {json_string_literal(part)}"
    start = (f"{status} = tms_{part}_init(&{drv}, &tms_bus_{ident}, &tms_cfg_{ident});\n")
    declarations = "\n".join([
        f"static float {buf}[{n}];",
        f"/* {binding.describe()} through its driver; the ring holds {cap - 1} samples: "
        f"{hop_samples or 0} (one hop) + {RING_MARGIN_SAMPLES} */",
        f"static tms_{part}_t {drv};",
        f"static float {ring}_values[{cap}u * {n}u];",
        f"static tms_sample_ring_t {ring};",
        f"static int {status} = 1; /* 1: not started yet */",
        f"static const tms_sensor_bus_t tms_bus_{ident} = {{{binding.bus_index}u, "
        f"0x{(binding.address or 0):02X}u, {pin_a}u, {NOT_PINNED}u}};",
        f"static const tms_sensor_config_t tms_cfg_{ident} = {{{float(props.get('rate_hz', 1.0))!r}f, "
        f"{full_scale!r}f, {n}u, {quantities}u}};",
    ])
    init = (f"if ({status} == 1) {{\n"
            f"    tms_ring_init(&{ring}, {ring}_values, {cap}u, {n}u);\n"
            f"    tms_report_overruns(&{ring}.overruns);\n"
            f"    {start}"
            f"    if ({status} != TMS_SENSOR_OK) {{\n"
            f"        tms_print_sensor_error({names}, \"did not start\", {status});\n"
            f"        tms_board_finish(TMS_EXIT_SENSOR_ERROR);\n"
            f"    }}\n"
            f"}}")
    run = (f"for (;;) {{\n"
           f"    int status;\n"
           f"    if ({status} != TMS_SENSOR_OK) {{\n"
           f"        /* a real board retries once a second, saying why each time */\n"
           f"        tms_delay_us(1000000u);\n"
           f"        {start}"
           f"        if ({status} != TMS_SENSOR_OK) {{\n"
           f"            tms_print_sensor_error({names}, \"did not start\", {status});\n"
           f"            continue;\n"
           f"        }}\n"
           f"    }}\n"
           f"    status = tms_{part}_poll(&{drv}, &{ring});\n"
           f"    if (status < 0) {{\n"
           f"        tms_print_sensor_error({names}, \"read failed\", status);\n"
           f"        tms_board_finish(TMS_EXIT_SENSOR_ERROR);\n"
           f"        {status} = status;\n"
           f"        continue;\n"
           f"    }}\n"
           f"    if (tms_ring_pop(&{ring}, {buf})) {{\n"
           f"        break;\n"
           f"    }}\n"
           f"    TMS_WAIT_FOR_SAMPLE();\n"
           f"}}")
    return StageCode(
        node_id=node_id, mode="sample", sources=tuple(sources),
        includes=("sensors/tms_sensor.h", "sensors/tms_i2c.h", f"sensors/{part}.h"),
        declarations=declarations, init=init, run=run,
        ram_bytes=4 * n + 4 * cap * n + RING_STRUCT_BYTES + DRIVER_STATE_BYTES,
        extra={"sensor_source": "driver"})


def _pin(props) -> int:
    """pin_a of tms_sensor_bus_t: an ADC node's input as its GPIO where the part maps it (the RP2040
    ADC: channel 0-3 = GPIO26-29; channel 4, the temperature sensor, has no pin)."""
    if "channel" not in props:
        return NOT_PINNED
    channel = int(props["channel"])
    return 26 + channel if channel < 4 else NOT_PINNED
