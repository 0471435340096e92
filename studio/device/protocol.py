"""The serial protocol the firmware speaks: one JSON object per line, each with a ``"type"``.

Owns turning bytes from a serial port into :class:`Message` values (``parse_line``), cutting an
arbitrary byte stream into lines (:class:`LineAssembler`) and counting what went by
(:class:`Counters`). Nothing here raises on bad input: a serial line carries boot noise, printf
debugging, half-sent JSON after a reset and plain garbage, and all of it must reach the user as
text rather than as a crash.

Kinds of message:
- ``hello``, ``inference``, ``alert``, ``log``, ``capture``, ``power`` and any other object with a
  string ``"type"``: parsed; the known types are checked field by field. ``power`` (after each
  inference of a firmware that sleeps between samples) says how long the core was busy in the span
  since the previous one: ``busy_us`` of ``window_us`` (:class:`PowerReport`). ``profile`` (after
  the first inference and every ``every``-th) gives that window's time per pipeline node,
  ``stages: {node id: µs}`` (:class:`StageProfile`).
- ``raw``: a printable text line that is not JSON (boot banners, printf) — shown as text.
- ``malformed``: a line that looks like JSON but is not a valid message, binary garbage, or a line
  longer than :data:`MAX_LINE_BYTES`.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

MAX_LINE_BYTES = 64 * 1024
# Display text of a rejected line is cut to this many characters so a 64 KiB line of garbage does
# not flood a log view or a --json consumer.
MAX_SHOWN_CHARS = 1024

RAW = "raw"
MALFORMED = "malformed"
KNOWN_TYPES = ("hello", "inference", "alert", "log", "capture", "power", "profile")
# Other types are welcome ("as outputs need"), but must look like a name so they can be shown and
# filtered; "raw"/"malformed"/"summary" are ours and never come from the device.
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_RESERVED_TYPES = (RAW, MALFORMED, "summary")
# Printable text: tab plus everything from space up, except DEL and the C1 control block.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Message:
    """One line from the device. ``data`` is the parsed object (empty for raw/malformed lines);
    treat it as read-only — it is shared with every consumer of the message."""

    kind: str
    data: dict[str, Any] = field(hash=False, compare=True)
    raw: str
    error: str = ""

    @property
    def parsed(self) -> bool:
        return self.kind not in (RAW, MALFORMED)

    def to_json(self) -> dict[str, Any]:
        """The object ``monitor --json`` prints for this line."""
        if self.kind == RAW:
            return {"type": RAW, "text": self.raw}
        if self.kind == MALFORMED:
            return {"type": MALFORMED, "text": self.raw, "error": self.error}
        return dict(self.data)


@dataclass(frozen=True)
class InferenceResult:
    """A typed view of an ``inference`` message."""

    seq: int
    label: str
    index: int
    scores: tuple[float, ...]
    dsp_us: float
    model_us: float
    overruns: int | None = None   # samples a driver-fed sensor has lost so far (absent otherwise)

    @classmethod
    def from_message(cls, message: Message) -> InferenceResult:
        if message.kind != "inference":
            raise ValueError(f"not an inference message: {message.kind}")
        d = message.data
        return cls(d["seq"], d["label"], d["index"], tuple(d["scores"]), d["dsp_us"], d["model_us"],
                   d.get("overruns"))


@dataclass(frozen=True)
class CaptureWindow:
    """A typed view of a ``capture`` message: one raw sensor window, frames of ``channels`` values."""

    label: str
    rate_hz: float
    channels: int
    frames: tuple[tuple[float, ...], ...]

    @classmethod
    def from_message(cls, message: Message) -> CaptureWindow:
        if message.kind != "capture":
            raise ValueError(f"not a capture message: {message.kind}")
        d = message.data
        channels = d["channels"]
        data = d["data"]
        if data and isinstance(data[0], list):
            frames = tuple(tuple(row) for row in data)
        else:
            frames = tuple(tuple(data[i:i + channels]) for i in range(0, len(data), channels))
        return cls(d["label"], d["rate_hz"], channels, frames)


@dataclass(frozen=True)
class PowerReport:
    """A typed view of a ``power`` message: the core was awake ``busy_us`` of the ``window_us`` since
    the previous one (the rest asleep in WFI until the next sample tick)."""

    seq: int
    busy_us: float
    window_us: float

    @property
    def busy_fraction(self) -> float:
        return min(1.0, self.busy_us / self.window_us) if self.window_us > 0 else 1.0

    @classmethod
    def from_message(cls, message: Message) -> PowerReport:
        if message.kind != "power":
            raise ValueError(f"not a power message: {message.kind}")
        d = message.data
        return cls(d["seq"], d["busy_us"], d["window_us"])


@dataclass(frozen=True)
class StageProfile:
    """A typed view of a ``profile`` message: window ``seq``'s time per node (µs at the board's
    clock), sensor waits and the profiler's own cost (``overhead_us``) left out."""

    seq: int
    stages_us: dict[str, float]
    overhead_us: float = 0.0

    @property
    def total_us(self) -> float:
        return sum(self.stages_us.values())

    @classmethod
    def from_message(cls, message: Message) -> StageProfile:
        if message.kind != "profile":
            raise ValueError(f"not a profile message: {message.kind}")
        d = message.data
        return cls(d["seq"], dict(d["stages"]), d.get("overhead_us", 0.0))

    def describe(self) -> str:
        parts = ", ".join(f"{node} {us:,} µs" for node, us in self.stages_us.items())
        return f"profile #{self.seq}: {parts or 'no timed stages'}"


@dataclass
class SleepTally:
    """The busy fraction over a run's ``power`` messages (total busy over total elapsed time).
    ``from_seq`` leaves out the spans before it: the first (seq 0) includes filling the first
    window, longer than the steady state when windows overlap."""

    busy_us: float = 0.0
    window_us: float = 0.0
    reports: int = 0
    from_seq: int = 0

    def add(self, message: Message) -> None:
        if message.kind == "power":
            report = PowerReport.from_message(message)
            if report.seq < self.from_seq:
                return
            self.busy_us += report.busy_us
            self.window_us += report.window_us
            self.reports += 1

    @property
    def busy_fraction(self) -> float | None:
        return min(1.0, self.busy_us / self.window_us) if self.window_us > 0 else None

    def to_json(self) -> dict[str, Any]:
        fraction = self.busy_fraction
        return {"power_reports": self.reports, "busy_us": round(self.busy_us, 3),
                "window_us": round(self.window_us, 3),
                "busy_fraction": None if fraction is None else round(fraction, 5),
                "asleep_fraction": None if fraction is None else round(1.0 - fraction, 5)}

    def describe(self) -> str:
        fraction = self.busy_fraction
        if fraction is None:
            return "the firmware reported no sleep (no power lines)"
        return (f"asleep {1.0 - fraction:.1%} of the time: busy {self.busy_us / 1000:,.1f} ms of "
                f"{self.window_us / 1000:,.1f} ms over {self.reports} windows")


def encode_message(obj: dict[str, Any]) -> bytes:
    """One protocol line as the firmware prints it (compact JSON + LF); used by tests and benches."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode() + b"\n"


def parse_line(raw: bytes | str) -> Message:
    """Classifies one line; never raises."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        raw_bytes = bytes(raw)
        size = len(raw_bytes)
        try:
            text = raw_bytes.decode("utf-8")
            undecodable = False
        except UnicodeDecodeError:
            text = raw_bytes.decode("utf-8", errors="replace")
            undecodable = True
    else:
        text = str(raw)
        try:
            size = len(text.encode("utf-8"))
            undecodable = False
        except UnicodeEncodeError:  # lone surrogates: not something a UART can have sent as text
            size = len(text.encode("utf-8", errors="replace"))
            text = text.encode("utf-8", errors="replace").decode("utf-8")
            undecodable = True
    text = text.rstrip("\r\n")
    if size > MAX_LINE_BYTES:
        return _malformed(text, f"line longer than {MAX_LINE_BYTES} bytes (cut)")
    if undecodable:
        return _malformed(text, "binary data, not UTF-8 text (wrong baud rate or noise on the line?)")
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return _text_line(text, stripped)
    try:
        # JSON itself refuses raw control characters below 0x20; DEL and C1 are legal in strings.
        obj = _DECODER.decode(stripped)
    except (ValueError, RecursionError) as e:
        if stripped.startswith("["):
            return _text_line(text, stripped)  # "[boot] ..." style log prefixes are text, not JSON
        return _malformed(text, f"not valid JSON: {_short(e)}")
    if not isinstance(obj, dict):
        return _malformed(text, f"a JSON {type(obj).__name__}, not an object")
    problem = _check_message(obj)
    if problem:
        return _malformed(text, problem)
    return Message(obj["type"], obj, text)


def _text_line(text: str, stripped: str) -> Message:
    if _CONTROL.search(stripped):
        return _malformed(text, "binary data: control characters in the line (wrong baud rate?)")
    return Message(RAW, {}, text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# one decoder for all lines: json.loads with options builds a new one per call
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _short(e: BaseException) -> str:
    if isinstance(e, RecursionError):
        return "nested too deeply"
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__


def _malformed(text: str, error: str) -> Message:
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + "…"
    return Message(MALFORMED, {}, text, error)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _check_message(obj: dict[str, Any]) -> str:
    """Returns what is wrong with a parsed object, or "" if it is a valid message."""
    kind = obj.get("type")
    if not isinstance(kind, str):
        return "no \"type\" field" if kind is None else "\"type\" must be a string"
    if kind in _RESERVED_TYPES or not _TYPE_NAME.match(kind):
        return f"\"type\" {kind[:40]!r} is not a message type name"
    check = _CHECKS.get(kind)
    return check(obj) if check else ""


def _need(obj: dict[str, Any], key: str, ok, what: str) -> str:
    if key not in obj:
        return f"{obj['type']}: missing field \"{key}\""
    if not ok(obj[key]):
        return f"{obj['type']}: field \"{key}\" must be {what}"
    return ""


def _check_hello(obj: dict[str, Any]) -> str:
    return (_need(obj, "project", lambda v: isinstance(v, str), "text")
            or _need(obj, "board", lambda v: isinstance(v, str), "text")
            or _need(obj, "build", lambda v: isinstance(v, str) or _is_number(v), "text or a number"))


def _plain_number(v: Any) -> bool:
    t = type(v)
    return t is int or (t is float and math.isfinite(v))


def _inference_ok(obj: dict[str, Any]) -> bool:
    """The common case, checked without building messages (the monitor parses 1,000+ lines/s)."""
    seq, index, scores = obj.get("seq"), obj.get("index"), obj.get("scores")
    dsp_us, model_us = obj.get("dsp_us"), obj.get("model_us")
    return (type(seq) is int and seq >= 0 and type(obj.get("label")) is str
            and type(index) is int and index >= 0 and type(scores) is list
            and all(map(_plain_number, scores)) and (not scores or index < len(scores))
            and _plain_number(dsp_us) and dsp_us >= 0 and _plain_number(model_us) and model_us >= 0
            and ("overruns" not in obj or (type(obj["overruns"]) is int and obj["overruns"] >= 0)))


def _check_inference(obj: dict[str, Any]) -> str:
    if _inference_ok(obj):
        return ""
    problem = (_need(obj, "seq", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
               or _need(obj, "label", lambda v: isinstance(v, str), "text")
               or _need(obj, "index", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
               or _need(obj, "scores", lambda v: isinstance(v, list) and all(_is_number(s) for s in v),
                        "a list of numbers")
               or _need(obj, "dsp_us", lambda v: _is_number(v) and v >= 0, "a number >= 0")
               or _need(obj, "model_us", lambda v: _is_number(v) and v >= 0, "a number >= 0")
               or ("overruns" in obj and _need(obj, "overruns", lambda v: _is_int(v) and v >= 0,
                                               "a whole number >= 0")) or "")
    if not problem and obj["scores"] and obj["index"] >= len(obj["scores"]):
        problem = f"inference: index {obj['index']} is outside the {len(obj['scores'])} scores"
    return problem


def _check_capture(obj: dict[str, Any]) -> str:
    problem = (_need(obj, "label", lambda v: isinstance(v, str) and v.strip() != "", "non-empty text")
               or _need(obj, "rate_hz", lambda v: _is_number(v) and v > 0, "a number > 0")
               or _need(obj, "channels", lambda v: _is_int(v) and 0 < v <= 1024, "a whole number 1..1024")
               or _need(obj, "data", lambda v: isinstance(v, list), "a list"))
    if problem:
        return problem
    data, channels = obj["data"], obj["channels"]
    if data and all(isinstance(row, list) for row in data):
        if not all(len(row) == channels and all(_is_number(x) for x in row) for row in data):
            return f"capture: every row of \"data\" must hold {channels} numbers"
        return ""
    if not all(_is_number(x) for x in data):
        return "capture: \"data\" must be a list of numbers (or of rows of numbers)"
    if len(data) % channels:
        return f"capture: {len(data)} values do not split into frames of {channels} channels"
    return ""


def _check_power(obj: dict[str, Any]) -> str:
    problem = (_need(obj, "seq", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
               or _need(obj, "busy_us", lambda v: _is_number(v) and v >= 0, "a number >= 0")
               or _need(obj, "window_us", lambda v: _is_number(v) and v >= 0, "a number >= 0"))
    if not problem and obj["busy_us"] > obj["window_us"]:
        problem = f"power: busy_us {obj['busy_us']} is more than window_us {obj['window_us']}"
    return problem


def _check_profile(obj: dict[str, Any]) -> str:
    problem = (_need(obj, "seq", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
               or _need(obj, "stages", lambda v: isinstance(v, dict)
                        and all(_is_number(us) and us >= 0 for us in v.values()),
                        "an object of node ids to numbers >= 0")
               or ("overhead_us" in obj and _need(obj, "overhead_us", lambda v: _is_number(v) and v >= 0,
                                                  "a number >= 0")) or "")
    return problem


def _check_text_fields(*keys: str):
    def check(obj: dict[str, Any]) -> str:
        for key in keys:
            if key in obj and not isinstance(obj[key], str):
                return f"{obj['type']}: field \"{key}\" must be text"
        return ""
    return check


_CHECKS = {
    "hello": _check_hello,
    "inference": _check_inference,
    "capture": _check_capture,
    "power": _check_power,
    "profile": _check_profile,
    # alert/log carry whatever the output node needs; only their text fields are checked.
    "alert": _check_text_fields("label", "message", "text", "level"),
    "log": _check_text_fields("message", "text", "level"),
}


@dataclass
class Counters:
    """What a monitor session saw. ``lines`` counts every non-empty line; ``parsed`` the valid
    messages; ``malformed`` the rejected ones (raw text lines are in ``lines`` only)."""

    lines: int = 0
    parsed: int = 0
    malformed: int = 0
    inferences: int = 0

    def add(self, message: Message) -> None:
        self.lines += 1
        if message.kind == MALFORMED:
            self.malformed += 1
        elif message.kind != RAW:
            self.parsed += 1
            if message.kind == "inference":
                self.inferences += 1

    @property
    def raw(self) -> int:
        return self.lines - self.parsed - self.malformed

    def summary(self) -> dict[str, Any]:
        return {"type": "summary", "lines": self.lines, "parsed": self.parsed, "malformed": self.malformed}


class LineAssembler:
    """Cuts a byte stream, delivered in chunks split anywhere, into lines.

    CR, LF and CRLF all end a line and empty lines are dropped, so a CRLF split across two chunks
    yields one line. NUL bytes are dropped (UARTs emit them on reset). A line longer than
    ``max_line_bytes`` is delivered once, cut to ``max_line_bytes + 1`` bytes so ``parse_line``
    reports it as malformed, and the rest of it up to the next line end is discarded.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES):
        self.max_line_bytes = max_line_bytes
        self._buf = bytearray()
        self._discarding = False
        self.discarded_bytes = 0

    @property
    def pending_bytes(self) -> int:
        return len(self._buf)

    def feed(self, chunk: bytes) -> list[bytes]:
        if not chunk:
            return []
        chunk = bytes(chunk)
        if b"\x00" in chunk:
            chunk = chunk.replace(b"\x00", b"")
        chunk = chunk.replace(b"\r", b"\n")
        out: list[bytes] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            self._take(chunk[start:end], True, out)
            start = end + 1
        if start < len(chunk):
            self._take(chunk[start:], False, out)
        return out

    def flush(self) -> list[bytes]:
        """The unterminated tail at the end of a stream (e.g. the port closed mid-line)."""
        out = [bytes(self._buf)] if self._buf else []
        self._buf.clear()
        self._discarding = False
        return out

    def reset(self) -> None:
        """Forget a partial line (after a reconnect it belongs to a stream that is gone)."""
        self._buf.clear()
        self._discarding = False

    def _take(self, piece: bytes, ends_line: bool, out: list[bytes]) -> None:
        if self._discarding:
            self.discarded_bytes += len(piece)
            if ends_line:
                self._discarding = False
            return
        self._buf += piece
        if len(self._buf) > self.max_line_bytes:
            self.discarded_bytes += len(self._buf) - self.max_line_bytes - 1
            out.append(bytes(self._buf[:self.max_line_bytes + 1]))
            self._buf.clear()
            self._discarding = not ends_line
        elif ends_line:
            if self._buf:
                out.append(bytes(self._buf))
            self._buf.clear()
