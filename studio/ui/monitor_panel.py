"""The serial monitor panel: a live view of what a board (or the emulated board) prints.

Owns the UI side of a serial session: choosing a port and baud, connecting and disconnecting a
:class:`~studio.device.serial_link.SerialLink`, the raw text view, the parsed results (latest label
and confidence, per-class score bars, plots of scores and latency over time), the counters, CSV
recording and dataset capture, and stopping an emulator session handed to it.

Threading: the link reads on its own thread and only appends to a per-connection deque. A timer on
the UI thread drains that deque every ``BATCH_INTERVAL_MS`` and updates each widget once per batch,
so 1,000 lines/s costs the event loop twenty small updates a second, not a thousand signals.
pyqtgraph takes a second or two to import, so the plots are built the first time the panel shows,
never at start-up.
"""
from __future__ import annotations

import collections
import gc
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QTextCursor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QSizePolicy, QSplitter,
                               QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.device.monitor import CaptureWriter, CsvRecorder
from studio.device.protocol import MALFORMED, Counters, Message, StageProfile
from studio.device.serial_link import LinkEvent, LinkState, SerialLink

BATCH_INTERVAL_MS = 50
# At most this many messages are handled per batch (~30 ms); the rest wait for the next tick, so
# a burst can delay the view but never freeze it. 20,000 lines/s, above the parser's own ceiling.
MAX_MESSAGES_PER_BATCH = 1000
# The text view gets at most this many lines of one batch (5,000 lines/s); faster than that nobody
# reads them, and laying out text is the dearest part of a batch. All are still counted,
# recorded and plotted.
RAW_LINES_PER_BATCH = 250
KEPT_WHEN_FOLDING = ("hello", "log", "alert", "end", "profile")   # message types never folded away
RAW_VIEW_MAX_LINES = 2000
# A 64 KiB line of text makes QPlainTextEdit lay out a huge paragraph; nobody reads past this.
RAW_LINE_MAX_CHARS = 300
PLOT_POINTS = 150
# one colour per class: its score curve and its name next to its bar (the plot needs no legend)
CLASS_COLOURS = ("#e91e63", "#ff9800", "#4caf50", "#2196f3", "#9c27b0", "#00bcd4", "#cddc39", "#8d6e63")
# Plots repaint slower than the text: a pyqtgraph paint costs ~10 ms offscreen, and four a second
# is smooth enough for a trend.
PLOT_INTERVAL_S = 0.25
BAUD_RATES = ("9600", "57600", "115200", "230400", "460800", "921600", "1000000")
# the emulated board's QEMU exits when its recording ends: stop waiting for it soon after
EMULATED_GIVE_UP_S = 2.0


_objects_frozen = False
# The reader thread parses in Python. PySide6 lets go of the GIL around Qt calls, and each time the
# UI thread wants it back it may wait a whole switch interval (5 ms by default) for the reader: a
# batch makes dozens of Qt calls. 1 ms cut the worst stalls at 1,000 lines/s by a third (bench).
UI_SWITCH_INTERVAL_S = 0.001


def prefer_the_ui_thread() -> None:
    if sys.getswitchinterval() > UI_SWITCH_INTERVAL_S:
        sys.setswitchinterval(UI_SWITCH_INTERVAL_S)


def freeze_long_lived_objects() -> None:
    """Moves every object alive now out of the garbage collector's reach (``gc.freeze``), once.
    A live monitor allocates a dict per line, so full collections come every few seconds, and
    each one walked the whole app (Qt wrappers, NodeGraphQt, numpy): 40-50 ms stalls, measured in
    bench_monitor_ui. Called while the app idles after start-up (``device_tools`` warm-up), or at the
    latest when the first connection opens: what exists then lives as long as the app."""
    global _objects_frozen
    if not _objects_frozen:
        _objects_frozen = True
        gc.collect()
        gc.freeze()


class _Connection:
    """One connection attempt: its link, the deque its reader thread fills, and an optional
    emulator session that lives exactly as long as it."""

    def __init__(self, port: str, baud: int, session: Any, give_up_after_s: float | None, responder: Any = None):
        self.port = port
        self.queue: collections.deque = collections.deque()
        self.session = session
        # a host-stream sensor's requests are answered on the reader thread (no Qt), not shown
        self.responder = responder
        self._kick: threading.Timer | None = None
        # deque.append is atomic, so the reader thread needs no lock and never touches Qt
        self.link = SerialLink(port, baud, on_message=self._on_message if responder else self.queue.append,
                               on_state=self.queue.append, give_up_after_s=give_up_after_s)

    def _on_message(self, message) -> None:
        if not self.responder.handle(message, self.link.send):
            self.queue.append(message)

    def _kick_stream(self) -> None:
        try:
            self.responder.kick(self.link.send)
        except StudioError:
            pass   # not connected yet: the board's own request starts the stream

    def start(self) -> None:
        self.link.start()
        if self.responder is not None:
            self._kick = threading.Timer(self.responder.kick_after_s, self._kick_stream)
            self._kick.daemon = True
            self._kick.start()

    def stop(self, wait: bool = False) -> None:
        if self._kick is not None:
            self._kick.cancel()
        # not joining the reader keeps Disconnect instant; its last messages go to a deque nobody drains
        self.link.stop(join_timeout_s=2.0 if wait else 0.0)
        session, self.session = self.session, None
        if session is not None:
            if wait:
                session.stop()
            else:
                # QEMU may take a moment to terminate; the UI does not wait for it
                threading.Thread(target=session.stop, name="stop emulator", daemon=True).start()


class _Ring:
    """The last ``size`` values of a few named series, for the plots."""

    def __init__(self, size: int):
        self.size = size
        self.x = np.zeros(0)
        self.series: dict[str, np.ndarray] = {}

    def clear(self) -> None:
        self.x = np.zeros(0)
        self.series = {}

    def extend(self, xs: list[float], columns: dict[str, list[float]]) -> None:
        self.x = np.concatenate([self.x, np.asarray(xs, float)])[-self.size:]
        n = len(self.x)
        for name, values in columns.items():
            old = self.series.get(name, np.zeros(0))
            merged = np.concatenate([old, np.asarray(values, float)])[-self.size:]
            if len(merged) < n:  # a class that appeared late: pad its past with NaN (not drawn)
                merged = np.concatenate([np.full(n - len(merged), np.nan), merged])
            self.series[name] = merged


class ScoreBar(QWidget):
    """A horizontal bar with its value written on it. QProgressBar repaints synchronously on every
    setValue (tens of ms per batch offscreen); this one only schedules a paint, so a batch costs
    one paint of each bar at most."""

    def __init__(self, colour: str = "#2196f3", parent: QWidget | None = None):
        super().__init__(parent)
        self.value = 0.0
        self.highlight = False
        self.colour = QColor(colour)
        self.setMinimumHeight(18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_value(self, value: float, highlight: bool = False) -> None:
        value = max(0.0, min(1.0, float(value)))
        if value != self.value or highlight != self.highlight:
            self.value, self.highlight = value, highlight
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        r = self.rect().adjusted(0, 1, -1, -2)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRect(r)
        fill = QColor(self.colour)
        if not self.highlight:
            fill.setAlpha(150)  # the winning class stands out
        p.fillRect(r.adjusted(1, 1, 0, 0).adjusted(0, 0, -int((r.width() - 1) * (1.0 - self.value)), 0), fill)
        p.setPen(pal.color(QPalette.ColorRole.Text))
        p.drawText(r.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                   f"{self.value:.3f}")
        p.end()


class MonitorPanel(QWidget):
    """Connect/disconnect, raw view, parsed results, plots, counters, recording and capture."""

    state_changed = Signal(str)        # a sentence for the status bar
    error = Signal(str)                # a domain error the window should show
    connected_changed = Signal(bool)
    profile_received = Signal(object)  # StageProfile: a window's measured time per node

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("monitor_panel")
        self.last_profile: StageProfile | None = None
        self.device_board: str | None = None      # the board the firmware's hello line named
        self.counters = Counters()
        self.labels: tuple[str, ...] = ()          # from the project's validation report
        self._seen_labels: dict[int, str] = {}      # index -> label, learnt from messages
        self.last_inference: dict[str, Any] | None = None
        self.connection: _Connection | None = None
        self.link_state = LinkState.STOPPED
        self.connections_made = 0
        self.board = None
        self.dataset_dir: Path | None = None
        self.recorder: CsvRecorder | None = None
        self.record_path: Path | None = None
        self.capture_writer: CaptureWriter | None = None
        self.captured = 0
        self.batches = 0
        self.largest_batch = 0
        self.slowest_batch_ms = 0.0   # our own work per tick, apart from what else the machine does
        self._notes: collections.deque[str] = collections.deque()   # tool output, from any thread
        self._scores = _Ring(PLOT_POINTS)
        self._latency = _Ring(PLOT_POINTS)
        self._rate_marks: collections.deque[tuple[float, int]] = collections.deque()
        self._plots_built = False
        self._plots_dirty = False
        self._plotted_at = 0.0
        self._last_noted_state: LinkState | None = None
        self.run_ended: dict[str, Any] | None = None
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(BATCH_INTERVAL_MS)
        self.timer.timeout.connect(self.drain)
        self.timer.start()
        self._show_counters()
        self._set_connected_ui(False)

    # ---- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)

        top = QHBoxLayout()
        top.addWidget(QLabel("Port"))
        self.port_combo = QComboBox()
        self.port_combo.setEditable(True)  # a port the detection missed, or a socket:// URL
        self.port_combo.setMinimumWidth(260)
        self.port_combo.lineEdit().setPlaceholderText("/dev/ttyACM0, COM3 or socket://127.0.0.1:PORT")
        top.addWidget(self.port_combo, 2)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("look for the board's serial port again")
        self.refresh_button.clicked.connect(self.refresh_ports)
        top.addWidget(self.refresh_button)
        top.addWidget(QLabel("Baud"))
        self.baud_combo = QComboBox()
        self.baud_combo.setEditable(True)
        self.baud_combo.addItems(BAUD_RATES)
        self.baud_combo.setCurrentText("115200")
        top.addWidget(self.baud_combo)
        self.connect_button = QPushButton("Connect")
        self.connect_button.clicked.connect(self._toggle_connection)
        top.addWidget(self.connect_button)
        self.state_label = QLabel("not connected")
        self.state_label.setMinimumWidth(120)
        self.state_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.state_label, 1)
        outer.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)

        # left: the raw text
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.raw_view = QPlainTextEdit()
        self.raw_view.setReadOnly(True)
        self.raw_view.setMaximumBlockCount(RAW_VIEW_MAX_LINES)
        self.raw_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw_view.setFont(QFont("monospace", 9))
        self.raw_view.setUndoRedoEnabled(False)
        lv.addWidget(self.raw_view, 1)
        row = QHBoxLayout()
        self.autoscroll_box = QCheckBox("Autoscroll")
        self.autoscroll_box.setChecked(True)
        self.pause_box = QCheckBox("Pause view")
        self.pause_box.setToolTip("stop adding lines to the text view; counting, plots and recording go on")
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        for w in (self.autoscroll_box, self.pause_box):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        lv.addLayout(row)
        self.counters_label = QLabel("")
        self.counters_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lv.addWidget(self.counters_label)
        split.addWidget(left)

        # middle: the latest result and its score bars, recording and capture
        mid = QWidget()
        mv = QVBoxLayout(mid)
        mv.setContentsMargins(0, 0, 0, 0)
        self.result_label = QLabel("—")
        big = QFont()
        big.setPointSize(22)
        big.setBold(True)
        self.result_label.setFont(big)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mv.addWidget(self.result_label)
        self.confidence_label = QLabel("no results yet")
        self.confidence_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mv.addWidget(self.confidence_label)
        self.bars_box = QGroupBox("Scores")
        self.bars_grid = QGridLayout(self.bars_box)
        self.bars_grid.setContentsMargins(6, 4, 6, 4)
        self.bars: list[tuple[QLabel, ScoreBar]] = []
        mv.addWidget(self.bars_box)
        self.latency_label = QLabel("")
        self.latency_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mv.addWidget(self.latency_label)
        # labels whose text changes every batch must not ask for a new layout each time: a
        # relayout repaints the plots next to them (pyqtgraph: ~8 ms a paint)
        for label in (self.result_label, self.confidence_label, self.latency_label, self.counters_label,
                      self.state_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            label.setMinimumHeight(label.sizeHint().height())

        rec = QHBoxLayout()
        self.record_button = QPushButton("Record CSV…")
        self.record_button.setToolTip("write every inference result to a CSV file")
        self.record_button.clicked.connect(self._toggle_recording)
        rec.addWidget(self.record_button)
        self.record_label = QLabel("")
        rec.addWidget(self.record_label, 1)
        mv.addLayout(rec)
        cap = QHBoxLayout()
        self.capture_box = QCheckBox("Capture as")
        self.capture_box.setToolTip("save the board's capture windows as labelled samples in the project's dataset")
        self.capture_box.toggled.connect(self._toggle_capture)
        cap.addWidget(self.capture_box)
        self.capture_label_edit = QLineEdit()
        self.capture_label_edit.setPlaceholderText("label (empty: the board's)")
        cap.addWidget(self.capture_label_edit, 1)
        mv.addLayout(cap)
        self.capture_status = QLabel("")
        self.capture_status.setWordWrap(True)
        mv.addWidget(self.capture_status)
        mv.addStretch(1)
        split.addWidget(mid)

        # right: the plots (filled in when first shown)
        self.plots_holder = QWidget()
        self.plots_layout = QVBoxLayout(self.plots_holder)
        self.plots_layout.setContentsMargins(0, 0, 0, 0)
        self.plots_holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        split.addWidget(self.plots_holder)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 2)
        split.setStretchFactor(2, 3)
        split.setSizes([420, 230, 330])
        split.setChildrenCollapsible(False)
        mid.setMinimumWidth(190)
        self.plots_holder.setMinimumWidth(220)
        self.splitter = split

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.build_plots()

    def build_plots(self) -> None:
        if self._plots_built:
            return
        import pyqtgraph as pg  # slow to import: only when the monitor is first seen

        self._plots_built = True
        self._pg = pg
        self.scores_plot = pg.PlotWidget(title="scores")
        # fixed ranges set on each redraw: auto-ranging costs a second paint per update
        self.scores_plot.disableAutoRange()
        self.scores_plot.setYRange(0.0, 1.0, padding=0.03)
        self.scores_plot.setLabel("bottom", "inference #")
        self.scores_plot.setMouseEnabled(x=False, y=False)
        self.latency_plot = pg.PlotWidget(title="latency (µs)")
        self.latency_plot.setLabel("bottom", "inference #")
        # bottom right: latencies are positive and similar, so that corner stays empty
        self.latency_plot.addLegend(offset=(-5, -5), colCount=2)
        self.latency_plot.setMouseEnabled(x=False, y=False)
        self.latency_plot.disableAutoRange()
        for p in (self.scores_plot, self.latency_plot):
            p.setMinimumHeight(90)
            self.plots_layout.addWidget(p, 1)
        self.score_curves: dict[str, Any] = {}
        self.latency_curves = {
            "dsp_us": self.latency_plot.plot(pen=pg.mkPen("#4caf50", width=2), name="dsp"),
            "model_us": self.latency_plot.plot(pen=pg.mkPen("#2196f3", width=2), name="model")}
        self._plots_dirty, self._plotted_at = True, 0.0  # drawn at the next tick, data or not

    # ---- ports -----------------------------------------------------------------------------------
    def set_board(self, board) -> None:
        """The project's board: its USB id ranks the ports; an emulated board has none to list."""
        self.board = board
        self.refresh_ports()

    def refresh_ports(self) -> None:
        from studio.device.ports import find_ports

        typed = self.port_combo.currentText()
        self.port_combo.clear()
        if self.board is not None and getattr(self.board, "emulated", False):
            self.port_combo.setToolTip("the emulated board's socket appears here after Build, flash & monitor")
        else:
            for c in find_ports(self.board):
                text = f"{c.description} — {c.reason}" if c.description else c.reason
                self.port_combo.addItem(c.device)
                self.port_combo.setItemData(self.port_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        self.port_combo.setCurrentText(typed or (self.port_combo.itemText(0) if self.port_combo.count() else ""))

    def set_port(self, port: str) -> None:
        if self.port_combo.findText(port) < 0:
            self.port_combo.insertItem(0, port)
        self.port_combo.setCurrentText(port)

    def port(self) -> str:
        return self.port_combo.currentText().strip()

    def baud(self) -> int:
        try:
            baud = int(self.baud_combo.currentText().strip())
        except ValueError:
            raise StudioError(f"the baud rate must be a whole number, not '{self.baud_combo.currentText()}'") from None
        if baud <= 0:
            raise StudioError("the baud rate must be positive")
        return baud

    # ---- connection ------------------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self.connection is not None

    def _toggle_connection(self) -> None:
        if self.connection is not None:
            self.disconnect_link()
            return
        try:
            self.connect_to(self.port())
        except StudioError as e:
            self.error.emit(e.message)

    def connect_to(self, port: str, baud: int | None = None, session: Any = None,
                   give_up_after_s: float | None = None, responder: Any = None) -> None:
        """Starts reading ``port`` (a device or a pyserial URL). ``session``, when given (the running
        emulator), is stopped when this connection ends. A real board is retried until the user
        disconnects (it may be plugged in later); an emulator session is given up
        ``EMULATED_GIVE_UP_S`` after it went away, since QEMU does not come back."""
        if not port:
            raise StudioError("choose the board's serial port first (or type one, e.g. socket://127.0.0.1:4444)")
        baud = self.baud() if baud is None else baud
        self.disconnect_link()
        self.set_port(port)
        self.clear()
        if give_up_after_s is None and session is not None:
            give_up_after_s = EMULATED_GIVE_UP_S
        freeze_long_lived_objects()
        prefer_the_ui_thread()
        self.connection = _Connection(port, baud, session, give_up_after_s, responder)
        self.connections_made = 0
        self._last_noted_state = None
        self.run_ended = None
        self._set_connected_ui(True)
        self.connection.start()

    def disconnect_link(self, wait: bool = False) -> None:
        """Stops the link and the emulator session; ``wait`` when the app is closing."""
        conn, self.connection = self.connection, None
        if conn is None:
            return
        conn.stop(wait=wait)
        self._drain_queue(conn.queue)  # what arrived before the stop is still shown and counted
        self.link_state = LinkState.STOPPED
        self._set_connected_ui(False)
        self._say(f"disconnected from {conn.port}")

    def shutdown(self) -> None:
        """Closing the window: stop reading, stop the emulator, close the recording."""
        self.disconnect_link(wait=True)
        self.stop_recording()

    def _set_connected_ui(self, connected: bool) -> None:
        self.connect_button.setText("Disconnect" if connected else "Connect")
        for w in (self.port_combo, self.baud_combo, self.refresh_button):
            w.setEnabled(not connected)
        self.connected_changed.emit(connected)

    # ---- tool output -----------------------------------------------------------------------------
    def post_note(self, text: str) -> None:
        """A line of context (a flasher's output, a build summary) for the raw view; callable from
        any thread, shown with the next batch, never counted as a device line."""
        self._notes.append(text)

    # ---- the batch loop --------------------------------------------------------------------------
    def drain(self) -> int:
        """Handles what arrived since the last tick; returns how many messages."""
        started = time.perf_counter()
        handled = self._drain_once()
        # also after the link ended: the last results may have come while the plots were hidden
        if self._plots_dirty and self._plots_built and time.monotonic() - self._plotted_at >= PLOT_INTERVAL_S:
            self._redraw_plots()
        self.slowest_batch_ms = max(self.slowest_batch_ms, (time.perf_counter() - started) * 1000.0)
        return handled

    def _drain_once(self) -> int:
        notes = []
        while self._notes:
            notes.append("» " + self._notes.popleft())
        handled = 0
        if self.connection is not None:
            handled = self._drain_queue(self.connection.queue, notes)
        elif notes:
            self._append_raw(notes)
        return handled

    def _drain_queue(self, queue: collections.deque, lines: list[str] | None = None) -> int:
        lines = [] if lines is None else lines
        inferences: list[dict[str, Any]] = []
        events: list[LinkEvent] = []
        profiled = False
        handled = 0
        popleft = queue.popleft
        counters = self.counters
        recorder, capture = self.recorder, self.capture_writer
        while handled < MAX_MESSAGES_PER_BATCH:
            try:
                item = popleft()
            except IndexError:
                break
            if isinstance(item, LinkEvent):
                events.append(item)
                if item.state != self._last_noted_state:
                    # a port that stays away retries every second: one line says so, not one a second
                    self._last_noted_state = item.state
                    lines.append(f"» {item.message}")
                continue
            handled += 1
            counters.add(item)
            kind = item.kind
            if kind == "inference":
                inferences.append(item.data)
                if recorder is not None:
                    self._record(item)
            elif kind == "capture" and capture is not None:
                self._capture(item)
            elif kind == "end":
                self.run_ended = item.data
            elif kind == "profile":
                self.last_profile = StageProfile.from_message(item)
                profiled = True
            elif kind == "hello":
                self.device_board = item.data["board"]
            text = item.raw
            if len(text) > RAW_LINE_MAX_CHARS:
                text = text[:RAW_LINE_MAX_CHARS] + f"… ({len(item.raw):,} characters)"
            if kind == MALFORMED:
                text = f"⚠ {text}   [{item.error}]"
            lines.append(text)
        if handled or events or lines:
            self.batches += 1
            self.largest_batch = max(self.largest_batch, handled)
            self._append_raw(lines)
            if inferences:
                self._show_inferences(inferences)
            if profiled:
                self.profile_received.emit(self.last_profile)
            for event in events:
                self._on_state(event)
            if self.run_ended is not None and self.connection is not None and self.connection.session is not None:
                self._finish_emulated_run()
            self._show_counters()
        return handled

    def _finish_emulated_run(self) -> None:
        # the emulated board exits after its recording; waiting for it to come back would only
        # fill the view with retries
        conn, self.connection = self.connection, None
        conn.stop()
        self._set_connected_ui(False)
        n = self.run_ended.get("inferences", self.counters.inferences)
        self.state_label.setText(f"run finished: {n} inferences")
        self.state_changed.emit(f"the firmware finished its run ({n} inferences); the emulator stopped")

    def _append_raw(self, lines: list[str]) -> None:
        if not lines or self.pause_box.isChecked():
            return
        if len(lines) > RAW_LINES_PER_BATCH:
            # the board's hello, its log lines and alerts are rare and matter: they stay in view
            folded = lines[:-RAW_LINES_PER_BATCH]
            kept = [line for line in folded
                    if any(f'"type":"{t}"' in line.replace(" ", "") for t in KEPT_WHEN_FOLDING)]
            kept = kept[:RAW_LINES_PER_BATCH]
            skipped = len(folded) - len(kept)
            lines = kept + [f"» … {skipped:,} lines not shown: too fast to read (all are counted and recorded)"] \
                + lines[-RAW_LINES_PER_BATCH:]
        bar = self.raw_view.verticalScrollBar()
        keep = bar.value()
        cursor = QTextCursor(self.raw_view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if not self.raw_view.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText("\n".join(lines))  # one edit per batch, not one per line
        if self.autoscroll_box.isChecked():
            bar.setValue(bar.maximum())
        else:
            bar.setValue(keep)

    def _on_state(self, event: LinkEvent) -> None:
        self.link_state = event.state
        if event.state == LinkState.CONNECTED:
            self.connections_made += 1
        text = {LinkState.CONNECTED: "● connected",
                LinkState.CONNECTING: "opening…",
                LinkState.RECONNECTING: "waiting for the port…",
                LinkState.DISCONNECTED: "the port went away",
                LinkState.STOPPED: "stopped"}[event.state]
        if self.run_ended is not None and event.state != LinkState.CONNECTED:
            text = "run finished"
        self.state_label.setText(text)
        self.state_label.setToolTip(event.message)
        self.state_changed.emit(event.message)
        if event.state == LinkState.STOPPED and self.connection is not None:
            # the link gave up (no such port, the emulator ended): release it and say why
            conn, self.connection = self.connection, None
            conn.stop()
            self._set_connected_ui(False)
            if event.message != "stopped" and not self.counters.lines:
                self.error.emit(event.message)

    # ---- parsed results --------------------------------------------------------------------------
    def set_labels(self, labels) -> None:
        labels = tuple(labels or ())
        if labels != self.labels:
            self.labels = labels
            if self.last_inference is not None:
                self._show_latest(self.last_inference)
            elif labels:
                self._ensure_bars(list(labels))  # the classes are known before the board talks

    def class_names(self, n: int) -> list[str]:
        if len(self.labels) == n:
            return list(self.labels)
        return [self._seen_labels.get(i, f"class {i}") for i in range(n)]

    def _show_inferences(self, results: list[dict[str, Any]]) -> None:
        for d in results:
            self._seen_labels.setdefault(d["index"], d["label"])
        latest = results[-1]
        self.last_inference = latest
        self._show_latest(latest)
        n = len(latest["scores"])
        names = self.class_names(n)
        same = [d for d in results if len(d["scores"]) == n]
        self._scores.extend([d["seq"] for d in same],
                            {names[i]: [d["scores"][i] for d in same] for i in range(n)})
        self._latency.extend([d["seq"] for d in results],
                             {"dsp_us": [d["dsp_us"] for d in results],
                              "model_us": [d["model_us"] for d in results]})
        self._plots_dirty = True

    def _show_latest(self, d: dict[str, Any]) -> None:
        scores = d["scores"]
        names = self.class_names(len(scores))
        self.result_label.setText(d["label"])
        confidence = scores[d["index"]] if scores else None
        self.confidence_label.setText(
            f"#{d['seq']}" + (f" — confidence {confidence:.1%}" if confidence is not None else ""))
        self.latency_label.setText(f"DSP {d['dsp_us']:,.0f} µs · model {d['model_us']:,.0f} µs")
        self._ensure_bars(names)
        for i, (name_label, bar) in enumerate(self.bars):
            bold = i == d["index"]
            bar.set_value(scores[i] if i < len(scores) else 0.0, bold)
            if name_label.font().bold() != bold:
                f = name_label.font()
                f.setBold(bold)
                name_label.setFont(f)

    def _ensure_bars(self, names: list[str]) -> None:
        if [lbl.text() for lbl, _ in self.bars] == names:
            return
        for lbl, bar in self.bars:
            lbl.deleteLater()
            bar.deleteLater()
        self.bars = []
        for i, name in enumerate(names):
            colour = CLASS_COLOURS[i % len(CLASS_COLOURS)]
            lbl = QLabel(name)
            lbl.setStyleSheet(f"color: {colour};")
            bar = ScoreBar(colour)
            self.bars_grid.addWidget(lbl, i, 0)
            self.bars_grid.addWidget(bar, i, 1)
            self.bars.append((lbl, bar))

    def score_bar_values(self) -> dict[str, float]:
        """What the bars show, by class name (for tests and the screenshot check)."""
        return {lbl.text(): bar.value for lbl, bar in self.bars}

    def plotted_points(self) -> dict[str, int]:
        """How many points each curve draws now, by name (for tests and the screenshot check)."""
        if not self._plots_built:
            return {}
        out = {name: len(c.getData()[0] if c.getData()[0] is not None else ()) for name, c in self.score_curves.items()}
        for name, c in self.latency_curves.items():
            out[name] = len(c.getData()[0] if c.getData()[0] is not None else ())
        return out

    def _redraw_plots(self) -> None:
        if not self.plots_holder.isVisible():
            return  # still dirty: drawn as soon as it is seen
        self._plots_dirty = False
        self._plotted_at = time.monotonic()
        pg = self._pg
        x = self._scores.x
        for i, (name, values) in enumerate(self._scores.series.items()):
            curve = self.score_curves.get(name)
            if curve is None:
                curve = self.scores_plot.plot(pen=pg.mkPen(CLASS_COLOURS[i % len(CLASS_COLOURS)], width=2))
                self.score_curves[name] = curve
            curve.setData(x[-len(values):], values, connect="finite")
        for name, curve in self.latency_curves.items():
            values = self._latency.series.get(name)
            if values is not None:
                curve.setData(self._latency.x, values)
        for plot, ring in ((self.scores_plot, self._scores), (self.latency_plot, self._latency)):
            if len(ring.x):
                plot.setXRange(float(ring.x[0]), float(max(ring.x[-1], ring.x[0] + 1)), padding=0.01)
        tops = [np.nanmax(v) for v in self._latency.series.values() if len(v)]
        if tops:
            self.latency_plot.setYRange(0.0, max(1.0, float(max(tops)) * 1.2), padding=0)

    # ---- counters --------------------------------------------------------------------------------
    def _show_counters(self) -> None:
        c = self.counters
        now = time.monotonic()
        self._rate_marks.append((now, c.lines))
        while len(self._rate_marks) > 2 and now - self._rate_marks[0][0] > 2.0:
            self._rate_marks.popleft()
        t0, n0 = self._rate_marks[0]
        rate = (c.lines - n0) / (now - t0) if now - t0 > 0.2 else 0.0
        self.counters_label.setText(
            f"lines {c.lines:,} · parsed {c.parsed:,} · malformed {c.malformed:,} · raw {c.raw:,} · "
            f"inferences {c.inferences:,} · {rate:,.0f} lines/s")

    def clear(self) -> None:
        self.counters = Counters()
        self.raw_view.clear()
        self._scores.clear()
        self._latency.clear()
        self._seen_labels = {}
        self.last_inference = None
        self.result_label.setText("—")
        self.confidence_label.setText("no results yet")
        self.latency_label.setText("")
        self._rate_marks.clear()
        self._plotted_at = 0.0  # the first results of a new connection are drawn at once
        for _, bar in self.bars:
            bar.set_value(0.0)
        if self._plots_built:
            for curve in self.score_curves.values():
                self.scores_plot.removeItem(curve)
            self.score_curves = {}
            for name, curve in self.latency_curves.items():
                curve.setData([], [])
        self._show_counters()

    # ---- recording -------------------------------------------------------------------------------
    def _toggle_recording(self) -> None:
        if self.recorder is not None:
            self.stop_recording()
            return
        start = str(self.dataset_dir.parent if self.dataset_dir else Path.home())
        path, _ = QFileDialog.getSaveFileName(self, "Record inference results", str(Path(start) / "results.csv"),
                                              "CSV (*.csv)")
        if path:
            self.start_recording(Path(path))

    def start_recording(self, path: Path) -> bool:
        self.stop_recording()
        try:
            self.recorder = CsvRecorder(path)
        except OSError as e:
            self.error.emit(f"cannot record to {path}: {e.strerror or e}")
            return False
        self.record_path = Path(path)
        self.record_button.setText("Stop recording")
        self.record_label.setText(f"recording to {Path(path).name}")
        return True

    def stop_recording(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        recorder.close()
        self.record_button.setText("Record CSV…")
        self.record_label.setText(f"{recorder.rows:,} rows in {self.record_path.name}")

    def _record(self, message: Message) -> None:
        try:
            self.recorder.record(message)
        except OSError as e:
            path = self.record_path
            self.stop_recording()
            self.error.emit(f"recording to {path} stopped: {e.strerror or e}")

    # ---- capture ---------------------------------------------------------------------------------
    def set_dataset_dir(self, path: Path | None) -> None:
        self.dataset_dir = Path(path) if path is not None else None
        if self.capture_box.isChecked():
            self._toggle_capture(True)

    def _toggle_capture(self, on: bool) -> None:
        if not on:
            self.capture_writer = None
            self.capture_status.setText(f"{self.captured} samples saved" if self.captured else "")
            return
        if self.dataset_dir is None:
            self.capture_box.setChecked(False)
            self.error.emit("save the project first: captured samples go into its dataset folder")
            return
        self.capture_writer = CaptureWriter(self.dataset_dir)
        self.capture_status.setText(f"saving capture windows into {self.dataset_dir}")

    def _capture(self, message: Message) -> None:
        label = self.capture_label_edit.text().strip() or None
        try:
            sample = self.capture_writer.save(message, label)
        except StudioError as e:
            self.capture_box.setChecked(False)
            self.error.emit(e.message)
            return
        if sample is not None:
            self.captured += 1
            self.capture_status.setText(f"{self.captured} samples saved; last: {sample.label}/{sample.path.name}")

    def _say(self, text: str) -> None:
        self.state_label.setText(text)
        self.state_changed.emit(text)
