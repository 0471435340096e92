"""The host side of the host-stream sample source: the board's sensor samples sent from the host
over its serial link (the emulated board's test clips; later any board without a sensor driver).

Owns the frame codec (``encode_frame``/``decode_frame``, the format ``codegen/runtime/tms_hoststream.h``
describes: a 16-byte header with a length and a CRC-32 from zlib, then float32 little-endian
samples, or int16 ones when every value is exactly q / 32768 as a 16-bit recording's are), the ``ClipStreamer`` that answers the board's ``{"type":"need",...}`` requests clip after
clip, ``stream_session``: one connection to the board that reads its protocol lines and writes
the answers on the same link, and ``StreamResponder``, the same answers inside a monitor session on
any port (a real board's USB-serial device). No Qt, no printing.
"""
from __future__ import annotations

import socket
import struct
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from studio.core.errors import StudioError
from studio.device.protocol import Counters, LineAssembler, Message, parse_line

MAGIC = b"TMSH"
KIND_DATA = ord("D")      # float32 samples
KIND_PCM16 = ord("H")     # int16 samples, each q / 32768: half the bytes, exact for 16-bit recordings
KIND_END = ord("E")
_PCM16_SCALE = np.float32(32768.0)
FLAG_NEW_CLIP = 0x01
HEADER = struct.Struct("<4sBBHII")   # magic, kind, flags, seq, count, crc
HEADER_BYTES = HEADER.size           # 16


class FrameError(StudioError):
    """A frame that is not a valid host-stream frame (what the firmware rejects)."""


class HostStreamError(StudioError):
    """The board asked for something the stream cannot give (wrong channels), or the session failed."""


@dataclass(frozen=True)
class Frame:
    kind: int                  # KIND_DATA or KIND_END
    seq: int
    new_clip: bool
    samples: np.ndarray        # (count, channels) float32; (0, channels) for the end


def _crc(header_tail: bytes, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(header_tail)) & 0xFFFFFFFF


def pcm16_exact(samples: np.ndarray) -> np.ndarray | None:
    """The samples as int16 q with q / 32768 == each float32 value exactly, or None when some
    value is not such a fraction (then they travel as float32)."""
    x = np.asarray(samples, dtype=np.float32)
    if not np.all(np.isfinite(x)) or np.any(np.signbit(x) & (x == 0)):
        return None  # int16 has no -0.0: the float must come back bit for bit
    q = x * _PCM16_SCALE                     # exact: a power-of-two scale
    if q.size and (q.min() < -32768 or q.max() > 32767 or not np.all(q == np.round(q))):
        return None
    return q.astype("<i2")


def encode_frame(seq: int, samples: np.ndarray, new_clip: bool = False, pcm16: bool = False) -> bytes:
    """A data frame answering request ``seq`` with ``samples`` (count, channels): float32 LE, or
    with ``pcm16`` int16 LE (FrameError unless every value is exactly q / 32768)."""
    data = np.ascontiguousarray(np.asarray(samples, dtype="<f4"))
    if data.ndim != 2:
        raise FrameError(f"samples must be (count, channels), not shape {data.shape}")
    kind = KIND_DATA
    payload = data.tobytes()
    if pcm16:
        q = pcm16_exact(data)
        if q is None:
            raise FrameError("the samples are not all exact 16-bit PCM values (q / 32768)")
        kind, payload = KIND_PCM16, q.tobytes()
    tail = struct.pack("<BBHI", kind, FLAG_NEW_CLIP if new_clip else 0, seq & 0xFFFF, data.shape[0])
    return MAGIC + tail + struct.pack("<I", _crc(tail, payload)) + payload


def encode_end(seq: int) -> bytes:
    """The frame that tells the board the stream is over."""
    tail = struct.pack("<BBHI", KIND_END, 0, seq & 0xFFFF, 0)
    return MAGIC + tail + struct.pack("<I", _crc(tail, b""))


def decode_frame(data: bytes, channels: int) -> tuple[Frame, int]:
    """The first frame in ``data`` and the bytes it used; FrameError when it is not a whole valid
    frame (the checks the firmware makes: magic, kind, count, CRC)."""
    if len(data) < HEADER_BYTES:
        raise FrameError(f"a frame header is {HEADER_BYTES} bytes; got {len(data)}")
    magic, kind, flags, seq, count, crc = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise FrameError(f"bad magic {magic!r}")
    if kind not in (KIND_DATA, KIND_PCM16, KIND_END) or (kind == KIND_END and count):
        raise FrameError(f"bad frame kind {kind} with count {count}")
    width = 2 if kind == KIND_PCM16 else 4
    size = HEADER_BYTES + count * channels * width
    if len(data) < size:
        raise FrameError(f"the frame says {count} samples of {channels} channels; only "
                         f"{len(data) - HEADER_BYTES} payload bytes follow")
    payload = bytes(data[HEADER_BYTES:size])
    if _crc(bytes(data[4:12]), payload) != crc:
        raise FrameError("CRC mismatch")
    if kind == KIND_PCM16:
        samples = (np.frombuffer(payload, dtype="<i2").astype(np.float32) / _PCM16_SCALE).reshape(count, channels)
    else:
        samples = np.frombuffer(payload, dtype="<f4").astype(np.float32).reshape(count, channels)
    return Frame(kind, seq, bool(flags & FLAG_NEW_CLIP), samples), size


class ClipStreamer:
    """Answers the board's requests with the clips, in order: each clip's first block carries the
    new-clip flag (the board resets its pipeline), then the end frame. A repeated request (the
    board rejected a frame) gets the same frame again."""

    def __init__(self, clips: Sequence[np.ndarray]):
        # an image (H, W, C) is one sample; a recording (T, C) is T samples
        self.clips = [_as_samples(np.asarray(c, dtype=np.float32)) for c in clips]
        self.clip = 0
        self.offset = 0
        self.frames = 0
        self.bytes_sent = 0
        self.resent = 0
        self.finished = False
        self._last: tuple[int, bytes] | None = None

    def answer(self, seq: int, max_samples: int, channels: int) -> bytes:
        if self._last is not None and self._last[0] == seq:
            self.resent += 1
            return self._last[1]
        if max_samples < 1:
            raise HostStreamError(f"the board asks for {max_samples} samples per block")
        while self.clip < len(self.clips) and len(self.clips[self.clip]) == 0:
            self.clip += 1
        if self.clip >= len(self.clips):
            frame = encode_end(seq)
            self.finished = True
        else:
            clip = self.clips[self.clip]
            if clip.shape[1] != channels:
                raise HostStreamError(f"clip {self.clip} has {clip.shape[1]} channels; the board's sensor "
                                      f"reads {channels} per sample")
            block = clip[self.offset:self.offset + max_samples]
            # a 16-bit recording's samples travel as int16: half the bytes, the same floats
            frame = encode_frame(seq, block, new_clip=self.offset == 0, pcm16=pcm16_exact(block) is not None)
            self.offset += len(block)
            if self.offset >= len(clip):
                self.clip, self.offset = self.clip + 1, 0
        self._last = (seq, frame)
        self.frames += 1
        self.bytes_sent += len(frame)
        return frame

    def on_need(self, message: Message) -> bytes:
        d = message.data
        try:
            return self.answer(int(d["seq"]), int(d["max"]), int(d["channels"]))
        except (KeyError, TypeError, ValueError):
            raise HostStreamError(f"the board's request is not a host-stream request: {message.raw}") from None


class StreamResponder:
    """A monitor's side of the host stream on any serial link (``studio.device.monitor``): answers
    the board's requests and says when the stream is over. A request the board made before the
    port was open is lost and the board waits for bytes; when no request arrives for
    ``kick_after_s`` after connecting, the first block (request 0: what a board asks first after
    a reset) is sent unasked. A board waiting for another block rejects it (wrong sequence) and asks
    again, which the monitor then hears."""

    def __init__(self, streamer: ClipStreamer, block_samples: int, channels: int, kick_after_s: float = 2.0):
        self.streamer = streamer
        self.block_samples = block_samples
        self.channels = channels
        self.kick_after_s = kick_after_s
        self.requests = 0
        self.kicked = False

    def handle(self, message: Message, send: Callable[[bytes], None]) -> bool:
        """Answers a request (True: the message is the stream's, not the user's)."""
        if message.kind != "need":
            return False
        self.requests += 1
        send(self.streamer.on_need(message))
        return True

    def kick(self, send: Callable[[bytes], None]) -> None:
        if self.requests == 0 and not self.kicked:
            self.kicked = True
            send(self.streamer.answer(0, self.block_samples, self.channels))

    def ended(self, message: Message) -> bool:
        """The board's end line after the last clip: the stream is over."""
        return message.kind == "end" and self.streamer.finished


def _as_samples(clip: np.ndarray) -> np.ndarray:
    return clip.reshape(1, -1) if clip.ndim == 3 else clip.reshape(len(clip), -1)


@dataclass
class StreamStats:
    clips: int
    frames: int
    bytes_sent: int
    resent: int
    seconds: float

    @property
    def clips_per_s(self) -> float:
        return self.clips / self.seconds if self.seconds > 0 else 0.0


def stream_session(url_host: str, port: int, streamer: ClipStreamer,
                   on_message: Callable[[Message], None] | None = None, count: int | None = None,
                   timeout_s: float = 600.0, stop: Callable[[], bool] | None = None,
                   connect_timeout_s: float = 10.0,
                   idle_timeout_s: float = 120.0) -> tuple[Counters, StreamStats]:
    """One connection to a board's serial link (a TCP socket: the emulator's ``-serial``): its
    protocol lines go to ``on_message`` (requests are answered here, not passed on) until its
    ``end`` line, the connection closes, ``count`` inferences, ``stop()`` or ``timeout_s``; a board
    silent for ``idle_timeout_s`` (neither a line nor a request) fails the session at once."""
    counters = Counters()
    lines = LineAssembler()
    start = time.monotonic()
    deadline = start + timeout_s
    ended = False
    heard = start
    with socket.create_connection((url_host, port), timeout=connect_timeout_s) as sock:
        done = False
        while not done:
            if time.monotonic() > deadline:
                raise HostStreamError(f"the board did not finish its stream within {timeout_s:.0f} s "
                                      f"({streamer.clip} of {len(streamer.clips)} clips sent)")
            if stop is not None and stop():
                break
            sock.settimeout(0.2)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                if time.monotonic() - heard > idle_timeout_s:
                    raise HostStreamError(
                        f"the board sent nothing for {idle_timeout_s:.0f} s ({streamer.clip} of "
                        f"{len(streamer.clips)} clips sent, {counters.inferences} results): it is stuck, "
                        "or its firmware does not ask for the stream (regenerate it)") from None
                continue
            except OSError as e:
                raise HostStreamError(f"the board's serial link failed: {e}") from None
            if not chunk:
                break
            heard = time.monotonic()
            for raw in lines.feed(chunk):
                message = parse_line(raw)
                if message.kind == "need":
                    sock.sendall(streamer.on_need(message))
                    continue
                counters.add(message)
                if on_message is not None:
                    on_message(message)
                ended = ended or message.kind == "end"
                if ended or (count is not None and counters.inferences >= count):
                    done = True
                    break
    stopped = stop is not None and stop()
    if not ended and not stopped and (count is None or counters.inferences < count):
        # the board went away mid-stream (crashed, killed): a partial run must not pass as a whole one
        raise HostStreamError(f"the board's serial link closed after {streamer.clip} of {len(streamer.clips)} "
                              f"streamed clips and {counters.inferences} results, before its end line")
    stats = StreamStats(streamer.clip if not streamer.finished else len(streamer.clips), streamer.frames,
                        streamer.bytes_sent, streamer.resent, time.monotonic() - start)
    return counters, stats
