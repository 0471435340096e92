"""The monitor session behind ``tinyml-studio monitor`` and the UI's recording/capture modes.

Owns: running a :class:`~studio.device.serial_link.SerialLink` until enough inferences, a timeout,
the end of the stream or a stop request (:func:`monitor`); recording inference results to CSV
(:class:`CsvRecorder`); saving ``capture`` windows as labelled dataset samples
(:class:`CaptureWriter`). No Qt, no printing: callers decide what to show.
"""
from __future__ import annotations

import csv
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from studio.core.errors import StudioError
from studio.device.protocol import CaptureWindow, Counters, InferenceResult, Message
from studio.device.serial_link import LinkEvent, SerialLink

# After the device goes away, wait this long for it to come back before calling the stream ended:
# long enough for a board reset or a USB re-enumeration, short enough for a script.
DEFAULT_GIVE_UP_S = 3.0


def monitor(port: str, count: int | None = None, timeout_s: float | None = None,
            on_message: Callable[[Message], None] | None = None, *, baud: int = 115200,
            on_state: Callable[[LinkEvent], None] | None = None,
            give_up_after_s: float = DEFAULT_GIVE_UP_S,
            stop: threading.Event | None = None, responder=None) -> Counters:
    """Reads protocol messages from ``port`` and hands each to ``on_message`` (in order, on the
    calling thread) until ``count`` inference messages were seen, ``timeout_s`` passed, the
    device stayed away for ``give_up_after_s``, ``stop`` was set, or Ctrl-C. Returns the counters
    (their ``summary()`` is the last line of ``monitor --json``).

    ``responder`` (a :class:`~studio.device.hoststream.StreamResponder`) answers a host-stream
    sensor's requests on the same port; the session then also ends at the board's end line.

    Raises :class:`~studio.device.serial_link.SerialLinkError` (a StudioError with the fix) when
    the port cannot be opened at all.
    """
    if count is not None and count < 1:
        raise StudioError(f"--count must be at least 1, not {count}")
    counters = Counters()
    finished = threading.Event()

    def deliver(message: Message) -> None:
        if finished.is_set():
            return  # the rest of the last chunk, after the count was reached
        if responder is not None and responder.handle(message, link.send):
            return
        counters.add(message)
        if on_message is not None:
            on_message(message)
        if (count is not None and counters.inferences >= count) or (responder is not None
                                                                       and responder.ended(message)):
            finished.set()
            link.stop()

    link = SerialLink(port, baud, on_message=deliver, on_state=on_state,
                      give_up_after_s=give_up_after_s)
    watchers = []
    if timeout_s is not None:
        timer = threading.Timer(timeout_s, link.stop)
        timer.daemon = True
        watchers.append(timer)
    if responder is not None:
        def kick() -> None:
            try:
                responder.kick(link.send)
            except StudioError:
                pass   # not connected (yet): the board's own request will start the stream
        kicker = threading.Timer(responder.kick_after_s, kick)
        kicker.daemon = True
        watchers.append(kicker)
    if stop is not None:
        # relays an outside stop request; the link polls its own event only
        def relay() -> None:
            while not finished.is_set():
                if stop.wait(0.05):
                    link.stop()
                    return
        watchers.append(threading.Thread(target=relay, name="monitor stop relay", daemon=True))
    for w in watchers:
        w.start()
    try:
        link.run()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a user ends an open-ended monitor; the summary still follows
    finally:
        finished.set()
        for w in watchers:
            if isinstance(w, threading.Timer):
                w.cancel()
    if link.connections == 0 and link.last_error is not None:
        # stopped (timeout, stop request) while still trying to open the port: say why it never opened
        raise link.last_error
    return counters


# --- recording inference results -------------------------------------------------------------

class CsvRecorder:
    """Writes inference messages as CSV rows: ``seq,label,index,dsp_us,model_us,score_0..score_n``.

    The score columns are fixed by the first inference; a later one with another number of scores
    (a different firmware) is not written and is counted in :attr:`skipped`.
    """

    def __init__(self, target: str | os.PathLike | TextIO):
        if isinstance(target, (str, os.PathLike)):
            self._file: TextIO = open(target, "w", newline="", encoding="utf-8")
            self._owned = True
        else:
            self._file, self._owned = target, False
        self._writer = csv.writer(self._file)
        self.score_columns: int | None = None
        self.rows = 0
        self.skipped = 0

    def record(self, message: Message) -> bool:
        """Writes ``message`` if it is an inference; returns whether a row was written."""
        if message.kind != "inference":
            return False
        result = InferenceResult.from_message(message)
        if self.score_columns is None:
            self.score_columns = len(result.scores)
            self._writer.writerow(["seq", "label", "index", "dsp_us", "model_us"]
                                  + [f"score_{i}" for i in range(self.score_columns)])
        if len(result.scores) != self.score_columns:
            self.skipped += 1
            return False
        self._writer.writerow([result.seq, _spreadsheet_safe(result.label), result.index, result.dsp_us,
                               result.model_us, *result.scores])
        self._file.flush()  # a recording is read while it grows, and must survive a crash
        self.rows += 1
        return True

    def close(self) -> None:
        if self._owned:
            self._file.close()
        else:
            self._file.flush()

    def __enter__(self) -> CsvRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _spreadsheet_safe(text: str) -> str:
    # a label from the device is data: never let a spreadsheet run it as a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- dataset capture -------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                     *(f"lpt{i}" for i in range(10))}
MAX_LABEL_CHARS = 64


def safe_label(label: str) -> str:
    """A folder name for a class label that is safe on every OS and stays where it is put:
    letters, digits, ``_ . -`` only, no leading dot, never ``..``, never empty."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    text = _UNSAFE.sub("_", text).strip("._-")[:MAX_LABEL_CHARS].rstrip("._-")
    if not text:
        return "unlabelled"
    if text.lower().split(".")[0] in _WINDOWS_RESERVED:
        text = "_" + text
    return text


@dataclass(frozen=True)
class SavedSample:
    path: Path
    label: str
    frames: int
    channels: int
    rate_hz: float


class CaptureWriter:
    """Saves ``capture`` messages as labelled samples: ``<dataset_dir>/<label>/<n>.csv``, one CSV
    per window with a ``t_s`` column (time from the window start) and one column per channel."""

    def __init__(self, dataset_dir: str | os.PathLike):
        self.dataset_dir = Path(dataset_dir).resolve()
        self.saved: list[SavedSample] = []

    def save(self, message: Message, label: str | None = None) -> SavedSample | None:
        """Writes the window if ``message`` is a capture; returns what was saved. ``label``, when
        given, replaces the device's (the user names the class on the host while recording)."""
        if message.kind != "capture":
            return None
        window = CaptureWindow.from_message(message)
        if label is not None:
            window = CaptureWindow(label, window.rate_hz, window.channels, window.frames)
        folder = self.dataset_dir / safe_label(window.label)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not folder.resolve().is_relative_to(self.dataset_dir):
                # only a symlink someone placed in the dataset can get here
                raise StudioError(f"refusing to write a sample outside {self.dataset_dir}: "
                                  f"{folder} points to {folder.resolve()}")
            path = self._write_new(folder, window)
        except OSError as e:
            raise StudioError(f"cannot save the captured sample in {folder}: {e.strerror or e}") from None
        sample = SavedSample(path, window.label, len(window.frames), window.channels, window.rate_hz)
        self.saved.append(sample)
        return sample

    def _write_new(self, folder: Path, window: CaptureWindow) -> Path:
        numbers = [int(p.stem) for p in folder.glob("*.csv") if p.stem.isdigit()]
        n = max(numbers, default=-1) + 1
        while True:
            path = folder / f"{n}.csv"
            try:
                f = open(path, "x", newline="", encoding="utf-8")  # never overwrite a sample
            except FileExistsError:
                n += 1
                continue
            with f:
                w = csv.writer(f)
                w.writerow(["t_s"] + [f"ch_{c}" for c in range(window.channels)])
                for i, frame in enumerate(window.frames):
                    w.writerow([repr(i / window.rate_hz), *frame])
            return path
