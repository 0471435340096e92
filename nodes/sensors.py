"""Sensor node types: where samples enter the pipeline, and the replay of recorded samples.

A sensor emits one sample of shape ``(channels,)`` at ``rate_hz`` (its sample rate); a camera emits
one frame ``(height, width, colour_channels)`` at its frame rate. Values are float32 in physical
units (g and deg/s for an IMU, audio normalised to [-1, 1], °C and %RH, ADC as a fraction of full
scale). ``sensors.replay`` plays a recording from the project folder: the emulated board's only
sensor, and the source of samples for tests and for representative data.

A live sensor says what it reads (``SOURCE_PARAMS``): the board's own part of its kinds
(``sensor_kinds``), an external part on a named bus, or the host's stream over the serial link;
``studio.core.sensor_check`` resolves that on the board into the plan.
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import wave
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from nodes.base import Mode, Role, RunState, Cost, NodeContext, NodeError, NodeType, Param, Port, TensorSpec, register
from nodes.datafiles import load_numeric_npy, open_regular, read_bounded, regular_file_size

# C code size of each sensor's stage (bytes) when it copies a given sample into the node's buffer
# (replay, host-stream), as measured in generated images (arm-none-eabi-nm of the gesture sample on
# nano33ble and mps2-an386). A sensor read through a generated driver adds its driver, bus glue and
# sample ring on top, by part (studio.core.sensor_parts, charged in studio.core.validate).
CODE_BYTES = {
    "sensors/imu": 48,
    "sensors/microphone": 48,
    "sensors/environment": 48,
    "sensors/adc": 48,
    "sensors/camera": 48,
    "sensors/replay": 48,
}

REPLAY_SUFFIXES = (".csv", ".wav", ".npy")


def _out(shape: tuple[int, ...], rate_hz: float) -> dict[str, TensorSpec]:
    return {"out": TensorSpec(tuple(int(d) for d in shape), "f32", float(rate_hz))}


def _sensor_cost(kernel: str, outputs: Mapping[str, TensorSpec], ops_per_value: int = 2,
                 state_bytes: int = 0) -> Cost:
    out = outputs["out"]
    # A driver converts raw counts to physical units: one multiply and one add per value.
    return Cost(ram_bytes=out.bytes + state_bytes, flash_bytes=CODE_BYTES[kernel],
                ops=ops_per_value * out.elements,
                detail={"output_bytes": out.bytes, "state_bytes": state_bytes,
                        "code_bytes": CODE_BYTES[kernel]})


_OUT_PORT = Port("out", ("f32",), "one sample per sample period")

# Where a live sensor's samples come from (``studio.core.sensor_check`` resolves it on the board):
# the board's own part of that kind, an external part the user wired (``part`` on ``bus`` at
# ``address``), or the host over the board's serial link (``host-stream``: any board, no driver).
SOURCES = ("board", "external", "host-stream")
SOURCE_PARAMS = (
    Param("source", str, "board", choices=SOURCES,
          doc="board: the board's own part; external: a part you wired (part, bus, address); "
              "host-stream: samples sent by the host over the serial link"),
    Param("part", str, "", doc="the part read: empty = the board's own part of this kind; for an external "
                               "part its id, e.g. mpu6050, lsm6ds3, hts221, tmp105, analog"),
    Param("bus", str, "", doc="the bus an external part is wired to, e.g. i2c0 (empty: the board's first I2C bus)"),
    Param("address", int, 0, min=0, max=127, doc="7-bit I2C address of an external part; 0 = the part's default"),
)


class _LiveSensor(NodeType):
    """A sensor read on the device: version 2 added where it reads from (``SOURCE_PARAMS``)."""

    version = 2

    @classmethod
    def migrate(cls, props: dict[str, Any], from_version: int) -> dict[str, Any]:
        # version 1 read the board's own part: the default of every new property says just that
        return dict(props)


@register
class Accelerometer(_LiveSensor):
    type_id = "sensors.accelerometer"
    role = Role.SENSOR
    title = "Accelerometer / IMU"
    doc = ("Inertial sensor: 1–3 axes of acceleration (g), 4–6 add the gyroscope (deg/s). "
           "Emits one sample (axes,) per sample period.")
    outputs = [_OUT_PORT]
    params = [
        Param("axes", int, 3, min=1, max=6, doc="1–3: accelerometer x, y, z; 4–6 add gyro x, y, z"),
        Param("rate_hz", float, 100.0, min=1.0, max=6667.0, unit="Hz", doc="output data rate"),
        Param("range_g", int, 4, choices=(2, 4, 8, 16), unit="g", doc="full-scale range"),
        *SOURCE_PARAMS,
    ]
    kernel = "sensors/imu"

    def sensor_kinds(self, p):
        return ("accelerometer", "gyroscope") if p["axes"] > 3 else ("accelerometer",)

    def infer(self, inputs, p, ctx):
        return _out((p["axes"],), p["rate_hz"])

    def cost(self, inputs, outputs, p, ctx):
        return _sensor_cost(self.kernel, outputs)


@register
class Microphone(_LiveSensor):
    type_id = "sensors.microphone"
    role = Role.SENSOR
    records_audio = True
    title = "Microphone"
    doc = "Mono audio normalised to [-1, 1]; one sample (1,) per sample period."
    outputs = [_OUT_PORT]
    params = [
        Param("rate_hz", float, 16000.0, min=1000.0, max=48000.0, unit="Hz", doc="sample rate"),
        Param("bits", int, 16, choices=(8, 16, 24, 32), unit="bit", doc="converter resolution"),
        *SOURCE_PARAMS,
    ]
    kernel = "sensors/microphone"

    def sensor_kinds(self, p):
        return ("microphone",)

    def infer(self, inputs, p, ctx):
        return _out((1,), p["rate_hz"])

    def cost(self, inputs, outputs, p, ctx):
        # PDM/I2S drivers fill a DMA buffer of about 10 ms of raw samples.
        dma = int(math.ceil(p["rate_hz"] / 100.0)) * max(1, p["bits"] // 8)
        return _sensor_cost(self.kernel, outputs, state_bytes=dma)


# the quantities choice -> the values of each sample, in order
ENVIRONMENT_QUANTITIES = {
    "temperature": ("temperature",), "humidity": ("humidity",), "both": ("temperature", "humidity"),
    "pressure": ("pressure",), "all": ("temperature", "humidity", "pressure"),
}


@register
class Environment(_LiveSensor):
    type_id = "sensors.environment"
    role = Role.SENSOR
    title = "Temperature / humidity / pressure"
    doc = ("Temperature (°C), relative humidity (%RH) and/or pressure (hPa), in that order: "
           "(1,) for one quantity, (2,) [temperature, humidity] for both, (3,) for all.")
    outputs = [_OUT_PORT]
    params = [
        Param("quantities", str, "both", choices=tuple(ENVIRONMENT_QUANTITIES)),
        Param("rate_hz", float, 1.0, min=0.01, max=100.0, unit="Hz", doc="readings per second"),
        *SOURCE_PARAMS,
    ]
    kernel = "sensors/environment"

    def sensor_kinds(self, p):
        return ENVIRONMENT_QUANTITIES[p["quantities"]]

    def infer(self, inputs, p, ctx):
        return _out((len(ENVIRONMENT_QUANTITIES[p["quantities"]]),), p["rate_hz"])

    def cost(self, inputs, outputs, p, ctx):
        return _sensor_cost(self.kernel, outputs)


@register
class Adc(_LiveSensor):
    type_id = "sensors.adc"
    role = Role.SENSOR
    title = "Analog input (ADC)"
    doc = "One ADC channel as a fraction of full scale in [0, 1]; one sample (1,) per sample period."
    outputs = [_OUT_PORT]
    params = [
        Param("channel", int, 0, min=0, max=31, doc="ADC input channel of the board"),
        Param("rate_hz", float, 1000.0, min=0.1, max=1_000_000.0, unit="Hz", doc="sample rate"),
        Param("bits", int, 12, choices=(8, 10, 12, 14, 16), unit="bit", doc="converter resolution"),
        *SOURCE_PARAMS,
    ]
    kernel = "sensors/adc"

    def sensor_kinds(self, p):
        return ("adc",)

    def infer(self, inputs, p, ctx):
        return _out((1,), p["rate_hz"])

    def cost(self, inputs, outputs, p, ctx):
        return _sensor_cost(self.kernel, outputs)


@register
class Camera(NodeType):
    type_id = "sensors.camera"
    role = Role.SENSOR
    title = "Camera"
    doc = ("One image (height, width, 1) grayscale or (height, width, 3) RGB per frame, "
           "pixel values in [0, 1].")
    outputs = [Port("out", ("f32",), "one frame per frame period")]
    params = [
        Param("width", int, 96, min=8, max=640, unit="px"),
        Param("height", int, 96, min=8, max=480, unit="px"),
        Param("color", str, "grayscale", choices=("grayscale", "rgb")),
        Param("fps", float, 1.0, min=0.01, max=60.0, unit="Hz", doc="frames per second"),
    ]
    kernel = "sensors/camera"

    def sensor_kinds(self, p):
        return ("camera",)

    def infer(self, inputs, p, ctx):
        channels = 1 if p["color"] == "grayscale" else 3
        return _out((p["height"], p["width"], channels), p["fps"])

    def cost(self, inputs, outputs, p, ctx):
        # The sensor delivers 8-bit pixels into a raw frame buffer before conversion to float.
        raw = outputs["out"].elements
        return _sensor_cost(self.kernel, outputs, state_bytes=raw)


# ---- replay --------------------------------------------------------------------------------------

def _read_csv(path: Path) -> np.ndarray:
    try:
        text = read_bounded(path, what="recording").decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise NodeError(f"recording '{path.name}' cannot be read as UTF-8 text: {e}") from None
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise NodeError(f"recording '{path.name}' needs a header row and at least one row of samples")
    header = rows[0]
    width = len(header)
    data = np.empty((len(rows) - 1, width), dtype=np.float32)
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise NodeError(f"recording '{path.name}' line {i} has {len(row)} values, "
                            f"the header names {width} columns")
        for j, cell in enumerate(row):
            try:
                data[i - 2, j] = float(cell)
            except ValueError:
                raise NodeError(f"recording '{path.name}' line {i} column '{header[j].strip()}': "
                                f"{cell!r} is not a number") from None
    return data


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    try:
        regular_file_size(path, what="recording")
        with wave.open(str(path), "rb") as w:
            width, channels, rate_hz = w.getsampwidth(), w.getnchannels(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as e:
        raise NodeError(f"recording '{path.name}' is not a readable PCM .wav file: {e}") from None
    if width != 2:
        raise NodeError(f"recording '{path.name}' has {8 * width}-bit samples; "
                        "replay reads 16-bit PCM .wav (convert it first)")
    pcm = np.frombuffer(frames, dtype="<i2")
    if pcm.size == 0:
        raise NodeError(f"recording '{path.name}' holds no samples")
    pcm = pcm[: (pcm.size // channels) * channels].reshape(-1, channels)
    return (pcm.astype(np.float32) / np.float32(32768.0)), rate_hz


def _read_npy(path: Path) -> np.ndarray:
    arr = load_numeric_npy(path, "recording")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise NodeError(f"recording '{path.name}' has shape {arr.shape}; replay needs "
                        "(samples,) or (samples, channels)")
    return arr.astype(np.float32)


def content_sha256(path: Path, ctx: NodeContext) -> str:
    """sha256 of a project file, hashed once per (path, size, mtime): live validation re-checks the
    graph on every edit and must not re-read a large recording or model each time."""
    st = path.stat()

    def digest() -> str:
        h = hashlib.sha256()
        with open_regular(path, what="recording") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    return ctx.cached(("sha256", str(path), st.st_size, st.st_mtime_ns), digest)


@register
class Replay(NodeType):
    type_id = "sensors.replay"
    role = Role.SENSOR
    plays_recording = True
    title = "Replay recording"
    doc = ("Plays recorded samples from a file in the project folder, one sample (channels,) per "
           "sample period, looping at the end. .csv: a header row, one column per channel; "
           ".wav: 16-bit PCM (normalised to [-1, 1]); .npy: a numeric (samples,) or "
           "(samples, channels) array.")
    outputs = [_OUT_PORT]
    params = [
        Param("file", str, "", kind="asset", doc="recording (.csv, .wav or .npy) inside the project"),
        Param("rate_hz", float, 16000.0, min=0.01, max=1_000_000.0, unit="Hz",
              doc="sample rate the recording was made at"),
        Param("channels", int, 1, min=1, max=64, doc="values per sample (columns of the recording)"),
    ]
    kernel = "sensors/replay"

    def load_samples(self, p: Mapping[str, Any], ctx: NodeContext) -> np.ndarray:
        """The recording as float32 (samples, channels); NodeError for anything unreadable.

        The array is shared through the context's cache and read-only: copy it before changing it.
        """
        return self._load(p, ctx)[0]

    def _load(self, p: Mapping[str, Any], ctx: NodeContext) -> tuple[np.ndarray, int | None]:
        rel = p.get("file", "")
        if not rel:
            raise NodeError("choose a recording file (.csv, .wav or .npy) to replay")
        path = ctx.resolve_asset(rel)
        suffix = path.suffix.lower()
        if suffix not in REPLAY_SUFFIXES:
            raise NodeError(f"recording '{rel}' is a '{suffix}' file; replay reads "
                            f"{', '.join(REPLAY_SUFFIXES)}")

        def read() -> tuple[np.ndarray, int | None]:
            if suffix == ".wav":
                data, rate = _read_wav(path)
            else:
                data, rate = (_read_csv(path) if suffix == ".csv" else _read_npy(path)), None
            if not np.all(np.isfinite(data)):
                raise NodeError(f"recording '{rel}' contains NaN or infinite values")
            data.setflags(write=False)  # shared through the cache; callers must copy to change it
            return data, rate

        return ctx.cached(("replay", suffix, content_sha256(path, ctx)), read)

    def infer(self, inputs, p, ctx):
        data, file_rate = self._load(p, ctx)
        if data.shape[1] != p["channels"]:
            raise NodeError(f"recording '{p['file']}' has {data.shape[1]} channels but the node is "
                            f"set to {p['channels']}; set 'channels' to {data.shape[1]}", port="out")
        if file_rate is not None and not math.isclose(file_rate, p["rate_hz"], rel_tol=1e-6):
            raise NodeError(f"recording '{p['file']}' was made at {file_rate} Hz but the node is set "
                            f"to {p['rate_hz']:g} Hz; set 'rate_hz' to {file_rate}", port="out")
        return _out((p["channels"],), p["rate_hz"])

    def cost(self, inputs, outputs, p, ctx):
        # The emulated board's firmware embeds the recording in flash as float32 values (.wav too,
        # so every sample is exact); the sensor stage copies the current one into its output buffer.
        data = self.load_samples(p, ctx)
        recording = int(data.size) * 4
        out = outputs["out"]
        return Cost(ram_bytes=out.bytes, flash_bytes=CODE_BYTES[self.kernel] + recording,
                    ops=out.elements,
                    detail={"output_bytes": out.bytes, "recording_bytes": recording,
                            "code_bytes": CODE_BYTES[self.kernel]})
