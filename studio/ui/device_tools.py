"""Device tools in the editor: the Monitor dock and the "Build, flash & monitor" action.

Owns installing both into a :class:`~studio.ui.main_window.MainWindow` (``install_device_tools``,
called once at the end of its ``__init__``), the one job that builds a snapshot of the project,
flashes it with the board's method and hands the board's serial port (the emulated board: its
socket, with the running QEMU) to the monitor, and making sure an emulator never outlives the
window. The build and flash themselves are ``studio.actions.build`` and
``studio.device.flash.flash_board``; errors from them reach the window as messages.
"""
from __future__ import annotations

import atexit
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMenu, QToolBar

from studio.core.errors import StudioError
from studio.core.project import dumps, loads
from studio.ui.jobs import JobCancelled
from studio.ui.monitor_panel import MonitorPanel, freeze_long_lived_objects

# Emulators started by a job and not yet stopped. A job can finish after its window is gone (or the
# interpreter may exit mid-run); whatever is still here at exit is stopped, so no QEMU is orphaned.
_LIVE_SESSIONS: set = set()
_LIVE_LOCK = threading.Lock()


def _remember(session: Any) -> None:
    with _LIVE_LOCK:
        _LIVE_SESSIONS.add(session)


@atexit.register
def _stop_leftover_sessions() -> None:
    with _LIVE_LOCK:
        leftovers = list(_LIVE_SESSIONS)
        _LIVE_SESSIONS.clear()
    for s in leftovers:
        s.stop()


class _TrackedSession:
    """An emulator session whose ``stop`` also forgets it (what the monitor is handed)."""

    def __init__(self, emulator: Any):
        self.emulator = emulator
        _remember(self)

    @property
    def url(self) -> str:
        return self.emulator.url

    def running(self) -> bool:
        proc = getattr(self.emulator, "_proc", None)
        return proc is not None and proc.poll() is None

    def stop(self) -> None:
        with _LIVE_LOCK:
            _LIVE_SESSIONS.discard(self)
        self.emulator.stop()


@dataclass(frozen=True)
class FlashedBoard:
    """What the job hands back to the UI thread: where to read the board, and its emulator."""

    port: str | None
    baud: int
    session: _TrackedSession | None
    board_name: str
    build: dict[str, Any]
    responder: Any = None   # studio.device.hoststream.StreamResponder for a host-stream sensor


def build_and_flash(snapshot, board, port: str | None, note, progress, cancelled) -> FlashedBoard:
    """The job's work (off the UI thread; touches no Qt and no live project): build, flash, and
    for the emulated board keep QEMU running for the monitor."""
    from studio.actions import build, host_stream_responder
    from studio.device.flash import FlashError, flash_board

    outcome = build(snapshot, board=board, progress=lambda f, t: progress(0.7 * f, t), cancelled=cancelled)
    # a host-stream sensor is sent the dataset's test split (or the project's recording) by the monitor
    responder = host_stream_responder(snapshot, outcome)
    sizes = outcome.to_json()
    est, meas = sizes["estimated"], sizes["measured"]
    note(f"built {Path(sizes['elf']).name} for {board.name}: flash {meas['flash_bytes']:,} B "
         f"(estimated {est['flash_bytes']:,}), RAM {meas['ram_bytes']:,} B (estimated {est['ram_bytes']:,})")
    if cancelled():
        raise JobCancelled()
    progress(0.75, f"flashing {board.name} ({board.flash_method})")
    cancel = threading.Event()
    watcher_done = threading.Event()

    def watch_cancel() -> None:  # the flasher wants an Event; the job gives a callable
        while not watcher_done.wait(0.1):
            if cancelled():
                cancel.set()
                return

    threading.Thread(target=watch_cancel, name="flash cancel relay", daemon=True).start()

    def on_output(line: str) -> None:
        note(line)
        progress(0.8, line[:120])

    try:
        result = flash_board(board, outcome.result.elf, port, on_output=on_output,
                             on_progress=lambda f: progress(0.75 + 0.2 * f, f"flashing {board.name}"),
                             cancel=cancel)
    except FlashError as e:
        if e.kind == "cancelled" or cancelled():
            raise JobCancelled() from None
        raise
    finally:
        watcher_done.set()
    session = _TrackedSession(result.session) if result.session is not None else None
    if cancelled():
        if session is not None:
            session.stop()
        raise JobCancelled()
    progress(1.0, f"flashed {board.name} in {result.duration_s:.1f} s")
    return FlashedBoard(result.serial_url or port or _board_port(board), board.serial_baud, session, board.name,
                        sizes, responder)


def _board_port(board) -> str | None:
    """The port the flashed firmware talks on. Not the flasher's: bossac's is the bootloader's (often
    another tty), a UF2 copy's is a drive. The running board is the one the ports ranking finds."""
    from studio.device.ports import best_port

    found = best_port(board)
    return found.device if found is not None else None


class DeviceTools(QObject):
    """The Monitor dock, the Build-flash-monitor action and their wiring to one window."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.panel = MonitorPanel()
        self.dock = QDockWidget("Monitor", window)
        self.dock.setObjectName("monitor")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        neighbour = getattr(window, "validation_dock", None)
        if neighbour is not None:
            window.tabifyDockWidget(neighbour, self.dock)
            neighbour.raise_()  # the monitor comes forward when a board talks, not at start-up
        self.job = None
        self.flashed: FlashedBoard | None = None
        self._closing = False

        self.action = QAction("Build, flash && monitor", window)
        self.action.setObjectName("build_flash_monitor")
        self.action.setShortcut(QKeySequence("Ctrl+R"))
        self.action.setToolTip("build the firmware, flash it to the project's board and open the serial monitor")
        self.action.triggered.connect(self.build_flash_monitor)
        window.addAction(self.action)
        self.disconnect_action = QAction("Disconnect monitor", window)
        self.disconnect_action.setObjectName("disconnect_monitor")
        self.disconnect_action.triggered.connect(self.disconnect)
        self.disconnect_action.setEnabled(False)
        toolbar = window.findChild(QToolBar, "main_toolbar")
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.action)
        run_menu = self._run_menu()
        if run_menu is not None:
            run_menu.addSeparator()
            run_menu.addAction(self.action)
            run_menu.addAction(self.disconnect_action)

        self.panel.error.connect(window.show_error)
        self.panel.state_changed.connect(window.show_status)
        self.panel.connected_changed.connect(self.disconnect_action.setEnabled)
        window.doc.validated.connect(self._on_validated)
        window.doc.board_changed.connect(self._on_board_changed)
        # after a run the budget shows measured beside estimated time per node, until the next edit
        self._unsubscribe_graph = None
        if getattr(window, "budget", None) is not None:
            self.panel.profile_received.connect(self._on_profile)
            window.doc.board_changed.connect(self._forget_profile)
            self._unsubscribe_graph = window.doc.graph.subscribe(self._on_graph_event)
        window.doc.path_changed.connect(self._on_path_changed)
        window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._on_board_changed(window.doc.project.board_id)
        self._on_path_changed()
        if window.doc.report is not None:
            self._on_validated(window.doc.report)

    def _menu(self, title: str) -> QMenu | None:
        for a in self.window.menuBar().actions():
            if a.menu() is not None and a.text() == title:
                return a.menu()
        return None

    def _run_menu(self) -> QMenu | None:
        return self._menu("&Run") or self.window.menuBar().addMenu("&Run")

    # ---- following the project --------------------------------------------------------------------
    def _on_validated(self, report) -> None:
        self.panel.set_labels(getattr(report, "labels", ()) or ())

    def _on_board_changed(self, _board_id: str) -> None:
        try:
            board = self.window.doc.board()
        except StudioError:
            board = None
        if board is not None and not self.panel.is_connected:
            self.panel.baud_combo.setCurrentText(str(board.serial_baud))
        self.panel.set_board(board)

    def _on_path_changed(self) -> None:
        project = self.window.doc.project
        if project.dir is None:
            self.panel.set_dataset_dir(None)
            return
        folder = (project.dataset or {}).get("folder", "dataset")
        target = (project.dir / str(folder)).resolve()
        # the dataset description comes from a project file: keep captures inside its folder
        self.panel.set_dataset_dir(target if target.is_relative_to(project.dir.resolve()) else None)

    # ---- the action ---------------------------------------------------------------------------------
    def build_flash_monitor(self):
        """Starts the build-flash-monitor job; returns it (None when it could not start)."""
        if self.job is not None and self.job.running:
            self.window.show_status("a build, flash & monitor is already running")
            return None
        doc = self.window.doc
        try:
            board = doc.board()
        except StudioError as e:
            self.window.show_error(e.message)
            return None
        port = None if board.emulated else (self.panel.port() or None)
        # the flasher needs the port, and the previous emulator must not keep running
        self.panel.disconnect_link()
        snapshot = loads(dumps(doc.project), doc.project.path or "<project>")
        snapshot.path = doc.project.path
        self.panel.post_note(f"building {snapshot.name} for {board.name}…")
        note = self.panel.post_note
        self.action.setEnabled(False)
        self.job = self.window.jobs.start(
            "Build, flash & monitor",
            lambda progress, cancelled: build_and_flash(snapshot, board, port, note, progress, cancelled))
        self.job.succeeded.connect(self._flashed)
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self._job_done)
        return self.job

    def _flashed(self, flashed: FlashedBoard) -> None:
        self.flashed = flashed
        if not flashed.port:
            if flashed.session is not None:
                flashed.session.stop()
            self.window.show_error(f"{flashed.board_name} was flashed, but its serial port is unknown: "
                                   "choose it in the Monitor and press Connect")
            self.show_monitor()
            return
        try:
            self.panel.connect_to(flashed.port, flashed.baud, session=flashed.session, responder=flashed.responder)
        except StudioError as e:
            if flashed.session is not None:
                flashed.session.stop()
            self.window.show_error(e.message)
            return
        self.panel.post_note(f"{flashed.board_name} flashed; monitoring {flashed.port}")
        self.show_monitor()

    def _failed(self, message: str) -> None:
        self.panel.post_note(f"failed: {message}")
        self.window.show_error(message)

    def _job_done(self) -> None:
        self.action.setEnabled(True)

    def show_monitor(self) -> None:
        self.dock.show()
        self.dock.raise_()
        w = self.window
        if self.dock.isFloating() or w.dockWidgetArea(self.dock) != Qt.DockWidgetArea.BottomDockWidgetArea:
            return
        # the monitor shows three columns; give it room next to the budget bars
        w.resizeDocks([self.dock], [max(self.dock.height(), 340)], Qt.Orientation.Vertical)
        budget = getattr(w, "budget_dock", None)
        if budget is not None and budget.isVisible() and w.dockWidgetArea(budget) == w.dockWidgetArea(self.dock):
            total = budget.width() + self.dock.width()
            w.resizeDocks([budget, self.dock], [int(total * 0.27), int(total * 0.73)], Qt.Orientation.Horizontal)

    def disconnect(self) -> None:
        self.panel.disconnect_link()

    # ---- the window going away --------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        # A Close may still be refused ("save changes?"); an accepted one hides the window before
        # close() returns. So: a Hide right after a Close is the window going away.
        if obj is self.window:
            kind = event.type()
            if kind == QEvent.Type.Close:
                self._closing = True
                QTimer.singleShot(0, self._close_refused)
            elif kind == QEvent.Type.Hide and self._closing:
                self._closing = False
                self.shutdown()
        return False

    def _close_refused(self) -> None:
        self._closing = False

    def shutdown(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
        if self._unsubscribe_graph is not None:
            self._unsubscribe_graph()
            self._unsubscribe_graph = None
        self.panel.shutdown()

    # ---- measured time per node ---------------------------------------------------------------------
    def _on_graph_event(self, event) -> None:
        if event.kind != "ui_changed":  # moving a node changes no time
            self._forget_profile()

    def _on_profile(self, profile) -> None:
        board = self.panel.device_board
        if board is not None and board != self.window.doc.project.board_id:
            # another board's clock and core: beside this board's estimate the ratios would mislead
            self.window.show_status(f"the board reports its time per node for '{board}', the estimate is "
                                    f"for '{self.window.doc.project.board_id}': choose that board to compare")
            return
        self.window.budget.show_profile(profile)

    def _forget_profile(self, *_args) -> None:
        self.window.budget.show_profile(None)


# pyqtgraph takes 1-2 s to import. Done on the UI thread when the monitor first shows, it would
# freeze the window just as the board starts talking; imported on a worker thread a little after
# start-up (it creates no Qt objects at import), it is ready by then and start-up stays as fast.
PLOTS_WARM_UP_DELAY_MS = 3000


def _import_plotting() -> None:
    import pyqtgraph  # noqa: F401


def warm_up_monitor() -> None:
    """A few seconds after start-up, while the user looks at the window: import pyqtgraph off the
    UI thread and take the app's long-lived objects out of the garbage collector's walks."""
    if "pyqtgraph" not in sys.modules:
        threading.Thread(target=_import_plotting, name="import pyqtgraph", daemon=True).start()
    freeze_long_lived_objects()


def install_device_tools(window) -> DeviceTools:
    """Adds the Monitor dock and "Build, flash & monitor" to ``window`` (a MainWindow); call once,
    at the end of its ``__init__``. Returns the tools (``.panel``, ``.dock``, ``.action``)."""
    existing = getattr(window, "device_tools", None)
    if isinstance(existing, DeviceTools):
        return existing
    tools = DeviceTools(window)
    window.device_tools = tools
    QTimer.singleShot(PLOTS_WARM_UP_DELAY_MS, warm_up_monitor)
    return tools
