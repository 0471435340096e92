"""The "Train model…" dialog (Run menu): trains a model for the open project off the UI thread and
offers the result to the project.

It owns the form (model kind, size, epochs, batch size), the live view of one training job and the
result view (float vs int8 accuracy, warnings, the confusion matrix as a heat map). The training
itself is ``studio.ml.workflow.train_project``, imported inside the job so TensorFlow never loads
at start-up; the job gets a snapshot of the project, never the live one or a widget. Taking the
new model is one undoable ``SetProperty`` on the model node, so Ctrl+Z reverts it and live
validation re-checks the budgets as after any other edit.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QMenu, QProgressBar, QPushButton, QSizePolicy, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.core.project import Project, dumps, loads
from studio.ml.train import MODEL_KINDS
from studio.ui.commands import SetProperty

# the one size knob the dialog offers per kind, and build_model's default for it
SIZE_OPTION = {"dense": ("units", 32), "cnn1d": ("filters", 16), "dscnn": ("filters", 32),
               "cnn2d": ("filters", 8), "autoencoder": ("units", 32)}
HEAT_COLOUR = QColor(38, 110, 200)
UNSAVED_MESSAGE = ("Save the project first: training reads the dataset from the project's folder "
                   "and writes the new model there.")


@dataclass(frozen=True)
class TrainingSettings:
    kind: str = "dense"
    size: int = 32
    epochs: int = 10
    batch_size: int = 32


@dataclass(frozen=True)
class TrainedModel:
    """What a finished job hands back to the UI thread: the workflow's outcome and the node the
    model belongs to (looked up on the snapshot, so the UI thread imports nothing heavy)."""

    outcome: Any          # studio.ml.workflow.TrainOutcome
    node_id: str


def snapshot_of(project: Project) -> Project:
    """A private copy of ``project`` for a worker thread, with the same folder."""
    copy = loads(dumps(project), project.path or "<project>")
    copy.path = project.path
    return copy


def training_job(snapshot: Project, settings: TrainingSettings, name: str) -> Callable:
    """The job function: trains on ``snapshot`` (never the live project) and touches no Qt; the
    model is written as ``models/<name>.tflite``."""
    size_option = SIZE_OPTION[settings.kind][0]

    def run(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> TrainedModel:
        from studio.ml.workflow import model_node_id, train_project  # TensorFlow loads here, lazily

        node_id = model_node_id(snapshot)
        outcome = train_project(snapshot, kind=settings.kind, size={size_option: settings.size},
                                epochs=settings.epochs, batch_size=settings.batch_size, progress=progress,
                                cancelled=cancelled, name=name)
        return TrainedModel(outcome, node_id)

    return run


def fresh_model_name(project_dir: Path, kind: str) -> str:
    """``<kind>-<n>`` with the first n whose ``models/<kind>-<n>.tflite`` does not exist yet: a new
    run never overwrites a model the project may be using, so undo and "keep the old one" stay true."""
    n = 1
    while (project_dir / "models" / f"{kind}-{n}.tflite").exists():
        n += 1
    return f"{kind}-{n}"


def heat_colour(fraction: float, base: QColor) -> QColor:
    """``base`` blended towards the heat colour by ``fraction`` (0..1)."""
    f = max(0.0, min(1.0, fraction))
    return QColor(round(base.red() + (HEAT_COLOUR.red() - base.red()) * f),
                  round(base.green() + (HEAT_COLOUR.green() - base.green()) * f),
                  round(base.blue() + (HEAT_COLOUR.blue() - base.blue()) * f))


class ConfusionTable(QTableWidget):
    """Rows are the true labels, columns the predicted ones; each cell is shaded by its share of
    the row, so a good model shows a dark diagonal whatever the class balance."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def show_matrix(self, labels: list[str], confusion: list[list[int]]) -> None:
        self.clear()
        self.setRowCount(len(labels))
        self.setColumnCount(len(labels))
        self.setHorizontalHeaderLabels([f"→ {label}" for label in labels])
        self.setVerticalHeaderLabels(list(labels))
        base = self.palette().base().color()
        for r, row in enumerate(confusion):
            total = sum(row)
            for c, count in enumerate(row):
                share = count / total if total else 0.0
                item = QTableWidgetItem(str(int(count)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(heat_colour(share, base))
                if share > 0.5:
                    item.setForeground(QColor("white"))
                item.setToolTip(f"true {labels[r]}, predicted {labels[c]}: {count} ({share:.0%} of the row)")
                self.setItem(r, c, item)

    def counts(self) -> list[list[int]]:
        return [[int(self.item(r, c).text()) for c in range(self.columnCount())] for r in range(self.rowCount())]


class TrainingDialog(QDialog):
    """One per window; non-modal, so the graph stays editable while a model trains."""

    def __init__(self, window):
        super().__init__(window)
        self.main = window  # not self.window: that is QWidget.window()
        self.setWindowTitle("Train model")
        self.job = None
        self.result: TrainedModel | None = None
        self._build()
        self._show_idle()

    # ---- construction ------------------------------------------------------------------------------
    def _build(self) -> None:
        v = QVBoxLayout(self)
        form = QFormLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(list(MODEL_KINDS))
        self.size_label = QLabel()
        self.size_spin = QSpinBox()
        self.size_spin.setRange(1, 1024)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1000)
        self.epochs_spin.setValue(10)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 4096)
        self.batch_spin.setValue(32)
        form.addRow("Model", self.kind_combo)
        form.addRow(self.size_label, self.size_spin)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Batch size", self.batch_spin)
        v.addLayout(form)

        row = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        row.addWidget(self.train_button)
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
        self.accuracy_label = QLabel()
        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #b07a10;")
        self.confusion = ConfusionTable()
        self.use_button = QPushButton("Use this model")
        rv.addWidget(self.accuracy_label)
        rv.addWidget(self.warnings_label)
        rv.addWidget(QLabel("Confusion matrix, int8 model (rows: true label, columns: predicted)"))
        rv.addWidget(self.confusion, 1)
        rv.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignRight)
        v.addWidget(self.results, 1)
        # takes the results' room while there are none, so the form stays packed at the top
        self.filler = QWidget()
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        v.addWidget(self.filler, 1)
        self.resize(560, 520)

        self.kind_combo.currentTextChanged.connect(self._on_kind)
        self.train_button.clicked.connect(self.start_training)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.use_button.clicked.connect(self.use_model)
        self.main.doc.project_replaced.connect(self._on_project_replaced)
        self._on_kind(self.kind_combo.currentText())

    def _on_kind(self, kind: str) -> None:
        name, default = SIZE_OPTION.get(kind, ("units", 32))
        self.size_label.setText(name.capitalize())
        self.size_spin.setValue(default)

    # ---- state ---------------------------------------------------------------------------------------
    def settings(self) -> TrainingSettings:
        return TrainingSettings(self.kind_combo.currentText(), self.size_spin.value(), self.epochs_spin.value(),
                                self.batch_spin.value())

    def _set_running(self, running: bool) -> None:
        for w in (self.kind_combo, self.size_spin, self.epochs_spin, self.batch_spin, self.train_button):
            w.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running)

    def _show_idle(self) -> None:
        self._set_running(False)
        self._show_results(self.result is not None)

    def _show_results(self, shown: bool) -> None:
        self.results.setVisible(shown)
        self.filler.setVisible(not shown)

    def _on_project_replaced(self) -> None:
        # a model trained for the previous project must not be offered to this one
        if self.job is not None:
            self.job.cancel()
        self.result = None
        self._show_results(False)
        self._say("")

    def _say(self, text: str, kind: str = "info") -> None:
        colour = {"info": "", "error": "color: #c0392b;", "done": "color: #2e8b57;"}[kind]
        self.status_label.setStyleSheet(colour)
        self.status_label.setText(text)

    # ---- training ------------------------------------------------------------------------------------
    def start_training(self) -> None:
        project = self.main.doc.project
        if project.path is None:
            self._say(UNSAVED_MESSAGE, "error")
            return
        settings = self.settings()
        self.result = None
        self._show_results(False)
        self._set_running(True)
        self.progress_bar.setValue(0)
        self._say(f"Training {settings.kind} for {settings.epochs} epoch(s)…")
        name = fresh_model_name(project.dir, settings.kind)
        job = self.job = self.main.jobs.start(f"Train {settings.kind}",
                                              training_job(snapshot_of(project), settings, name))
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self._on_trained)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        job.finished.connect(self._on_finished)

    def cancel_training(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self._say("Cancelling after the current epoch…")

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self._say(text)

    def _on_trained(self, result: TrainedModel) -> None:
        outcome = result.outcome
        if outcome.cancelled:
            self._on_cancelled()
            return
        self.result = result
        split = getattr(outcome, "evaluated_on", "test")
        self.accuracy_label.setText(
            f"Accuracy on the {split} split — float: {_percent(outcome.float_accuracy)}, "
            f"int8: {_percent(outcome.int8_accuracy)}   ({outcome.epochs_run} epoch(s), "
            f"{sum(map(sum, outcome.confusion))} {split} examples)")
        warnings = list(outcome.warnings or ())
        self.warnings_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings_label.setVisible(bool(warnings))
        self.confusion.show_matrix(list(outcome.labels), [list(r) for r in outcome.confusion])
        self.use_button.setEnabled(True)
        self.use_button.setToolTip(f"Set {result.node_id}.model to {outcome.model_path} (undo with Ctrl+Z)")
        self._say(f"Trained: wrote {outcome.model_path}", "done")

    def _on_failed(self, message: str) -> None:
        self._say(f"Training failed: {message}", "error")
        self.main.show_error(f"Training failed: {message}")

    def _on_cancelled(self) -> None:
        self.result = None
        self._say("Training cancelled; the project is unchanged.")

    def _on_finished(self) -> None:
        self.job = None
        self._show_idle()

    # ---- taking the model ----------------------------------------------------------------------------
    def use_model(self) -> None:
        if self.result is None:
            return
        node_id, path = self.result.node_id, self.result.outcome.model_path
        doc = self.main.doc
        if not doc.graph.has_node(node_id):
            self._say(f"The model node '{node_id}' is no longer in the project; add it back first.", "error")
            return
        try:
            doc.execute(SetProperty(doc.graph, node_id, "model", path))
        except StudioError as e:
            self._say(e.message, "error")
            return
        self.use_button.setEnabled(False)
        self._say(f"{node_id} now uses {path} (Ctrl+Z reverts it).", "done")
        self.main.show_status(f"{node_id}.model = {path}")

    def done(self, code: int) -> None:
        # closing the dialog stops a training nobody is watching any more
        if self.job is not None:
            self.job.cancel()
        super().done(code)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def run_menu(window) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == "Run":
            return menu
    raise LookupError("the main window has no Run menu")


def install_training_tools(window) -> QAction:
    """Adds "Train model…" to the window's Run menu (once: a second call returns the same action);
    the dialog is made on first use."""
    menu = run_menu(window)
    existing = next((a for a in menu.actions() if a.objectName() == "train_model"), None)
    if existing is not None:
        return existing
    action = QAction("&Train model…", window)
    action.setObjectName("train_model")
    holder: dict[str, TrainingDialog] = {}

    def open_dialog() -> TrainingDialog:
        dialog = holder.get("dialog")
        if dialog is None:
            dialog = holder["dialog"] = TrainingDialog(window)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    action.triggered.connect(lambda _=False: open_dialog())
    menu.addAction(action)
    return action
