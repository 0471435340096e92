"""The pipeline's long actions, shared by the CLI and the editor's job runner: generate, build,
run on the emulated board, flash, evaluate. Qt-free; each takes ``progress(fraction, text)`` and
``cancelled()`` callables so the UI can show and stop it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from codegen.project_firmware import GeneratedFirmware, generate, resolve_board
from studio.core.boards import Board
from studio.core.errors import BadInput, StudioError
from studio.core.project import Project

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]


def _no_progress(fraction: float, text: str) -> None:
    pass


def _never() -> bool:
    return False


def default_out_dir(project: Project, board: Board) -> Path:
    base = project.dir if project.dir is not None else Path.cwd()
    return base / "build" / board.id


@dataclass(frozen=True)
class BuildOutcome:
    generated: GeneratedFirmware
    result: Any  # studio.device.build.BuildResult

    @property
    def measured(self) -> dict[str, int]:
        r = self.result
        return {"flash_bytes": r.flash_bytes, "ram_bytes": r.ram_bytes + r.stack_bytes,
                "text_bytes": r.text_bytes, "data_bytes": r.data_bytes, "bss_bytes": r.bss_bytes,
                "stack_bytes": r.stack_bytes}

    def to_json(self) -> dict[str, Any]:
        est = self.generated.estimate()
        measured = self.measured
        return {"ok": True, "out": str(self.generated.files.out_dir), "board": self.generated.board.id,
                "build_id": self.generated.files.build_id, "elf": str(self.result.elf),
                "estimated": est, "measured": measured,
                "error_percent": {k: round((est[k] - measured[k]) / measured[k] * 100.0, 2)
                                  for k in ("flash_bytes", "ram_bytes") if measured[k]},
                "estimated_by_part": {"flash": dict(self.generated.report.flash.by_node),
                                      "ram": dict(self.generated.report.ram.by_node)}}


def build(project: Project, out_dir: Path | None = None, board: Board | None = None,
          progress: Progress = _no_progress, cancelled: Cancelled = _never, force: bool = False) -> BuildOutcome:
    from studio.device.build import build_firmware

    board = board or resolve_board(project)
    out_dir = Path(out_dir) if out_dir else default_out_dir(project, board)
    progress(0.05, f"generating the firmware for {board.name}")
    generated = generate(project, out_dir, board, force=force)
    if cancelled():
        raise StudioError("cancelled")
    progress(0.3, "compiling with arm-none-eabi-gcc")
    result = build_firmware(out_dir)
    progress(1.0, f"built {result.elf.name}: {result.flash_bytes:,} B flash, {result.ram_bytes:,} B RAM")
    return BuildOutcome(generated, result)


@dataclass
class RunOutcome:
    build: BuildOutcome
    messages: list = field(default_factory=list)   # studio.device.protocol.Message
    counters: Any = None
    exit_code: int | None = None
    stream: Any = None      # studio.device.hoststream.StreamStats when the clips were streamed

    def inferences(self) -> list[dict[str, Any]]:
        return [m.to_json() for m in self.messages if m.kind == "inference"]


def run_emulated(project: Project, out_dir: Path | None = None, count: int | None = None,
                 on_message: Callable[[Any], None] | None = None, progress: Progress = _no_progress,
                 cancelled: Cancelled = _never, timeout_s: float = 600.0,
                 stop: threading.Event | None = None, force: bool = False,
                 sensor_values: Mapping[str, float] | None = None, stream: str | None = None) -> RunOutcome:
    """Builds for the emulated board and runs the image in QEMU, reading its serial protocol until
    ``count`` inferences (all of them when None: the firmware exits when its recording ends).
    A sensor read through its driver reads the QEMU model of its part, which reads
    ``sensor_values[node_id]`` (in the node's unit) when given; ``stream``: what a host-stream sensor
    is sent (``host_stream_clips``)."""
    from studio.device.emulator import Emulator, EmulatorError, describe_exit
    from studio.device.monitor import monitor

    board = resolve_board(project, emulate=True)
    outcome = RunOutcome(build(project, out_dir, board, progress=lambda f, t: progress(f * 0.5, t),
                               cancelled=cancelled, force=force))
    progress(0.55, "starting the emulated board (qemu-system-arm)")

    def collect(message) -> None:
        outcome.messages.append(message)
        if on_message is not None:
            on_message(message)

    stop = stop or threading.Event()
    devices = emulated_i2c_devices(outcome.build.generated, sensor_values or {})
    if devices and count is None:
        raise BadInput("a sensor read through its driver runs until stopped: give a count of results")
    if outcome.build.generated.sample_source == "host-stream":
        _run_host_stream(project, outcome, board, count, collect, progress, timeout_s, stop, stream)
        return outcome
    with Emulator(outcome.build.result.elf, machine=board.emulator_machine, i2c_devices=devices) as emu:
        outcome.counters = monitor(emu.url, count=count, timeout_s=timeout_s, on_message=collect, stop=stop,
                                   give_up_after_s=1.0)
        if not stop.is_set() and (count is None or outcome.counters.inferences < count):
            # the board went quiet before it was asked to stop: only a clean exit 0 is a finished run
            # (a QEMU killed mid-run, a fault, a model error are failures, never partial passes)
            try:
                outcome.exit_code = emu.wait(timeout_s=30)
            except StudioError:
                outcome.exit_code = None
            if outcome.exit_code != 0:
                raise EmulatorError(f"the emulated board {describe_exit(outcome.exit_code)} after "
                                    f"{outcome.counters.inferences} inference results; the run is not complete")
    progress(1.0, f"{outcome.counters.inferences} inference results from the emulated board")
    return outcome


def emulated_i2c_devices(generated, sensor_values: Mapping[str, float]) -> list:
    """The QEMU I2C device models the emulated board needs: one per driver-fed sensor on an I2C bus
    (its part and address from the firmware's sensor bindings), reading the value given for its node."""
    from studio.device.emulator import EmulatedI2CDevice

    unknown = sorted(set(sensor_values) - {b.node_id for b in generated.sensors})
    if unknown:
        raise BadInput(f"no sensor node named {', '.join(unknown)} reads a part in this pipeline")
    return [EmulatedI2CDevice(b.part, b.address, sensor_values.get(b.node_id), b.bus_index)
            for b in generated.sensors if b.source == "driver" and b.bus_kind == "i2c"]


def _run_host_stream(project: Project, outcome: RunOutcome, board: Board, count: int | None,
                     collect: Callable[[Any], None], progress: Progress, timeout_s: float,
                     stop: threading.Event, stream: str | None = None) -> None:
    """The emulated board reads its sensor's samples from the host over its serial link
    (``studio.device.hoststream``), clip after clip, instead of an embedded recording: the imported
    test split, or what ``stream`` names (``host_stream_clips``)."""
    from studio.device.emulator import Emulator
    from studio.device.hoststream import ClipStreamer, stream_session

    clips, what = host_stream_clips(project, stream)
    streamer = ClipStreamer(clips)
    progress(0.6, f"streaming {what} into the emulated board")
    # the board waits for the host's bytes, which come in real time: no idle time to warp
    with Emulator(outcome.build.result.elf, machine=board.emulator_machine, warp_idle=False) as emu:
        outcome.counters, outcome.stream = stream_session("127.0.0.1", emu.port, streamer, on_message=collect,
                                                          count=count, timeout_s=timeout_s, stop=stop.is_set)
        if count is None:
            try:
                outcome.exit_code = emu.wait(timeout_s=30)
            except StudioError:
                outcome.exit_code = None
    progress(1.0, f"{outcome.counters.inferences} inference results from {outcome.stream.clips} streamed clips")


STREAM_SPLIT = "split"


def host_stream_clips(project: Project, stream: str | None = None) -> tuple[list, str]:
    """The clips a host-stream sensor is sent, and what they are (for progress messages).
    ``stream``: ``"split"`` = the imported dataset's test split; a path = one recording (.wav, .csv
    or .npy, read as a Replay node reads it); None = the test split when the project has one
    imported, else the project's recorded test samples (dataset.test.samples)."""
    from studio.core.errors import BadInput
    from studio.core.sample_source import imported_test_files
    from studio.ml.errors import MLError
    from studio.ml.importer import load_split

    if stream == STREAM_SPLIT or (stream is None and imported_test_files(project.dataset)):
        try:
            clips, _ = load_split(project, "test")
        except MLError as e:
            raise MLError(f"the host streams the dataset's test split: {e.message}") from None
        return list(clips), f"{len(clips)} test clips"
    if stream is not None:
        return [_read_stream_file(Path(stream))], f"the recording '{Path(stream).name}'"
    from studio.core.validate import load_recording

    try:
        return [load_recording(project)], "the project's recorded test samples"
    except BadInput as e:
        raise BadInput(f"the sensor takes its samples from the host, but there is nothing to send ({e.message}): "
                       "pass --stream FILE (a .wav, .csv or .npy recording) or --stream split "
                       "(the imported dataset's test split)") from None


def _read_stream_file(path: Path):
    """A recording named on the command line, read by the Replay node's readers (.wav, .csv, .npy)."""
    from nodes.base import NodeContext, NodeError
    from nodes.sensors import Replay
    from studio.core.errors import BadInput

    if not path.is_file():
        raise BadInput(f"--stream: '{path}' is not a file (give a .wav, .csv or .npy recording, or 'split')")
    try:
        return Replay().load_samples({"file": path.name}, NodeContext(path.resolve().parent)).copy()
    except NodeError as e:
        raise BadInput(f"--stream: {e.message}") from None


def evaluate_emulated(project: Project, out_dir: Path | None = None, progress: Progress = _no_progress,
                      cancelled: Cancelled = _never, force: bool = False) -> dict[str, Any]:
    """Every window of the recording on the emulated board vs the host reference (the pipeline's
    numpy DSP + the TFLite Micro interpreter) and vs the true labels."""
    from codegen.project_firmware import replay_data
    from studio.ml.dataset import load_test_split, predicted_labels
    from studio.ml.pipeline import HostResult, host_inference

    run = run_emulated(project, out_dir, None, progress=lambda f, t: progress(f * 0.8, t), cancelled=cancelled,
                       force=force)
    device = run.inferences()
    progress(0.85, "running the host reference (numpy DSP + TFLite Micro)")
    from studio.core.sample_source import imported_test_files

    if run.build.generated.sample_source == "host-stream" and imported_test_files(project.dataset):
        host, expected = _streamed_reference(project)
    elif run.build.generated.sample_source == "host-stream":
        # one streamed recording from a fresh pipeline: the same windows as replaying it
        samples = host_stream_clips(project)[0][0]
        host = host_inference(project, samples)
        expected = window_truth(project, run.build.generated.report, len(host))
    else:
        samples = replay_data(project, run.build.generated.report)
        host = host_inference(project, samples)
        expected = window_truth(project, run.build.generated.report, len(host))
    n = min(len(device), len(host))
    # an anomaly task judges the score against the dataset's threshold, not the arg-max label
    host_labels = predicted_labels(host, project.dataset or {})
    device_labels = predicted_labels([HostResult(i, d["label"], tuple(d.get("scores", ())))
                                      for i, d in enumerate(device)], project.dataset or {})
    agree = sum(device_labels[i] == host_labels[i] for i in range(n))
    scored = [i for i in range(n) if expected[i] is not None]
    host_ok = sum(host_labels[i] == expected[i] for i in scored)
    dev_ok = sum(device_labels[i] == expected[i] for i in scored)
    alerts = _alerts_agree(project, run, host)
    max_diff = max((abs(a - b) for i in range(n)
                    for a, b in zip(device[i].get("scores", []), host[i].scores)), default=0.0)
    split = None
    try:
        split = load_test_split(project)
    except StudioError:
        pass
    progress(1.0, "done")
    stream = run.stream
    streamed = {} if stream is None else {
        "sample_source": "host-stream", "clips": stream.clips, "stream_bytes": stream.bytes_sent,
        "stream_seconds": round(stream.seconds, 3), "clips_per_s": round(stream.clips_per_s, 2)}
    return {**streamed, "windows": n, "device_windows": len(device), "host_windows": len(host),
            "scored_windows": len(scored),
            "host_accuracy": round(host_ok / len(scored), 4) if scored else None,
            "device_accuracy": round(dev_ok / len(scored), 4) if scored else None,
            "agreement": round(agree / n, 4) if n else 0.0,
            "max_score_diff": round(float(max_diff), 6), "alerts_agree": alerts,
            "exit_code": run.exit_code, "labels_file": bool(split) or stream is not None,
            "confusion": confusion_matrix([expected[i] for i in scored], [device_labels[i] for i in scored],
                                          list(run.build.generated.labels)),
            "host_confusion": confusion_matrix([expected[i] for i in scored], [host_labels[i] for i in scored],
                                               list(run.build.generated.labels))}


def _streamed_reference(project: Project) -> tuple[list, list[str | None]]:
    """The host reference of every streamed test clip, each from a fresh pipeline state (the board
    resets between clips), and the true label of each of its windows (the clip's)."""
    from studio.ml.importer import load_split, split_files
    from studio.ml.pipeline import HostResult, host_inference_per_stream

    clips, _ = load_split(project, "test")
    files = split_files(project, "test")
    host: list = []
    expected: list[str | None] = []
    # an image clip (H, W, C) is one camera sample: a stream of one image
    per_clip = host_inference_per_stream(project, [clip[None] if clip.ndim == 3 else clip for clip in clips])
    for results, (_rel, label) in zip(per_clip, files):
        for r in results:
            host.append(HostResult(len(host), r.label, r.scores))
            expected.append(label)
    return host, expected


def confusion_matrix(truth: list, predicted: list, labels: list[str]) -> dict[str, Any]:
    """Rows: the true label; columns: the predicted one; ``labels`` first, then any other label seen."""
    names = list(dict.fromkeys([*labels, *(x for x in truth if x is not None), *predicted]))
    index = {name: i for i, name in enumerate(names)}
    matrix = [[0] * len(names) for _ in names]
    for t, p in zip(truth, predicted):
        matrix[index[t]][index[p]] += 1
    return {"labels": names, "matrix": matrix}


def _alerts_agree(project: Project, run: RunOutcome, host) -> bool | None:
    """Every threshold-alert node's device messages equal its numpy reference on the host scores
    (None when the pipeline has no alert)."""
    import numpy as np

    from studio.core.host import result_events

    plan = run.build.generated.report.plan
    scores = np.array([r.scores for r in host], dtype=np.float32)
    expected = [e for events in result_events(plan, scores, run.build.generated.labels).values() for e in events]
    if not any(s.node_class.prints_events for s in plan.reporting):
        return None
    device = [m.to_json() for m in run.messages if m.kind == "alert"]
    key = lambda a: (a["window"], a["index"], a["state"])  # noqa: E731
    return sorted(map(key, device)) == sorted(map(key, expected))


def window_truth(project: Project, report, n_windows: int) -> list[str | None]:
    """The true label of each window of the continuous recording: the label of the recorded segment
    it lies in, None for a window that straddles two segments (it is compared, not scored)."""
    from studio.ml.dataset import load_test_split

    try:
        split = load_test_split(project)
    except StudioError:
        return [None] * n_windows
    window, hop = _window_params(project, report)
    seg = split.segment_samples
    if seg <= 0 or window is None:
        return [split.labels[i] if i < len(split.labels) else None for i in range(n_windows)]
    per_segment = (seg - window) // hop + 1
    out: list[str | None] = []
    for k in range(n_windows):
        start, end = k * hop, k * hop + window - 1
        s0, s1 = start // seg, end // seg
        idx = s0 * per_segment
        out.append(split.labels[idx] if s0 == s1 and idx < len(split.labels) else None)
    return out


def _window_params(project: Project, report) -> tuple[int | None, int | None]:
    window = report.plan.window if report.plan is not None else None
    return (window.props["window"], window.props["hop"]) if window is not None else (None, None)


@dataclass
class FlashOutcome:
    result: Any            # studio.device.flash.FlashResult
    session: Any = None    # a running Emulator on the emulated board; the caller stops it

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {"ok": True, "method": r.method, "image": str(r.image), "port": r.port,
                "duration_s": round(r.duration_s, 3), "serial_url": r.serial_url}

    @property
    def port(self) -> str | None:
        return self.result.serial_url or self.result.port


def flash(outcome: BuildOutcome, board: Board, port: str | None = None,
          on_output: Callable[[str], None] | None = None, progress: Progress = _no_progress,
          cancel: threading.Event | None = None) -> FlashOutcome:
    """Flashes the built image with the board's method (the real tool, its output streamed). On the
    emulated board this starts QEMU with the image: ``session`` is that emulator, still running."""
    from studio.device.flash import flash_board

    result = flash_board(board, outcome.result.elf, port, on_output=on_output,
                         on_progress=lambda f: progress(f, f"flashing {board.name}"), cancel=cancel)
    return FlashOutcome(result, result.session)


def flash_and_monitor(project: Project, board: Board, port: str | None = None, count: int | None = None,
                      out_dir: Path | None = None, on_message: Callable[[Any], None] | None = None,
                      on_output: Callable[[str], None] | None = None, timeout_s: float | None = None,
                      stop: threading.Event | None = None, stream: str | None = None) -> tuple[FlashOutcome, Any]:
    """Build, flash & monitor: the chain as one action; reads the board as soon as it talks and
    stops an emulator it started. A host-stream sensor is sent ``stream`` (``host_stream_clips``)
    on the same port. Returns the flash outcome and the monitor's counters."""
    from studio.device.monitor import monitor

    built = build(project, out_dir, board)
    responder = host_stream_responder(project, built, stream)
    flashed = flash(built, board, port, on_output=on_output)
    try:
        read_from = flashed.port or port
        if read_from is None:
            raise StudioError("the board was flashed, but no serial port is known to read it: pass --port")
        counters = monitor(read_from, count=count, timeout_s=timeout_s, on_message=on_message, stop=stop,
                           baud=board.serial_baud, responder=responder)
    finally:
        if flashed.session is not None:
            flashed.session.stop()
    return flashed, counters


def host_stream_responder(project: Project, built: BuildOutcome, stream: str | None = None):
    """The host side of a host-stream sensor for a monitor session, None for any other sensor."""
    from studio.core.sample_source import host_stream_for
    from studio.device.hoststream import ClipStreamer, StreamResponder

    generated = built.generated
    if generated.sample_source != "host-stream":
        return None
    clips, _ = host_stream_clips(project, stream)
    shape = host_stream_for(None, generated.report.plan.sensor.outputs["out"].elements)
    return StreamResponder(ClipStreamer(clips), shape.block_samples, shape.channels)
