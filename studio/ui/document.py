"""The open project as the editor sees it: the core ``Project``, its undo stack, its dirty state and
live validation.

There is one ``Document`` (and one ``Graph`` object) per window for the window's whole life: opening
another file replaces the graph's content (``Graph.replace_with``) so every view stays subscribed.
Validation is ``studio.core.validate.validate_project`` — the same function ``check`` uses — run on
the UI thread a few milliseconds after the last edit (it is designed to take well under a frame).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from studio.core.boards import Board, boards
from studio.core.errors import StudioError
from studio.core.graph import GraphEvent
from studio.core.project import Project
from studio.core.validate import Report, validate_project
from studio.ui.commands import GraphCommand, SetValue

VALIDATION_DELAY_MS = 15


class Document(QObject):
    validated = Signal(object)        # Report
    validation_failed = Signal(str)   # the message of a StudioError (e.g. unknown board)
    board_changed = Signal(str)
    project_replaced = Signal()       # a file was opened / a new project made
    path_changed = Signal()

    def __init__(self, project: Project, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.graph = project.graph
        self.undo_stack = QUndoStack(self)
        self.report: Report | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VALIDATION_DELAY_MS)
        self._timer.timeout.connect(self.validate_now)
        self.graph.subscribe(self._on_graph_event)

    # ---- editing ----------------------------------------------------------------------------------
    def execute(self, command: GraphCommand) -> None:
        """Applies ``command`` and puts it on the undo stack; a refused edit raises ``GraphError``
        and leaves both the graph and the stack as they were."""
        command.apply()
        command._applied_by_execute = True
        self.undo_stack.push(command)

    def set_board(self, board_id: str) -> None:
        if board_id == self.project.board_id:
            return
        self.execute(SetValue(f"board {board_id}", lambda: self.project.board_id, self._apply_board, board_id))

    def _apply_board(self, board_id: str) -> None:
        self.project.board_id = board_id
        self.board_changed.emit(board_id)
        self.validate_now()  # a new board re-validates at once, not after the debounce

    def board(self) -> Board:
        return boards().get(self.project.board_id)

    # ---- whole-project changes --------------------------------------------------------------------
    def replace_project(self, other: Project) -> None:
        """Opens ``other`` in place of the current project (open, new, revert)."""
        self.project.name = other.name
        self.project.board_id = other.board_id
        self.project.battery = other.battery
        self.project.assets = other.assets
        self.project.dataset = other.dataset
        self.project.path = other.path
        self.graph.replace_with(other.graph)
        self.undo_stack.clear()
        self.project_replaced.emit()
        self.board_changed.emit(self.project.board_id)
        self.path_changed.emit()
        self.validate_now()

    def set_path(self, path: Path) -> None:
        self.project.path = path
        self.path_changed.emit()

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    # ---- validation --------------------------------------------------------------------------------
    def _on_graph_event(self, event: GraphEvent) -> None:
        if event.kind == "ui_changed":
            return  # positions do not change what the pipeline needs
        self._timer.start()

    def validate_now(self) -> Report | None:
        self._timer.stop()
        try:
            self.report = validate_project(self.project, self.board())
        except StudioError as e:
            self.report = None
            self.validation_failed.emit(e.message)
            return None
        self.validated.emit(self.report)
        return self.report

    def validation_pending(self) -> bool:
        return self._timer.isActive()
