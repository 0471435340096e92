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

Ring size and the driver's RAM: ``studio.core.sample_source.driver_ring_capacity`` (the samples that
arrive while a window's DSP and model run, by the latency estimate) and the part's
``driver_state_bytes``, the same numbers validation charges to the sensor node.
"""
from __future__ import annotations

import re

from codegen.cnames import c_identifier, json_string_literal
from codegen.firmware_boards import board_glue
from codegen.firmware import RUNTIME_DIR
from codegen.sensor_binding import SensorBinding
from codegen.stage import StageCode, buffer_name
from studio.core.errors import BadInput
from studio.core.sample_source import driver_ring_bytes

# drivers that take a device interrupt (their DMA-complete / data-ready event): IRQ number on the
# MCU (nRF52840 PS: PDM is peripheral ID 29; RM0351: DFSDM1_FLT0 is IRQ 61) and the handler
DRIVER_IRQS = {
    "nrf52840_pdm": (29, "tms_nrf52840_pdm_irq_handler"),
    "stm32l4_dfsdm": (61, "tms_stm32l4_dfsdm_irq_handler"),
}
_QUANTITIES = {"temperature": 1, "humidity": 2, "both": 3, "pressure": 4}
NOT_PINNED = 0xFF


_INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+\.h)"', re.M)


def driver_headers(part: str) -> list[str]:
    """The headers of codegen/runtime/sensors a driver includes, directly or through another
    (shared helpers such as tms_sensor_util.h), relative to codegen/runtime."""
    seen: list[str] = []
    todo = [f"{part}.c", f"{part}.h"]
    while todo:
        path = RUNTIME_DIR / "sensors" / todo.pop()
        if not path.is_file():
            continue
        for name in _INCLUDE.findall(path.read_text(encoding="utf-8")):
            if (RUNTIME_DIR / "sensors" / name).is_file() and f"sensors/{name}" not in seen:
                seen.append(f"sensors/{name}")
                todo.append(name)
    return seen


def i2c_glue_source(board) -> str:
    """The board family's tms_i2c.h implementation (relative to codegen/runtime)."""
    rel = f"board/{board_glue(board).family}_i2c.c"
    if not (RUNTIME_DIR / rel).is_file():
        raise BadInput(f"board '{board.id}': no I2C bus glue for its MCU family ({rel})")
    return rel


def driver_sensor_stage(node_id: str, props, out_elements: int, binding: SensorBinding, board,
                        capacity: int, state_bytes: int) -> StageCode:
    """``capacity``: the ring's slots and ``state_bytes``: the driver's struct, as validation sized
    and charged them (``studio.core.validate.driver_sensor_ram``)."""
    part = binding.part
    ident = c_identifier(node_id)
    buf = buffer_name(node_id, "out")
    n = out_elements
    cap = capacity
    drv, ring, status = f"tms_drv_{ident}", f"tms_ring_{ident}", f"tms_drv_{ident}_status"
    sources = [f"sensors/{part}.c", "sensors/tms_sensor.c", "sensors/tms_i2c.h", "board/tms_delay.c",
               *driver_headers(part)]
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
        f"/* {binding.describe()} through its driver; the ring holds {cap - 1} samples: those arriving "
        f"while a window's DSP and model run, and a margin */",
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
        ram_bytes=4 * n + driver_ring_bytes(cap, n) + state_bytes,
        extra={"sensor_source": "driver", **({"irq": DRIVER_IRQS[part]} if part in DRIVER_IRQS else {})})


def _pin(props) -> int:
    """pin_a of tms_sensor_bus_t: an ADC node's input as its GPIO where the part maps it (the RP2040
    ADC: channel 0-3 = GPIO26-29; channel 4, the temperature sensor, has no pin)."""
    if "channel" not in props:
        return NOT_PINNED
    channel = int(props["channel"])
    return 26 + channel if channel < 4 else NOT_PINNED
