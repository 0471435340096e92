"""The open project as the editor sees it: the core ``Project``, its undo stack, its dirty state and
live validation.

There is one ``Document`` (and one ``Graph`` object) per window for the window's whole life: opening
another file replaces the graph's content (``Graph.replace_with``) so every view stays subscribed.
Validation is ``studio.core.validate.validate_project`` — the same function ``check`` uses — run on
the UI thread a few milliseconds after the last edit (it is designed to take well under a frame).
The one edit that can make it slow is choosing a new asset (a model file is read and analysed
once per content hash): that validation runs as a job off the UI thread on a snapshot, and its
report is used only if no edit came in meanwhile.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from nodes.base import NodeError
from studio.core.boards import Board, boards
from studio.core.errors import StudioError
from studio.core.graph import GraphEvent
from studio.core.project import Project, dumps, loads
from studio.core.validate import Report, validate_project
from studio.ui.commands import GraphCommand, SetValue

VALIDATION_DELAY_MS = 15


class Document(QObject):
    validated = Signal(object)        # Report
    validation_failed = Signal(str)   # the message of a StudioError (e.g. unknown board)
    validation_started = Signal()     # a background validation began (its report follows)
    board_changed = Signal(str)
    battery_changed = Signal(str)
    project_replaced = Signal()       # a file was opened / a new project made
    path_changed = Signal()
    dataset_changed = Signal()        # the dataset's samples, labels or splits were edited (or undone)

    def __init__(self, project: Project, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.graph = project.graph
        self.undo_stack = QUndoStack(self)
        self.report: Report | None = None
        self.runner = None               # a JobRunner, when the window has one
        self.generation = 0              # counts edits, so a late background report is not shown
        self.background_validations = 0
        self._next_in_background = False
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
        self.generation += 1  # a validation still running was for the old board: it must not land
        self.board_changed.emit(board_id)
        self.validate_now()  # a new board re-validates at once, not after the debounce

    def set_battery(self, name: str) -> None:
        """The battery the energy estimate assumes (a project setting), as one undo step."""
        if name == self.project.battery:
            return
        self.execute(SetValue(f"battery {name}", lambda: self.project.battery, self._apply_battery, name))

    def _apply_battery(self, name: str) -> None:
        self.project.battery = name
        self.generation += 1
        self.battery_changed.emit(name)
        self.validate_now()

    def set_dataset(self, dataset_json: dict, text: str) -> None:
        """Replaces the project's dataset description (relabel, move split, delete) as one undo step."""
        self.execute(SetValue(text, lambda: self.project.dataset, self._apply_dataset, dataset_json))

    def _apply_dataset(self, dataset_json: dict) -> None:
        self.project.dataset = dataset_json
        self.generation += 1
        self.dataset_changed.emit()
        self._timer.start()  # validation reads the dataset too (labels, splits)

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
        self.project.disk_stamp = other.disk_stamp   # what a save checks the file on disk against
        self.graph.replace_with(other.graph)
        self.undo_stack.clear()
        self.generation += 1
        self.report = None
        self.project_replaced.emit()
        self.board_changed.emit(self.project.board_id)
        self.battery_changed.emit(self.project.battery)
        self.path_changed.emit()
        # a project with assets reads them on its first validation: keep that off the UI thread
        self._next_in_background = bool(self.project.asset_paths())
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
        self.generation += 1
        if event.kind == "property_changed" and self._is_asset(event.node_id, event.name):
            self._next_in_background = True
        self._timer.start()

    def _is_asset(self, node_id: str, name: str) -> bool:
        try:
            return self.graph.node(node_id).spec.param(name).kind == "asset"
        except (StudioError, NodeError):
            return False

    def validate_now(self) -> Report | None:
        """Validates now on the UI thread (returns the report), or starts a background validation
        after a new asset was chosen (returns None; ``validated`` follows)."""
        self._timer.stop()
        if self._next_in_background and self.runner is not None:
            self._next_in_background = False
            self._validate_in_background()
            return None
        self._next_in_background = False
        try:
            self.report = validate_project(self.project, self.board())
        except StudioError as e:
            self.report = None
            self.validation_failed.emit(e.message)
            return None
        self.validated.emit(self.report)
        return self.report

    def _validate_in_background(self) -> None:
        snapshot = loads(dumps(self.project), self.project.path or "<project>")
        snapshot.path = self.project.path
        generation = self.generation
        try:
            board = self.board()
        except StudioError as e:
            self.validation_failed.emit(e.message)
            return
        self.background_validations += 1
        self.validation_started.emit()
        job = self.runner.start("Validate", lambda progress, cancelled: validate_project(snapshot, board), quiet=True)
        job.succeeded.connect(lambda report: self._background_done(generation, report))
        job.failed.connect(self.validation_failed)

    def _background_done(self, generation: int, report: Report) -> None:
        if generation != self.generation or report.board.id != self.project.board_id:
            self._timer.start()  # edited meanwhile: validate again (the analysis is cached now)
            return
        self.report = report
        self.validated.emit(report)

    def validation_pending(self) -> bool:
        return self._timer.isActive()
