"""The Data panel: the project's dataset as a user looks at it before training.

- classes with their sample counts per split (a grouped bar chart);
- the sample list, filtered by class and split; relabel, move to another split and delete are
  undoable edits of the dataset description (``Document.set_dataset``: one ``SetValue`` on the
  undo stack). Deleting takes a sample out of the dataset; its file stays in the project folder,
  so undo (and the user's data) lose nothing;
- the selected sample as recorded (one waveform per channel, or the image) and what the pipeline's
  DSP makes of it: the features the model sees, computed by the host reference
  (``studio.ml.pipeline``) exactly as training makes them, redrawn when a DSP property changes;
- a feature explorer: every sample's features projected on their first two principal components
  (numpy SVD), coloured by class, so a user sees whether the classes separate before training.
  It is computed off the UI thread on a snapshot and started again after each pipeline edit.

The dataset comes from the one loader, ``studio.core.dataset.dataset_of``. pyqtgraph (1–2 s to
import) is loaded when the panel is first shown, not at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.dataset import SPLITS, Dataset, DatasetError, dataset_from_json, dataset_of
from nodes.base import Role
from studio.core.errors import StudioError
from studio.core.graph import GraphEvent
from studio.core.project import Project, dumps, loads, safe_join

ALL = "(all)"
REFRESH_MS = 120
SPLIT_COLOURS = {"train": (66, 133, 244), "validation": (244, 180, 0), "test": (219, 68, 55)}


# ---- Qt-free: dataset edits, features, projection ------------------------------------------------

def _each(ds: Dataset, files: Sequence[str], edit: Callable[[Dataset, str], Dataset]) -> Dataset:
    """``edit`` (one of ``Dataset.relabel/move/without``) applied to every file in turn."""
    for f in files:
        ds = edit(ds, f)
    return ds


def unshaped(project: Project) -> Project:
    """A private copy whose model node names no file: features keep the DSP's own shape (as training
    makes them, ``studio.ml.workflow.features``), whatever model an earlier run left."""
    from studio.ml.workflow import model_node_id

    clone = loads(dumps(project), project.path or "<project>")
    clone.path = project.path
    clone.graph.node(model_node_id(clone)).props["model"] = ""
    return clone


def read_clip(project: Project, rel: str) -> np.ndarray:
    """One stored sample as training reads it: (T, C) recordings, (H, W, C) images in [0, 1]."""
    from studio.ml.importer import read_sample

    if project.dir is None:
        raise StudioError("save the project first: its samples live in its folder")
    return read_sample(safe_join(project.dir, rel))[0]


def dsp_features(bare: Project, clip: np.ndarray) -> np.ndarray:
    """The features the model sees for ``clip``: the pipeline's DSP (host reference) on its first
    window, or on the image, in the DSP's own output shape (``bare`` is ``unshaped(project)``)."""
    from studio.ml.pipeline import features_for_clip, features_for_stream

    if clip.ndim == 3:
        return features_for_stream(bare, clip[None])[0]
    return features_for_clip(bare, clip)


@dataclass(frozen=True)
class Projection:
    """Every sample's features on their first two principal components."""

    files: tuple[str, ...]
    labels: tuple[str, ...]            # per sample
    points: np.ndarray                 # (n, 2)
    explained: tuple[float, float]     # share of the variance each component carries
    feature_size: int


def pca_2d(features: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """(n, 2) coordinates of the rows of ``features`` (n, d) on their first two principal axes (SVD of
    the centred matrix), and the share of the variance on each axis; each feature is scaled to unit
    variance first so one large coefficient (an energy, a DC bin) does not hide the others."""
    x = np.asarray(features, np.float64).reshape(len(features), -1)
    if x.shape[0] == 0:
        return np.zeros((0, 2)), (0.0, 0.0)
    x = x - x.mean(axis=0)
    std = x.std(axis=0)
    x = x / np.where(std > 1e-12, std, 1.0)
    _u, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(2, vt.shape[0])
    points = np.zeros((x.shape[0], 2))
    points[:, :k] = x @ vt[:k].T
    total = float((s ** 2).sum())
    shares = [float(v ** 2 / total) if total > 0 else 0.0 for v in s[:2]]
    shares += [0.0] * (2 - len(shares))
    return points, (shares[0], shares[1])


def projection_job(snapshot: Project) -> Callable:
    """The explorer's job: features of every sample of ``snapshot`` (never the live project), then PCA."""
    ds = dataset_of(snapshot)

    def run(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> Projection | None:
        bare = unshaped(snapshot)
        feats, files, labels = [], [], []
        n = len(ds.samples)
        for i, s in enumerate(ds.samples):
            if cancelled():
                return None
            feats.append(dsp_features(bare, read_clip(snapshot, s.file)).ravel())
            files.append(s.file)
            labels.append(s.label)
            if i % 16 == 0:
                progress(i / max(1, n), f"features of {i}/{n} samples")
        if not feats:
            return Projection((), (), np.zeros((0, 2)), (0.0, 0.0), 0)
        points, explained = pca_2d(np.stack(feats))
        return Projection(tuple(files), tuple(labels), points, explained, int(feats[0].size))

    return run


# ---- the panel ---------------------------------------------------------------------------------

def _pg():
    import pyqtgraph as pg

    return pg


class DataPanel(QWidget):
    """One per window (in the "Data" dock); follows the document's dataset and pipeline."""

    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent)
        self.main = window
        self.doc = window.doc
        self.dataset = Dataset()
        self.clip: np.ndarray | None = None
        self.features: np.ndarray | None = None
        self.projection: Projection | None = None
        self.explorer_job = None
        self._built = False
        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_pipeline_edited)
        self.doc.dataset_changed.connect(self.refresh)
        self.doc.project_replaced.connect(self.refresh)
        self.doc.graph.subscribe(self._on_graph_event)

    # ---- construction (on first show: pyqtgraph loads here) ------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._built:
            self._build()
        if self._stale:
            self.refresh()

    def ensure_built(self) -> None:
        if not self._built:
            self._build()
            self.refresh()

    def _build(self) -> None:
        pg = _pg()
        self._built = True
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.summary = QLabel("")
        outer.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)

        # left: counts, filters, the list and its edits
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.counts_plot = pg.PlotWidget()
        self.counts_plot.setMinimumHeight(120)
        self.counts_plot.setMouseEnabled(False, False)
        self.counts_plot.setMenuEnabled(False)
        self.counts_plot.getPlotItem().setTitle("Samples per class and split")
        self.counts_legend = self.counts_plot.getPlotItem().addLegend(offset=(-5, 2))
        self.counts_legend.setColumnCount(len(SPLITS))  # one row: it fits the headroom above the bars
        lv.addWidget(self.counts_plot, 2)
        filters = QHBoxLayout()
        self.class_filter = QComboBox()
        self.split_filter = QComboBox()
        self.split_filter.addItems([ALL, *SPLITS])
        filters.addWidget(QLabel("Class"))
        filters.addWidget(self.class_filter, 1)
        filters.addWidget(QLabel("Split"))
        filters.addWidget(self.split_filter, 1)
        lv.addLayout(filters)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["file", "class", "split"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        lv.addWidget(self.table, 3)
        edits = QHBoxLayout()
        self.label_choice = QComboBox()
        self.label_choice.setEditable(True)  # a new name makes a new class
        self.label_choice.setToolTip("the class to give the selected samples (type a new name for a new class)")
        self.relabel_button = QPushButton("Relabel")
        self.split_choice = QComboBox()
        self.split_choice.addItems(list(SPLITS))
        self.move_button = QPushButton("Move")
        self.delete_button = QPushButton("Remove")
        self.delete_button.setToolTip("take the selected samples out of the dataset (their files stay; Ctrl+Z "
                                      "brings them back)")
        for w in (self.label_choice, self.relabel_button, self.split_choice, self.move_button, self.delete_button):
            edits.addWidget(w)
        lv.addLayout(edits)
        self.edit_error = QLabel("")
        self.edit_error.setStyleSheet("color: #dc322f;")
        self.edit_error.setWordWrap(True)
        lv.addWidget(self.edit_error)
        split.addWidget(left)

        # middle: the sample and its features
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        self.sample_plot = pg.PlotWidget()
        self.sample_plot.getPlotItem().setTitle("Sample")
        self.sample_legend = self.sample_plot.getPlotItem().addLegend(offset=(-5, 5))
        self.features_plot = pg.PlotWidget()
        self.features_plot.getPlotItem().setTitle("Features the model sees")
        self.features_caption = QLabel("")
        self.features_caption.setWordWrap(True)
        mv.addWidget(self.sample_plot, 1)
        mv.addWidget(self.features_plot, 1)
        mv.addWidget(self.features_caption)
        split.addWidget(middle)

        # right: the explorer
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.explorer_plot = pg.PlotWidget()
        self.explorer_plot.getPlotItem().setTitle("Feature explorer (PCA)")
        self.explorer_legend = self.explorer_plot.getPlotItem().addLegend(offset=(5, 5))
        self.explorer_caption = QLabel("")
        self.explorer_caption.setWordWrap(True)
        rv.addWidget(self.explorer_plot, 1)
        rv.addWidget(self.explorer_caption)
        split.addWidget(right)
        split.setSizes([380, 420, 420])

        self.class_filter.currentIndexChanged.connect(lambda _i: self._fill_table())
        self.split_filter.currentIndexChanged.connect(lambda _i: self._fill_table())
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.relabel_button.clicked.connect(lambda: self.relabel(self.selected_files(), self.label_choice.currentText()))
        self.move_button.clicked.connect(lambda: self.move(self.selected_files(), self.split_choice.currentText()))
        self.delete_button.clicked.connect(lambda: self.remove(self.selected_files()))

    # ---- following the document ------------------------------------------------------------------------
    def _on_graph_event(self, event: GraphEvent) -> None:
        if event.kind != "ui_changed":
            self._timer.start()

    def _on_pipeline_edited(self) -> None:
        if not self._built or not self.isVisible():
            self._stale = True
            return
        self.show_sample(self.current_file())
        self.start_explorer()

    def refresh(self) -> None:
        """Reads the dataset again (after an edit, an undo, another project)."""
        if not self._built:
            self._stale = True
            return
        # the list and its filters follow the document even while hidden (cheap, and a filter
        # chosen next must find its classes); the chart and the explorer wait for the next show
        hidden = not self.isVisible()
        self._stale = hidden
        try:
            self.dataset = dataset_of(self.doc.project)
        except DatasetError as e:
            self.dataset = Dataset()
            self.summary.setText(f"The dataset cannot be read: {e.message}")
        else:
            self.summary.setText(self._summary_text())
        keep = self.selected_files()
        self._fill_filters()
        self._fill_table(keep)
        if not hidden:
            self._draw_counts()
            self.start_explorer()

    def _summary_text(self) -> str:
        ds = self.dataset
        if not ds.samples:
            return "No samples yet: File → Import data… adds a folder of labelled recordings or images."
        counts = ds.counts
        return (f"{len(ds.labels)} classes, {len(ds.samples)} samples ({ds.kind}) — "
                + ", ".join(f"{s} {counts.get(s, 0)}" for s in SPLITS))

    def _fill_filters(self) -> None:
        labels = list(self.dataset.labels)
        for box, first in ((self.class_filter, [ALL]), (self.label_choice, [])):
            was = box.blockSignals(True)
            current = box.currentText()
            box.clear()
            box.addItems(first + labels)
            if current and box.findText(current) >= 0:
                box.setCurrentText(current)
            box.blockSignals(was)

    def _draw_counts(self) -> None:
        pg = _pg()
        plot = self.counts_plot.getPlotItem()
        plot.clear()
        self.counts_legend.clear()
        counts = self.dataset.label_counts()
        labels = list(self.dataset.labels)
        width = 0.8 / len(SPLITS)
        for k, split_name in enumerate(SPLITS):
            heights = [counts.get(label, {}).get(split_name, 0) for label in labels]
            xs = [i - 0.4 + width * (k + 0.5) for i in range(len(labels))]
            bars = pg.BarGraphItem(x=xs, height=heights, width=width * 0.9,
                                   brush=pg.mkBrush(*SPLIT_COLOURS[split_name]))
            bars.split_name = split_name
            plot.addItem(bars)
            self.counts_legend.addItem(bars, split_name)
        plot.getAxis("bottom").setTicks([[(i, label) for i, label in enumerate(labels)]])
        plot.setXRange(-0.6, max(0.6, len(labels) - 0.4), padding=0)
        top = max([c for per in counts.values() for c in per.values()] or [1])
        plot.setYRange(0, top * 1.45, padding=0)  # headroom for the legend

    def bar_heights(self) -> dict[str, list[int]]:
        """split -> the drawn bar heights, in class order (what the chart shows, for tests)."""
        out = {}
        for item in self.counts_plot.getPlotItem().items:
            if type(item).__name__ == "BarGraphItem":
                out[item.split_name] = [int(h) for h in item.opts["height"]]
        return out

    def visible_samples(self):
        label = self.class_filter.currentText()
        split_name = self.split_filter.currentText()
        return [s for s in self.dataset.samples
                if (label in ("", ALL) or s.label == label) and (split_name in ("", ALL) or s.split == split_name)]

    def _fill_table(self, keep: Sequence[str] = ()) -> None:
        rows = self.visible_samples()
        was = self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, s in enumerate(rows):
            for c, text in enumerate((Path(s.file).name, s.label, s.split)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.file)
                if c == 0:
                    item.setToolTip(s.file)
                self.table.setItem(r, c, item)
        self.table.clearSelection()
        keep = set(keep)
        for r, s in enumerate(rows):
            if s.file in keep:
                self.select_row(r, clear=False)
        self.table.blockSignals(was)
        if not self.selected_files() and rows:
            self.select_row(0)
        else:
            self._on_selection()

    def select_row(self, row: int, clear: bool = True) -> None:
        """Selects ``row`` (alone, or added to the selection): explicit flags, so the keyboard
        modifiers held at that moment (QTableWidget.selectRow reads them: Ctrl toggles) play no part."""
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        if clear:
            flags |= QItemSelectionModel.SelectionFlag.Clear
        self.table.selectionModel().select(self.table.model().index(row, 0), flags)

    def selected_files(self) -> list[str]:
        if not self._built:
            return []
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in rows]

    def select_files(self, files: Sequence[str]) -> None:
        self._fill_table(files)

    def current_file(self) -> str | None:
        files = self.selected_files()
        return files[0] if files else None

    def _on_selection(self) -> None:
        self.show_sample(self.current_file())

    # ---- edits (undoable) ---------------------------------------------------------------------------
    def _edit(self, make: Callable[[Dataset], Dataset], text: str) -> bool:
        try:
            new = make(dataset_of(self.doc.project))
            dataset_from_json(new.to_json())  # the schema the project file is checked against
        except StudioError as e:
            self.edit_error.setText(e.message)
            return False
        self.edit_error.setText("")
        self.doc.set_dataset(new.to_json(), text)
        return True

    @staticmethod
    def _what(files: Sequence[str]) -> str:
        return Path(files[0]).name if len(files) == 1 else f"{len(files)} samples"

    def relabel(self, files: Sequence[str], label: str) -> bool:
        if not files:
            return False
        label = label.strip()
        return self._edit(lambda ds: _each(ds, files, lambda d, f: d.relabel(f, label)),
                          f"relabel {self._what(files)} as {label}")

    def move(self, files: Sequence[str], split_name: str) -> bool:
        if not files:
            return False
        return self._edit(lambda ds: _each(ds, files, lambda d, f: d.move(f, split_name)),
                          f"move {self._what(files)} to {split_name}")

    def remove(self, files: Sequence[str]) -> bool:
        if not files:
            return False
        return self._edit(lambda ds: _each(ds, files, Dataset.without),
                          f"remove {self._what(files)} from the dataset")

    # ---- the sample and its features -----------------------------------------------------------------
    def show_sample(self, rel: str | None) -> None:
        if not self._built:
            return
        pg = _pg()
        sp, fp = self.sample_plot.getPlotItem(), self.features_plot.getPlotItem()
        sp.clear()
        fp.clear()
        self.sample_legend.clear()
        self.clip = self.features = None
        for plot in (sp, fp):
            plot.setLabel("bottom", "")
            plot.setLabel("left", "")
        if rel is None:
            sp.setTitle("Sample")
            self.features_caption.setText("")
            return
        project = self.doc.project
        try:
            clip = read_clip(project, rel)
        except StudioError as e:
            sp.setTitle(Path(rel).name)
            self.features_caption.setText(f"cannot read '{rel}': {e.message}")
            return
        self.clip = clip
        sample = next((s for s in self.dataset.samples if s.file == rel), None)
        sp.setTitle(f"{Path(rel).name} — {sample.label if sample else ''}")
        if clip.ndim == 3:
            sp.addItem(pg.ImageItem(_display_image(clip), axisOrder="row-major"))
            sp.invertY(True)
            sp.setAspectLocked(True)
        else:
            sp.invertY(False)
            sp.setAspectLocked(False)
            rate = self.dataset.rate_hz or 1.0
            t = np.arange(clip.shape[0]) / rate
            for c in range(clip.shape[1]):
                sp.plot(t, clip[:, c], pen=pg.mkPen(pg.intColor(c, hues=max(3, clip.shape[1])), width=1),
                        name=f"channel {c}")
            sp.setLabel("bottom", "time", units="s" if self.dataset.rate_hz else "samples")
        try:
            feats = dsp_features(unshaped(project), clip)
        except StudioError as e:
            self.features_caption.setText(f"The pipeline cannot make features of this sample: {e.message}")
            return
        self.features = feats
        self._draw_features(feats)

    def _draw_features(self, feats: np.ndarray) -> None:
        pg = _pg()
        fp = self.features_plot.getPlotItem()
        shape = feats.shape
        squeezed = np.squeeze(feats)
        stages = ", ".join(self._dsp_titles()) or "no DSP"
        if feats.ndim == 3:
            # an image stays an image (H, W, C): upright, square pixels, grey for one channel
            fp.addItem(pg.ImageItem(_display_image(feats), axisOrder="row-major"))
            fp.invertY(True)
            fp.setAspectLocked(True)
            fp.setLabel("bottom", "x")
            fp.setLabel("left", "y")
        elif squeezed.ndim == 1:
            fp.invertY(False)
            fp.setAspectLocked(False)
            fp.plot(np.arange(squeezed.size), squeezed, pen=None, symbol="o", symbolSize=4,
                    symbolBrush=pg.mkBrush(120, 200, 255), stepMode=None)
            fp.plot(np.arange(squeezed.size), squeezed, pen=pg.mkPen(120, 200, 255))
            fp.setLabel("bottom", "feature")
        elif squeezed.ndim == 2:
            # rows are frames (time) and columns coefficients: time runs left to right as users read
            # a spectrogram, coefficient 0 at the bottom
            image = pg.ImageItem(squeezed.astype(np.float32), axisOrder="col-major")
            image.setColorMap(pg.colormap.get("viridis"))
            fp.addItem(image)
            fp.invertY(False)
            fp.setAspectLocked(False)
            across, along = self._feature_axes()
            fp.setLabel("bottom", f"{across} ({squeezed.shape[0]})")
            fp.setLabel("left", f"{along} ({squeezed.shape[1]})")
        else:
            fp.setLabel("bottom", f"{squeezed.ndim}-D features shown flat")
            fp.plot(np.arange(squeezed.size), squeezed.ravel(), pen=pg.mkPen(120, 200, 255))
        self.features_caption.setText(
            f"{stages} → {'×'.join(map(str, shape))} features, range {float(feats.min()):.3g} … "
            f"{float(feats.max()):.3g}, mean {float(feats.mean()):.3g}")

    def _feature_stages(self):
        """The planned stages from the sensor to the model's input (the features' path), or ()."""
        try:
            from studio.ml.pipeline import pipeline_plan

            return pipeline_plan(self.doc.project).feature_path()
        except StudioError:
            return ()

    def _feature_axes(self) -> tuple[str, str]:
        for s in reversed(self._feature_stages()):
            if s.node_class.feature_axes:
                return s.node_class.feature_axes
        return "index 0", "index 1"

    def _dsp_titles(self) -> list[str]:
        return [s.node_class.title for s in self._feature_stages() if s.role is not Role.SENSOR]

    # ---- the explorer ---------------------------------------------------------------------------------
    def start_explorer(self) -> None:
        if not self._built:
            return
        if self.explorer_job is not None:
            self.explorer_job.cancel()
            self.explorer_job = None
        project = self.doc.project
        if project.dir is None or not self.dataset.samples:
            self._draw_projection(None, "The explorer needs an imported dataset in a saved project.")
            return
        snapshot = loads(dumps(project), project.path)
        snapshot.path = project.path
        self.explorer_caption.setText(f"computing the features of {len(self.dataset.samples)} samples…")
        job = self.explorer_job = self.main.jobs.start("Feature explorer", projection_job(snapshot), quiet=True)
        job.succeeded.connect(lambda result, j=job: self._explorer_done(j, result))
        job.failed.connect(lambda message, j=job: self._explorer_failed(j, message))

    def _explorer_done(self, job, result: Projection | None) -> None:
        if job is not self.explorer_job or result is None:
            return
        self.explorer_job = None
        self.projection = result
        self._draw_projection(result)

    def _explorer_failed(self, job, message: str) -> None:
        if job is self.explorer_job:
            self.explorer_job = None
            self._draw_projection(None, f"The pipeline cannot make features of every sample: {message}")

    def _draw_projection(self, p: Projection | None, message: str = "") -> None:
        pg = _pg()
        plot = self.explorer_plot.getPlotItem()
        plot.clear()
        self.explorer_legend.clear()
        if p is None:
            self.explorer_caption.setText(message)
            return
        labels = list(self.dataset.labels) or sorted(set(p.labels))
        for i, label in enumerate(labels):
            mask = np.array([lab == label for lab in p.labels], bool)
            if not mask.any():
                continue
            colour = pg.intColor(i, hues=max(len(labels), 3))
            scatter = pg.ScatterPlotItem(p.points[mask, 0], p.points[mask, 1], size=7, pen=None,
                                         brush=pg.mkBrush(colour), name=label)
            plot.addItem(scatter)
        if len(p.points):
            (x0, y0), (x1, y1) = p.points.min(axis=0), p.points.max(axis=0)
            dx, dy = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
            # room on the left and the top for the legend
            plot.setXRange(x0 - 0.35 * dx, x1 + 0.05 * dx, padding=0)
            plot.setYRange(y0 - 0.05 * dy, y1 + 0.3 * dy, padding=0)
        plot.setLabel("bottom", f"PC 1 ({p.explained[0]:.0%})")
        plot.setLabel("left", f"PC 2 ({p.explained[1]:.0%})")
        self.explorer_caption.setText(
            f"{len(p.files)} samples, {p.feature_size} features each, on their first two principal components "
            f"({p.explained[0] + p.explained[1]:.0%} of the variance); classes that form separate clouds "
            "are easy for a model")


def _display_image(img: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 3) in 0..255 for an ImageItem (one channel shown grey)."""
    x = np.asarray(img, np.float32)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]
    lo, hi = float(x.min()), float(x.max())
    if hi > lo:
        x = (x - lo) / (hi - lo)
    return (x * 255).astype(np.uint8)


def install_data_panel(window) -> QDockWidget:
    """The "Data" dock (bottom, under Budget and Validation; hidden until asked for from the View
    menu or shown after an import)."""
    existing = window.findChild(QDockWidget, "data")
    if existing is not None:
        return existing
    dock = QDockWidget("Data", window)
    dock.setObjectName("data")
    panel = DataPanel(window)
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    # its own full-width row under Budget and Validation: the chart, list, preview and explorer
    # need the width, and the budget stays in sight while samples are edited
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock, Qt.Orientation.Vertical)
    dock.hide()
    window.data_panel = panel
    window.data_dock = dock
    action = dock.toggleViewAction()
    action.setText("&Data")
    action.setShortcut("Ctrl+Shift+D")
    window.view_menu.addAction(action)
    return dock


def show_data_panel(window) -> DataPanel:
    dock = install_data_panel(window)
    dock.show()
    dock.raise_()
    window.resizeDocks([window.budget_dock, dock], [150, 400], Qt.Orientation.Vertical)
    window.data_panel.ensure_built()
    return window.data_panel
