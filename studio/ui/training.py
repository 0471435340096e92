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
from typing import Any, Callable, Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.project import Project, dumps, loads
from studio.ml.train import MODEL_KINDS

KINDS = ("auto", *(k for k in MODEL_KINDS if k != "autoencoder"))  # the dialog trains classifiers
from studio.ui.job_dialog import JobDialog, install_dialog_action, percent

# the one size knob the dialog offers per kind, and build_model's default for it
SIZE_OPTION = {"auto": ("", 0), "dense": ("units", 32), "cnn1d": ("filters", 16), "dscnn": ("filters", 32),
               "cnn2d": ("filters", 8), "autoencoder": ("units", 32)}
HEAT_COLOUR = QColor(38, 110, 200)


@dataclass(frozen=True)
class TrainingSettings:
    kind: str = "auto"
    size: int = 0          # 0: the kind's own default (and the only choice for "auto")
    epochs: int = 60       # a cap: training stops early once validation stops improving
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


class EpochRelay(QObject):
    """Carries each finished epoch's losses and accuracies from the worker thread to the dialog (a
    signal of an object living on the UI thread: Qt queues it across threads)."""

    epoch = Signal(int, object)   # epoch number (1-based), {"loss", "accuracy", "val_loss", "val_accuracy"}


def training_job(snapshot: Project, settings: TrainingSettings, name: str,
                 on_epoch: Callable[[int, dict], None] | None = None) -> Callable:
    """The job function: trains on ``snapshot`` (never the live project); the model is written as
    ``models/<name>.tflite``; ``on_epoch`` (a relay's emit) hears of every finished epoch."""
    size_option = SIZE_OPTION[settings.kind][0]
    size = {size_option: settings.size} if size_option and settings.size else {}

    def run(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> TrainedModel:
        from studio.ml.workflow import model_node_id, train_project  # TensorFlow loads here, lazily

        node_id = model_node_id(snapshot)
        outcome = train_project(snapshot, kind=settings.kind, size=size,
                                epochs=settings.epochs, batch_size=settings.batch_size, progress=progress,
                                cancelled=cancelled, name=name,
                                on_epoch=(lambda e, logs: on_epoch(int(e), dict(logs))) if on_epoch else None)
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


LAYER_COLUMNS = ("layer", "kind", "params", "float32 bytes", "int8 bytes")


class LayerTable(QTableWidget):
    """Per-layer sizes of a model: parameters, float32 bytes and int8 bytes (weights int8, biases
    int32), with a total row."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(LAYER_COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(LAYER_COLUMNS))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def show_layers(self, layers: Sequence[Any]) -> None:
        rows = [(la.name, la.kind, la.params, la.float_bytes, la.int8_bytes) for la in layers]
        rows.append(("total", "", sum(r[2] for r in rows), sum(r[3] for r in rows), sum(r[4] for r in rows)))
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(f"{value:,}" if isinstance(value, int) else str(value))
                if isinstance(value, int):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r == len(rows) - 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(r, c, item)

    def rows(self) -> list[list[str]]:
        return [[self.item(r, c).text() for c in range(self.columnCount())] for r in range(self.rowCount())]


class TrainingCurves(QWidget):
    """Loss and accuracy per epoch, train and validation, drawn as the epochs finish; after the run
    a line marks the epoch whose weights were kept (early stopping restores the best)."""

    SERIES = (("loss", "train", (66, 133, 244)), ("val_loss", "validation", (244, 180, 0)),
              ("accuracy", "train", (66, 133, 244)), ("val_accuracy", "validation", (244, 180, 0)))

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        import pyqtgraph as pg

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget()
        self.accuracy_plot = pg.PlotWidget()
        self.history: dict[str, list[tuple[int, float]]] = {}
        self.curves = {}
        self.best_lines = []
        for plot, title in ((self.loss_plot, "Loss"), (self.accuracy_plot, "Accuracy")):
            item = plot.getPlotItem()
            item.setTitle(title)
            item.setLabel("bottom", "epoch")
            item.addLegend(offset=(-5, 5) if title == "Loss" else (-5, -5))
            item.showGrid(x=True, y=True, alpha=0.2)
            row.addWidget(plot)
        self.accuracy_plot.setYRange(0, 1.02, padding=0)
        for key, name, colour in self.SERIES:
            plot = self.accuracy_plot if "accuracy" in key else self.loss_plot
            style = {"color": colour, "width": 2}
            self.curves[key] = plot.plot([], [], pen=pg.mkPen(**style), symbol="o", symbolSize=4,
                                         symbolBrush=pg.mkBrush(*colour), name=name)
        self.setMinimumHeight(240)

    def clear(self) -> None:
        self.history = {}
        for curve in self.curves.values():
            curve.setData([], [])
        for plot, line in self.best_lines:
            plot.removeItem(line)
        self.best_lines = []

    def add_epoch(self, epoch: int, logs: dict) -> None:
        for key in self.curves:
            if key in logs:
                self.history.setdefault(key, []).append((epoch, float(logs[key])))
                xs, ys = zip(*self.history[key])
                self.curves[key].setData(list(xs), list(ys))

    def show_history(self, history, best_epoch: int = 0) -> None:
        """The finished run's whole history (the same numbers the live view drew) and its kept epoch."""
        import pyqtgraph as pg

        self.clear()
        for key, values in (history or {}).items():
            for i, v in enumerate(values):
                self.history.setdefault(key, []).append((i + 1, float(v)))
        for key, points in self.history.items():
            if key in self.curves and points:
                xs, ys = zip(*points)
                self.curves[key].setData(list(xs), list(ys))
        if best_epoch:
            for plot in (self.loss_plot, self.accuracy_plot):
                line = pg.InfiniteLine(best_epoch, angle=90, pen=pg.mkPen((46, 139, 87), width=1, style=Qt.PenStyle.DashLine),
                                       label=f"kept: epoch {best_epoch}",
                                       labelOpts={"position": 0.55, "anchors": [(1, 0.5), (1, 0.5)],
                                                  "color": (46, 139, 87)})
                plot.addItem(line)
                self.best_lines.append((plot, line))

    def points(self, key: str) -> list[tuple[int, float]]:
        return list(self.history.get(key, []))


class TrainingDialog(JobDialog):
    """One per window; non-modal, so the graph stays editable while a model trains."""

    noun = "Training"
    start_text = "Train"
    cancelling_text = "Cancelling after the current epoch…"

    def __init__(self, window):
        super().__init__(window, "Train model")
        self.train_button = self.start_button
        self.resize(640, 860)
        self.relay = EpochRelay(self)
        self.relay.epoch.connect(self.add_epoch)
        self.curves = TrainingCurves()
        self.layout().insertWidget(3, self.curves, 2)  # below the status line, above the results
        self.kind_combo.currentTextChanged.connect(self._on_kind)
        self._on_kind(self.kind_combo.currentText())
        self._show_idle()

    # ---- construction ------------------------------------------------------------------------------
    def build_settings(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(list(KINDS))
        self.kind_combo.setToolTip("auto: dense for a feature vector, dscnn for frames × coefficients, "
                                   "cnn2d for images")
        self.size_label = QLabel()
        self.size_spin = QSpinBox()
        self.size_spin.setRange(1, 1024)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1000)
        self.epochs_spin.setValue(TrainingSettings.epochs)
        self.epochs_spin.setToolTip("the most epochs to train; training stops earlier once the validation "
                                    "loss has not improved for 10 epochs, and keeps the best epoch")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 4096)
        self.batch_spin.setValue(32)
        form.addRow("Model", self.kind_combo)
        form.addRow(self.size_label, self.size_spin)
        form.addRow("Epochs (at most)", self.epochs_spin)
        form.addRow("Batch size", self.batch_spin)
        layout.addLayout(form)

    def build_results(self, layout: QVBoxLayout) -> None:
        self.accuracy_label = QLabel()
        self.confusion = ConfusionTable()
        self.layers = LayerTable()
        layout.addWidget(self.accuracy_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(QLabel("Confusion matrix, int8 model (rows: true label, columns: predicted)"))
        layout.addWidget(self.confusion, 1)
        layout.addWidget(QLabel("Size per layer (float32 vs int8: weights int8, biases int32)"))
        layout.addWidget(self.layers, 1)

    def inputs(self) -> list[QWidget]:
        sized = bool(SIZE_OPTION.get(self.kind_combo.currentText(), ("units", 0))[0])
        return [self.kind_combo, *([self.size_spin] if sized else []), self.epochs_spin, self.batch_spin]

    def _on_kind(self, kind: str) -> None:
        name, default = SIZE_OPTION.get(kind, ("units", 32))
        self.size_label.setText(name.capitalize() if name else "Size")
        self.size_spin.setEnabled(bool(name))
        self.size_spin.setSpecialValueText("the kind's default")
        self.size_spin.setMinimum(0 if not name else 1)
        self.size_spin.setValue(default)

    def settings(self) -> TrainingSettings:
        return TrainingSettings(self.kind_combo.currentText(), self.size_spin.value(), self.epochs_spin.value(),
                                self.batch_spin.value())

    # ---- training ------------------------------------------------------------------------------------
    def make_job(self, project):
        settings = self.settings()
        name = fresh_model_name(project.dir, "model" if settings.kind == "auto" else settings.kind)
        self.curves.clear()
        return (f"Train {settings.kind}", training_job(snapshot_of(project), settings, name, self.relay.epoch.emit),
                f"Training {settings.kind} for {settings.epochs} epoch(s)…")

    def show_result(self, result: TrainedModel) -> None:
        outcome = result.outcome
        split = getattr(outcome, "evaluated_on", "test")
        self.accuracy_label.setText(
            f"Accuracy on the {split} split — float: {percent(outcome.float_accuracy)}, "
            f"int8: {percent(outcome.int8_accuracy)}   ({outcome.epochs_run} epoch(s), "
            f"{sum(map(sum, outcome.confusion))} {split} examples)")
        self.show_warnings(outcome.warnings)
        self.curves.show_history(outcome.history, getattr(outcome, "best_epoch", 0))
        self.confusion.show_matrix(list(outcome.labels), [list(r) for r in outcome.confusion])
        self.layers.show_layers(outcome.layers)
        self.use_button.setToolTip(f"Set {result.node_id}.model to {outcome.model_path} (undo with Ctrl+Z)")
        self.say(f"Trained: wrote {outcome.model_path}", "done")

    def add_epoch(self, epoch: int, logs: dict) -> None:
        self.curves.add_epoch(epoch, logs)

    # ---- taking the model ----------------------------------------------------------------------------
    def use_result(self) -> None:
        if self.result is None:
            return
        from studio.ml.workflow import trained_model_props  # loaded with the job already

        node_id = self.result.node_id
        graph = self.main.doc.graph
        if not graph.has_node(node_id):
            self.say(f"The model node '{node_id}' is no longer in the project; add it back first.", "error")
            return
        values = trained_model_props(graph.node(node_id).type_id, self.result.outcome)
        path = values["model"]
        if not self.apply(node_id, values, f"use model {path}"):
            return
        then = " Run → Optimize model… makes its int8 model." if "int8_model" in values else ""
        self.say(f"{node_id} now uses {path} (Ctrl+Z reverts it).{then}", "done")
        self.main.show_status(f"{node_id}.model = {path}")


def install_training_tools(window) -> QAction:
    """Adds "Train model…" to the window's Run menu; the dialog is made on first use."""
    return install_dialog_action(window, "train_model", "&Train model…", TrainingDialog)
