"""Real serial traffic for the monitor tests and bench: a TCP server on 127.0.0.1 that plays a
pretend board (pyserial reads it through ``socket://``), the mix of lines it sends with what each
line must be counted as, and a meter of the UI event loop's worst stall."""
from __future__ import annotations

import json
import random
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LABELS = ("idle", "wave", "shake", "circle")
OVERSIZED_BYTES = 70_000  # past the protocol's 64 KiB line limit


@dataclass
class Expected:
    """What the panel must count for the lines sent so far."""

    lines: int = 0
    parsed: int = 0
    malformed: int = 0
    raw: int = 0
    inferences: int = 0


def inference_line(seq: int, rng: random.Random) -> bytes:
    scores = [rng.random() for _ in LABELS]
    total = sum(scores)
    scores = [round(s / total, 4) for s in scores]
    index = max(range(len(scores)), key=scores.__getitem__)
    obj = {"type": "inference", "seq": seq, "label": LABELS[index], "index": index, "scores": scores,
           "dsp_us": 40 + rng.randint(0, 5), "model_us": 35, "dsp_cycles": 1000, "model_cycles": 875}
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def traffic(n: int, seed: int = 7) -> tuple[list[bytes], Expected]:
    """``n`` lines: mostly valid inference results, with text, truncated JSON, binary garbage and
    oversized lines mixed in, and the counts the panel must reach."""
    rng = random.Random(seed)
    out: list[bytes] = []
    exp = Expected()
    seq = 0
    for i in range(n):
        exp.lines += 1
        r = i % 50
        if r == 10:
            out.append(b"[boot] plain text from printf\n")
            exp.raw += 1
        elif r == 20:
            out.append(inference_line(seq, rng)[:37] + b"\n")   # cut mid-object (a reset)
            exp.malformed += 1
        elif r == 30:
            out.append(bytes([0xFF, 0xFE, 0x80, 0x81, 0x41, 0xC3]) + b"\n")  # wrong baud rate
            exp.malformed += 1
        elif r == 40 and i % 200 == 40:
            out.append(b"x" * OVERSIZED_BYTES + b"\n")
            exp.malformed += 1
        else:
            out.append(inference_line(seq, rng))
            seq += 1
            exp.parsed += 1
            exp.inferences += 1
    return out, exp


class LineServer:
    """Serves ``lines`` to the first client at ``rate_per_s`` (0: as fast as the socket takes them),
    then keeps the connection open until stopped or ``close_client()``."""

    def __init__(self, lines: list[bytes], rate_per_s: float = 1000.0, port: int = 0):
        self.lines = lines
        self.rate_per_s = rate_per_s
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.done = threading.Event()
        self._stop = threading.Event()
        self._client: socket.socket | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.thread = threading.Thread(target=self._serve, name="line server", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
                break
            except socket.timeout:
                continue
        else:
            return
        self._client = client
        self.started_at = time.monotonic()
        # send in 10 ms slices so the rate is steady, as a UART at speed would deliver it
        per_slice = max(1, int(self.rate_per_s / 100)) if self.rate_per_s else 200
        i = 0
        try:
            while i < len(self.lines) and not self._stop.is_set():
                chunk = b"".join(self.lines[i:i + per_slice])
                client.sendall(chunk)
                i += len(self.lines[i:i + per_slice])
                self.sent = i
                if self.rate_per_s:
                    due = self.started_at + i / self.rate_per_s
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
        except OSError:
            pass
        self.finished_at = time.monotonic()
        self.done.set()
        self._stop.wait()

    def close_client(self) -> None:
        """Ends the connection and stops listening: the board went away."""
        self._stop.set()
        # the listener first: a client that reconnects at once must find nothing, not the backlog
        self.sock.close()
        if self._client is not None:
            try:
                self._client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._client.close()
        self.thread.join(5)

    stop = close_client


class StallMeter:
    """A Qt timer every ``interval_ms``; the largest gap between two ticks is the event loop's worst
    stall (plus the interval itself, which is subtracted)."""

    def __init__(self, interval_ms: int = 10):
        from PySide6.QtCore import QTimer

        self.interval_ms = interval_ms
        self.worst_gap_ms = 0.0
        self.ticks = 0
        self._last: float | None = None
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.worst_gap_ms = max(self.worst_gap_ms, (now - self._last) * 1000.0)
        self._last = now
        self.ticks += 1

    @property
    def worst_stall_ms(self) -> float:
        return max(0.0, self.worst_gap_ms - self.interval_ms)


def copy_sample(name: str, dest: Path) -> Path:
    """A private copy of a sample project (builds write next to the project; the repo stays clean)."""
    src = REPO / "sample_projects" / name
    target = dest / name
    shutil.copytree(src, target, ignore=shutil.ignore_patterns("build", "__pycache__"))
    return target / f"{name}.tinyml"


def counts(panel) -> dict[str, int]:
    c = panel.counters
    return {"lines": c.lines, "parsed": c.parsed, "malformed": c.malformed, "raw": c.raw,
            "inferences": c.inferences}


def expected_counts(exp: Expected) -> dict[str, int]:
    return {"lines": exp.lines, "parsed": exp.parsed, "malformed": exp.malformed, "raw": exp.raw,
            "inferences": exp.inferences}
