"""The frame the Run menu's tool dialogs share (Train model…, Optimize model…).

A non-modal dialog that runs one job at a time on a snapshot of the project: its own settings on
top, a start / cancel row with a progress bar, a status line, and a results panel shown once a
run succeeds ("Use this …" applies it through the undo stack). Subclasses fill ``build_settings``,
``build_results``, ``make_job`` and ``show_result``; the job's function touches no Qt.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QMenu, QProgressBar, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

UNSAVED_MESSAGE = ("Save the project first: training reads the dataset from the project's folder "
                   "and writes the new model there.")
STATUS_STYLES = {"info": "", "error": "color: #c0392b;", "done": "color: #2e8b57;"}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


class JobDialog(QDialog):
    noun = "Run"                     # "Training failed: …", "Optimize cancelled; …"
    start_text = "Run"
    cancelling_text = "Cancelling…"

    def __init__(self, window, title: str):
        super().__init__(window)
        self.main = window  # not self.window: that is QWidget.window()
        self.setWindowTitle(title)
        self.job = None
        self.result: Any = None
        v = QVBoxLayout(self)
        self.build_settings(v)
        row = QHBoxLayout()
        self.start_button = QPushButton(self.start_text)
        self.cancel_button = QPushButton("Cancel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        row.addWidget(self.start_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress_bar, 1)
        v.addLayout(row)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.status_label)
        self.results = QWidget()
        rv = QVBoxLayout(self.results)
        rv.setContentsMargins(0, 0, 0, 0)
        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #b07a10;")
        self.use_button = QPushButton("Use this model")
        self.build_results(rv)
        rv.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignRight)
        v.addWidget(self.results, 1)
        # takes the results' room while there are none, so the settings stay packed at the top
        self.filler = QWidget()
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        v.addWidget(self.filler, 1)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button.clicked.connect(self.use_result)
        self.main.doc.project_replaced.connect(self._on_project_replaced)
        self._applied_command = None   # the undo step "Use this …" made, while it is in effect
        self.main.doc.undo_stack.indexChanged.connect(self._on_undo_index)

    # ---- what a subclass provides ---------------------------------------------------------------
    def build_settings(self, layout: QVBoxLayout) -> None:
        """Widgets above the start row."""

    def build_results(self, layout: QVBoxLayout) -> None:
        """Widgets of the results panel (the use button is added after them)."""

    def inputs(self) -> list[QWidget]:
        """Settings widgets disabled while a job runs."""
        return []

    def make_job(self, project) -> tuple[str, Callable, str] | None:
        """(job title, job function, first status text) for ``project``, or None after saying why not."""
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        raise NotImplementedError

    def use_result(self) -> None:
        raise NotImplementedError

    # ---- state -----------------------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        for w in [*self.inputs(), self.start_button]:
            w.setEnabled(not running)
        # idle, Cancel closes the dialog (like any dialog's Cancel); running, it stops the job
        self.cancel_button.setEnabled(True)
        self.progress_bar.setVisible(running)

    def _show_idle(self) -> None:
        self._set_running(False)
        self._show_results(self.result is not None)

    def _show_results(self, shown: bool) -> None:
        self.results.setVisible(shown)
        self.filler.setVisible(not shown)

    def _on_project_replaced(self) -> None:
        # a result made for the previous project must not be offered to this one
        if self.job is not None:
            self.job.cancel()
        self.result = None
        self._show_results(False)
        self.say("")

    def say(self, text: str, kind: str = "info") -> None:
        self.status_label.setStyleSheet(STATUS_STYLES[kind])
        self.status_label.setText(text)

    def show_warnings(self, warnings) -> None:
        warnings = list(warnings or ())
        self.warnings_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings_label.setVisible(bool(warnings))

    # ---- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        project = self.main.doc.project
        if project.path is None:
            self.say(UNSAVED_MESSAGE, "error")
            return
        made = self.make_job(project)
        if made is None:
            return
        title, fn, first_text = made
        self.result = None
        self._show_results(False)
        self._set_running(True)
        self.progress_bar.setValue(0)
        self.say(first_text)
        job = self.job = self.main.jobs.start(title, fn)
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self._on_succeeded)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        job.finished.connect(self._on_finished)

    def cancel(self) -> None:
        if self.job is None:
            self.reject()
            return
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.say(self.cancelling_text)

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self.say(text)

    def _on_succeeded(self, result: Any) -> None:
        if getattr(result.outcome, "cancelled", False):
            self._on_cancelled()
            return
        self.result = result
        self.use_button.setEnabled(True)
        self.show_result(result)

    def _on_failed(self, message: str) -> None:
        self.say(f"{self.noun} failed: {message}", "error")
        self.main.show_error(f"{self.noun} failed: {message}")

    def _on_cancelled(self) -> None:
        self.result = None
        self.say(f"{self.noun} cancelled; the project is unchanged.")

    def _on_finished(self) -> None:
        self.job = None
        self._show_idle()

    def apply(self, node_id: str, values: dict, text: str) -> bool:
        """Sets the result's properties on ``node_id`` as one undoable command; False (said why)
        when the node is gone or refuses them."""
        from studio.core.errors import StudioError
        from studio.ui.commands import SetProperties

        doc = self.main.doc
        if not doc.graph.has_node(node_id):
            self.say(f"The model node '{node_id}' is no longer in the project; add it back first.", "error")
            return False
        try:
            command = SetProperties(doc.graph, node_id, values, text)
            doc.execute(command)
        except StudioError as e:
            self.say(e.message, "error")
            return False
        self.use_button.setEnabled(False)
        self._applied_command = command
        return True

    def _on_undo_index(self, _index: int) -> None:
        """Undoing "Use this …" makes the dialog's "now uses …" false: say so, and offer it again."""
        command = self._applied_command
        if command is None:
            return
        stack = self.main.doc.undo_stack
        in_effect = any(stack.command(i) is command for i in range(stack.index()))
        if not in_effect:
            self._applied_command = None
            self.use_button.setEnabled(self.result is not None)
            self.say(f"Undone: the project no longer uses this {self.noun.lower()} result"
                     + (" (use it again with the button below)." if self.result is not None else "."))

    def done(self, code: int) -> None:
        # closing the dialog stops a job nobody is watching any more
        if self.job is not None:
            self.job.cancel()
        super().done(code)


def run_menu(window) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == "Run":
            return menu
    raise LookupError("the main window has no Run menu")


def install_dialog_action(window, object_name: str, text: str, make_dialog: Callable[[Any], QDialog]) -> QAction:
    """Adds an action opening a non-modal dialog to the window's Run menu (once: a second call
    returns the same action); the dialog is made on first use and kept."""
    menu = run_menu(window)
    existing = next((a for a in menu.actions() if a.objectName() == object_name), None)
    if existing is not None:
        return existing
    action = QAction(text, window)
    action.setObjectName(object_name)
    holder: dict[str, QDialog] = {}

    def open_dialog() -> QDialog:
        dialog = holder.get("dialog")
        if dialog is None:
            dialog = holder["dialog"] = make_dialog(window)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    action.triggered.connect(lambda _=False: open_dialog())
    menu.addAction(action)
    return action
