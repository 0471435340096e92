"""The firmware writer: board profile + the pipeline's stage code + the compiled model -> a complete,
buildable C project (Makefile, linker script, start-up, board glue, runtime, pipeline.c, README).

Boards with bare-metal glue (``codegen.firmware_boards``: the emulated mps2, nRF52840, RP2040,
STM32L475) get a ``make`` project built here with arm-none-eabi-gcc. Other boards whose profile
names an Arduino core (``flash_options.arduino_fqbn``), and the ESP32, get the same pipeline as an
Arduino sketch (``firmware/firmware.ino``) built with arduino-cli; ``FirmwareFiles.kind`` says which.

It places each node's ``StageCode`` in ``pipeline.c`` in data-flow order without knowing what the
node does (see ``codegen.stage``). Two names are provided to stage code besides the buffers:
``tms_sample`` (``const float *``: the current sample's channels, which a sensor stage copies in;
on the emulated board it points into the replay table) and ``tms_frame_ready`` (the window stage
sets it to 1 when a frame is complete). A stage of mode ``"result"`` runs after each inference and
may read ``tms_result_index`` and ``tms_scores``. A stage of mode ``"post"`` runs after the model,
once its dequantized output is in ``model_buffer``; when ``result_buffer`` names a post stage's
output, that buffer is ``tms_scores`` (what the inference line prints and result stages read).

Every string from the project reaches C through ``codegen.cnames``.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Sequence

import jinja2
import numpy as np

from codegen.cnames import c_comment, c_identifier, c_string_literal, json_string_literal
from codegen.sample_tick import sample_tick
from codegen.firmware_boards import (ARDUINO_SKETCH, BoardGlue, arduino_fqbn, board_glue, cpu_flags,
                                     firmware_kind)
from codegen.output_dir import claim_output_dir, os_error_message
from codegen.stage import StageCode, buffer_name
from codegen.usb_serial import usb_touch_note, uses_usb_cdc
from studio.core.boards import Board
from studio.core.errors import BadInput
from studio.core.flash_methods import flash_instructions
from studio.core.sample_source import HostStream

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ELF_PATH = PurePosixPath("build/firmware.elf")

# runtime files every firmware gets (relative to RUNTIME_DIR)
_CORE_SOURCES = ("tms_startup.c", "tms_timer.c", "tms_protocol.c", "tms_quant.c")
_CORE_HEADERS = ("tms_timer.h", "tms_protocol.h", "tms_quant.h", "tms_uart.h", "tms_semihost.h", "tms_mmio.h")
_ARDUINO_SOURCES = ("tms_protocol.c", "tms_quant.c", "tms_arduino.cpp")
_STAGE_MODES = ("sample", "window", "frame", "post", "result")
_REPLAY_VALUES_PER_ROW = 8
BOOT2_BYTES = 0x100
# the stage profile (tms_profile.c.j2): the first window and every PROFILE_EVERY-th are timed per stage
PROFILE_EVERY = 16  # the RP2040's second-stage boot code, in front of the application


@dataclass(frozen=True)
class FirmwareFiles:
    """What ``write_firmware`` produced: the project folder and every file in it."""
    out_dir: Path
    files: tuple[Path, ...]
    board_id: str
    emulated: bool
    build_id: str
    kind: str          # "make" (bare-metal project: build_firmware) or "arduino-sketch" (built by arduino-cli)
    elf: Path | None   # where ``make`` puts the image; None for an Arduino sketch (built in the IDE)


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # C, not HTML: every project string is escaped by codegen.cnames
    )


def _md_text(text: str) -> str:
    """One line of plain text for the README: no HTML comment terminator, markdown specials escaped."""
    one_line = re.sub(r"[\r\n]+", " ", text).replace("--", "- -")
    return re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", one_line)


def _runtime_file(rel: str) -> Path:
    """A runtime file a stage names; refuses paths that leave codegen/runtime."""
    parts = PurePosixPath(rel)
    if parts.is_absolute() or ".." in parts.parts or not rel:
        raise BadInput(f"runtime file '{rel}' must be a relative path inside codegen/runtime")
    path = RUNTIME_DIR / parts
    if not path.is_file():
        raise BadInput(f"runtime file '{rel}' does not exist in codegen/runtime")
    return path


def _replay_rows(replay: np.ndarray) -> tuple[int, int, list[str]]:
    data = np.asarray(replay)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] == 0:
        raise BadInput(f"replay data must be (samples,) or (samples, channels), not shape {data.shape}")
    values = data.astype(np.float32)
    if not np.all(np.isfinite(values)):
        raise BadInput("replay data contains NaN or infinite values; clean the recording first")
    # 9 significant digits bring every float32 back exactly
    flat = [f"{float(v):.9g}f" for v in values.ravel()]
    flat = [v if any(c in v for c in ".e") else v[:-1] + ".0f" for v in flat]
    rows = [", ".join(flat[i:i + _REPLAY_VALUES_PER_ROW]) for i in range(0, len(flat), _REPLAY_VALUES_PER_ROW)]
    return data.shape[0], data.shape[1], rows


def _flash_instructions(board: Board, glue: BoardGlue | None) -> str:
    if glue is None:  # an Arduino sketch is uploaded by the IDE or arduino-cli, whatever the method
        fqbn = arduino_fqbn(board) or "<vendor>:<core>:<board>"
        return ("Open `firmware/firmware.ino` in the Arduino IDE with the board's Arduino core installed "
                "and Upload, or with arduino-cli:\n\n```\n"
                f"arduino-cli compile --fqbn {fqbn} firmware\n"
                f"arduino-cli upload --fqbn {fqbn} --port PORT firmware\n```")
    return flash_instructions(board) + (usb_touch_note(board) if uses_usb_cdc(board) else "")


def _stage_view(stage: StageCode) -> dict:
    # a stream stage that produces output only on some samples (a downsampler) names the flag that
    # says so; the per-sample stages after it must not see the other samples
    gate = stage.extra.get("sample_gate", "")
    if gate and c_identifier(gate) != gate:
        raise BadInput(f"node '{stage.node_id}': sample gate '{gate}' is not a C identifier")
    return {"comment": c_comment(stage.node_id), "mode": stage.mode, "declarations": stage.declarations,
            "init": stage.init, "run": stage.run, "gate": gate}


def _profile_slots(views: list[dict], stages: Sequence[StageCode], timed_sensor: bool,
                   model_id: str | None) -> tuple[list[str], int]:
    """The stage profiler's slots (``tms_profile.c.j2``): sets each view's ``lap`` (the statement that
    ends its timing, "" for stages not timed: a live sensor, the result stages) and returns the slots'
    node ids as JSON string literals and the model's slot (the gap slot when there is no model)."""
    ids: list[str] = []
    model_slot = -1
    for i, (view, stage) in enumerate(zip(views, stages)):
        if stage.mode == "post" and model_id is not None and model_slot < 0:
            model_slot = len(ids)
            ids.append(json_string_literal(model_id))
        timed = stage.mode != "result" and (i > 0 or stage.mode != "sample" or timed_sensor)
        view["lap"] = f"TMS_PROF_LAP({len(ids)}u);" if timed else ""
        if timed:
            ids.append(json_string_literal(stage.node_id))
    if model_id is not None and model_slot < 0:
        model_slot = len(ids)
        ids.append(json_string_literal(model_id))
    return ids, model_slot if model_slot >= 0 else len(ids)


def _device_vectors(stages, board_irqs: Sequence[tuple[int, str]] = ()) -> list[str]:
    """The device part of the vector table: a handler name at each IRQ number a stage's driver takes
    (``StageCode.extra["irq"]``: (number, handler)) or the board glue does (``board_irqs``: the
    sample tick's), "" elsewhere; [] when none is taken."""
    irqs = [s.extra["irq"] for s in stages if s.extra.get("irq")] + list(board_irqs)
    if not irqs:
        return []
    table = [""] * (max(n for n, _ in irqs) + 1)
    for number, handler in irqs:
        if table[number] and table[number] != handler:
            raise BadInput(f"two drivers take IRQ {number} ({table[number]}, {handler})")
        table[number] = handler
    return table


def write_firmware(out_dir: Path, board: Board, project_name: str, stages: Sequence[StageCode],
                   model_dir: Path | None, labels: Sequence[str], replay: np.ndarray | None = None,
                   feature_buffer: str | None = None, model_buffer: str | None = None,
                   result_buffer: str | None = None, model_outputs: int | None = None, *, force: bool = False,
                   protected: Sequence[Path] = (), host_stream: HostStream | None = None,
                   sample_rate_hz: float | None = None, model_id: str = "model") -> FirmwareFiles:
    """Writes the complete firmware project for ``board`` into ``out_dir`` and returns its files.

    ``stages`` in data-flow order; ``model_dir`` holds the model compiler's ``model.h``/``model.c``
    (None: no model, the scores are the last feature buffer); ``labels`` one per model output;
    ``replay`` (samples x channels) is embedded as the sensor data of an emulated board;
    ``feature_buffer`` is the C name of the float buffer quantized into the model's input
    (default: the ``out`` buffer of the last stage); ``model_buffer`` the C name of the float
    buffer the model's output is dequantized into (default ``tms_model_scores``); ``result_buffer``
    the C name of a ``"post"`` stage's output that is the pipeline's result (default: the model's
    output), with one label per value. ``out_dir`` must be empty or made by an earlier generation
    (``codegen.output_dir``) unless ``force``; ``protected`` paths (the project's) are never written.
    ``host_stream`` (instead of ``replay``) makes the sensor read its samples from the host over the
    serial link (``tms_hoststream.c``). ``sample_rate_hz`` (the sensor's) paces the samples on a
    bare-metal board: a SysTick tick per sample and WFI in between (``tms_power.c``); not with the
    host stream, where the board waits for the host's bytes on the UART instead, nor in an Arduino
    sketch, whose core owns SysTick. ``model_id`` names the model's time in the stage profile.
    """
    arduino = firmware_kind(board) == ARDUINO_SKETCH
    if arduino:
        # no bare-metal glue (or no toolchain) for this board: a sketch for the board's Arduino core
        glue, flags, has_fpu = None, "", board.fpu
        rt, mdl, src = "firmware/src/", "firmware/src/", "firmware/src/"
    else:
        glue = board_glue(board)
        flags, has_fpu = cpu_flags(board)
        rt, mdl, src = "runtime/", "model/", "src/"
    out_dir = Path(out_dir)
    if not stages:
        raise BadInput("the pipeline has no stages: connect a sensor to a model first")
    for stage in stages:
        if stage.mode not in _STAGE_MODES:
            raise BadInput(f"node '{stage.node_id}': stage mode '{stage.mode}' is not one of {', '.join(_STAGE_MODES)}")
    if not labels:
        raise BadInput("the pipeline needs at least one label (one per model output)")
    driver_fed = any(s.extra.get("sensor_source") == "driver" for s in stages)
    if replay is None and host_stream is None and board.emulated and not driver_fed:
        raise BadInput(f"board '{board.id}' is emulated: it needs replay data in place of a live sensor")
    if host_stream is not None and replay is not None:
        raise BadInput("a sensor reads either the host's stream or an embedded recording, not both")
    if stages[0].mode in ("post", "result") or all(s.mode in ("post", "result") for s in stages):
        raise BadInput("the pipeline starts with an output stage: a sensor stage must come first")
    if feature_buffer is None:
        last = [s for s in stages if s.mode not in ("post", "result")][-1]
        feature_buffer = buffer_name(last.node_id, "out")
    elif c_identifier(feature_buffer) != feature_buffer:
        raise BadInput(f"feature buffer '{feature_buffer}' is not a C identifier")
    model_buffer = model_buffer or "tms_model_scores"
    for what, name in (("model buffer", model_buffer), ("result buffer", result_buffer)):
        if name is not None and c_identifier(name) != name:
            raise BadInput(f"{what} '{name}' is not a C identifier")
    model_files: list[Path] = []
    if model_dir is not None:
        model_dir = Path(model_dir)
        if not (model_dir / "model.h").is_file():
            raise BadInput(f"{model_dir}: no model.h (compile the model first)")
        model_files = sorted(p for p in model_dir.iterdir() if p.suffix in (".c", ".h") and p.is_file())
        # the model's output count comes from the plan (``model_outputs``), not from parsing model.h
        n_out = model_outputs
        if n_out is not None and result_buffer is None and n_out != len(labels):
            raise BadInput(f"the model has {n_out} outputs but the pipeline names {len(labels)} labels; "
                           "give one label per output")

    written: dict[PurePosixPath, bytes] = {}

    def put(rel: str, content: str | bytes) -> None:
        written[PurePosixPath(rel)] = content.encode("utf-8") if isinstance(content, str) else content

    # runtime: core, board glue, what the stages name
    if glue is None:
        runtime_files = list(_ARDUINO_SOURCES) + list(_CORE_HEADERS)
    else:
        runtime_files = list(_CORE_SOURCES) + list(_CORE_HEADERS) + [glue.source, *glue.extra_sources]
    if glue is not None and glue.semihosting:
        runtime_files.append("tms_semihost.c")
    if host_stream is not None:
        runtime_files += ["tms_hoststream.c", "tms_hoststream.h"]
    tick = (sample_tick(board.clock_hz, sample_rate_hz, glue.tick_clock_hz)
            if sample_rate_hz and glue is not None and host_stream is None else None)
    if tick is not None:
        runtime_files += [glue.power_source, "tms_power.h"]
    if glue is not None and glue.boot2:
        runtime_files += ["board/rp2040_boot2.c"]
        put("tools/rp2040_boot2_crc.py", f"# generated by tinyml-studio from {c_comment(project_name)} — do not edit\n"
            + (RUNTIME_DIR / "tools" / "rp2040_boot2_crc.py").read_text(encoding="utf-8"))
    for stage in stages:
        for rel in stage.sources + stage.includes:
            runtime_files.append(rel)
            header = PurePosixPath(rel).with_suffix(".h")
            if rel.endswith(".c") and (RUNTIME_DIR / header).is_file():
                runtime_files.append(str(header))
    header = f"generated by tinyml-studio from {c_comment(project_name)} — do not edit"
    for rel in dict.fromkeys(runtime_files):
        put(f"{rt}{rel}", f"/* {header} */\n".encode("utf-8") + _runtime_file(rel).read_bytes())
    for path in model_files:
        put(f"{mdl}{path.name}", path.read_bytes())

    env = _env()
    project_comment = c_comment(project_name)
    board_comment = c_comment(f"{board.name} ({board.id})")
    common = {"project_comment": project_comment, "board_comment": board_comment}

    put(f"{src}tms_board.h", env.get_template("tms_board.h.j2").render(
        **common, clock_hz=board.clock_hz, has_fpu=int(has_fpu), emulated=int(board.emulated),
        sleep_wfi=int(board.sleeps_between_samples), device_irqs=_device_vectors(
            stages, [glue.tick_irq] if tick is not None and glue.tick_irq else []),
        baud=board.serial_baud, glue_defines=glue.defines if glue else ()))
    has_replay = replay is not None
    if has_replay:
        samples, channels, rows = _replay_rows(replay)
        put(f"{src}tms_replay.h", env.get_template("tms_replay.h.j2").render(**common, samples=samples, channels=channels))
        put(f"{src}tms_replay.c", env.get_template("tms_replay.c.j2").render(
            **common, samples=samples, channels=channels, rows=rows))
    if glue is None:
        put("firmware/firmware.ino", env.get_template("firmware.ino.j2").render(**common))
        put("README.md", env.get_template("README_arduino.md.j2").render(
            project_comment=_md_text(project_name).replace("\\", ""), project_md=_md_text(project_name),
            board_md=_md_text(board.name), baud=board.serial_baud, flash_instructions=_flash_instructions(board, None),
            fqbn=arduino_fqbn(board)))
    else:
        _put_cortex_m(put, env, common, board, glue, flags, stages, model_files, has_replay, project_name,
                      host_stream is not None, tick is not None)
    # the build id names exactly what was generated, so a board's hello line says which build runs
    digest = hashlib.sha256()
    for rel in sorted(written):
        digest.update(str(rel).encode() + b"\0" + written[rel] + b"\0")
    for part in [project_name, *labels, feature_buffer, model_buffer, result_buffer or ""]:
        digest.update(part.encode("utf-8") + b"\0")
    for stage in stages:
        digest.update(repr(_stage_view(stage)).encode("utf-8"))
    digest.update(repr(host_stream).encode("utf-8"))
    build_id = digest.hexdigest()[:12]

    views = [_stage_view(s) for s in stages]
    # live sensors wait for their samples; the replay and the host stream's copy are timed
    profile_ids, profile_model = _profile_slots(views, stages, timed_sensor=has_replay or host_stream is not None,
                                                model_id=model_id if model_files else None)
    put(f"{src}pipeline.c", env.get_template("pipeline.c.j2").render(
        **common, arduino=arduino, has_model=bool(model_files), has_replay=has_replay, host_stream=host_stream,
        includes=list(dict.fromkeys(i for s in stages for i in s.includes)),
        project_json=json_string_literal(project_name), board_json=json_string_literal(board.id),
        build_json=c_string_literal(f'"{build_id}"'), labels_json=[json_string_literal(x) for x in labels],
        stages=views, sensor_stages=views[:1] if views[0]["mode"] == "sample" else [],
        sample_stages=[v for v in views[1 if views[0]["mode"] == "sample" else 0:] if v["mode"] in ("sample", "window")],
        frame_stages=[v for v in views if v["mode"] == "frame"],
        post_stages=[v for v in views if v["mode"] == "post"],
        result_stages=[v for v in views if v["mode"] == "result"],
        has_window=any(s.mode == "window" for s in stages), feature_buffer=feature_buffer, sample_tick=tick,
        driver_fed=driver_fed, model_buffer=model_buffer, result_buffer=result_buffer,
        profile_ids=profile_ids, profile_model=profile_model, profile_every=PROFILE_EVERY))

    claim_output_dir(out_dir, force=force, protected=protected)
    paths = []
    try:
        for rel, content in sorted(written.items()):
            path = out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            paths.append(path)
    except OSError as e:
        raise BadInput(os_error_message(out_dir, e)) from None
    return FirmwareFiles(out_dir=out_dir, files=tuple(paths), board_id=board.id, emulated=board.emulated,
                         build_id=build_id, kind=firmware_kind(board), elf=None if arduino else out_dir / ELF_PATH)


def _put_cortex_m(put, env, common, board: Board, glue: BoardGlue, flags: str, stages: Sequence[StageCode],
                  model_files: list[Path], has_replay: bool, project_name: str, host_stream: bool = False,
                  sleeps: bool = False) -> None:
    """The build files of a bare-metal Cortex-M project: linker script(s), Makefile, README."""
    if glue.boot2 and board.reserved_flash_bytes != BOOT2_BYTES:
        raise BadInput(f"board '{board.id}': its second-stage boot code takes the first {BOOT2_BYTES} bytes "
                       f"of flash; set reserved_flash_bytes to {BOOT2_BYTES} in its profile")
    app_flash_origin = board.app_flash_origin
    app_flash_length = board.flash_budget_bytes
    put("linker.ld", env.get_template("linker.ld.j2").render(
        **common, boot2=glue.boot2, boot2_origin=f"0x{glue.boot2_origin:08X}",
        flash_origin=f"0x{app_flash_origin:08X}", flash_length=f"0x{app_flash_length:X}",
        ram_origin=f"0x{board.ram_origin:08X}", ram_length=f"0x{board.ram_budget_bytes:X}",
        stack_bytes=board.stack_bytes))
    if glue.boot2:
        put("boot2.ld", env.get_template("boot2.ld.j2").render(**common))

    stage_sources = [f"runtime/{rel}" for s in stages for rel in s.sources if rel.endswith(".c")]
    sources = (["src/pipeline.c"] + (["src/tms_replay.c"] if has_replay else [])
               + [f"runtime/{rel}" for rel in _CORE_SOURCES] + [f"runtime/{glue.source}"]
               + [f"runtime/{rel}" for rel in glue.extra_sources if rel.endswith(".c")]
               + (["runtime/tms_semihost.c"] if glue.semihosting else [])
               + (["runtime/tms_hoststream.c"] if host_stream else [])
               + ([f"runtime/{glue.power_source}"] if sleeps else [])
               + stage_sources + [f"model/{p.name}" for p in model_files if p.suffix == ".c"])
    include_dirs = ["src", "runtime"] + (["model"] if model_files else [])
    put("Makefile", env.get_template("Makefile.j2").render(
        **common, cpu_flags=flags, include_flags=" ".join(f"-I{d}" for d in include_dirs),
        sources=list(dict.fromkeys(sources)), boot2=glue.boot2))
    put("README.md", env.get_template("README.md.j2").render(
        project_comment=_md_text(project_name).replace("\\", ""), project_md=_md_text(project_name),
        board_md=_md_text(board.name), mcu_md=_md_text(board.mcu), cpu=board.cpu,
        clock_mhz=f"{board.clock_hz / 1e6:g}", boot2=glue.boot2, flash_budget=board.flash_budget_bytes,
        flash_origin=f"0x{app_flash_origin:08X}", ram_budget=board.ram_budget_bytes,
        ram_origin=f"0x{board.ram_origin:08X}", stack_bytes=board.stack_bytes,
        flash_instructions=_flash_instructions(board, glue), serial_md=glue.serial,
        baud=board.serial_baud, emulated=board.emulated, has_replay=has_replay,
        has_model=bool(model_files)))
