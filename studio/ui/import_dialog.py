"""File → Import data…: adds a dataset to the open project from the editor, as ``tinyml-studio
import`` does from the command line (both are ``studio.ml.importer.plan_import`` + ``apply_import``).

Two steps, each a job off the UI thread on a snapshot of the project: *Check* reads every file of
the source against the pipeline and shows what would be imported (samples per class and split,
duplicates) and every problem as one list (file, reason) — nothing is copied; *Import* copies the
planned samples into the project folder with progress and Cancel (a cancelled import leaves the
folder as it was). The new dataset description reaches the project as one undoable edit
("import 60 samples"), so it is saved like any other change; undo leaves the copied files in place
(nothing of the user's is deleted).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from studio.core.dataset import SPLITS
from studio.ui.training import snapshot_of


def plan_job(snapshot, source: str, split: tuple[float, float, float], seed: int):
    def run(progress, cancelled):
        from studio.ml.importer import plan_import

        progress(0.05, f"reading {source}")
        return plan_import(snapshot, source, split, seed)

    return run


def apply_job(snapshot, plan, skip_bad: bool):
    def run(progress, cancelled):
        from studio.ml.importer import apply_import

        result = apply_import(snapshot, plan, skip_bad=skip_bad, progress=progress, cancel=cancelled)
        return result, snapshot.dataset

    return run


class ImportDialog(QDialog):
    """One per window, non-modal."""

    def __init__(self, window):
        super().__init__(window)
        self.main = window
        self.setWindowTitle("Import data")
        self.resize(640, 560)
        self.job = None
        self.plan: Any = None
        self.result: Any = None
        v = QVBoxLayout(self)
        v.addWidget(QLabel("A folder with one subfolder per class (WAV, CSV, NPY, PNG/JPEG/BMP), one CSV "
                           "with a 'label' column, or an Edge Impulse data-acquisition export."))
        form = QFormLayout()
        source_row = QHBoxLayout()
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("folder or CSV file")
        folder_button = QPushButton("Folder…")
        csv_button = QPushButton("CSV file…")
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(folder_button)
        source_row.addWidget(csv_button)
        form.addRow("Source", source_row)
        split_row = QHBoxLayout()
        self.split_spins = {}
        for name, default in zip(SPLITS, (80, 10, 10)):
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setSuffix(" %")
            spin.setValue(default)
            self.split_spins[name] = spin
            split_row.addWidget(QLabel(name))
            split_row.addWidget(spin)
        form.addRow("Split", split_row)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        form.addRow("Seed", self.seed_spin)
        v.addLayout(form)
        row = QHBoxLayout()
        self.check_button = QPushButton("Check")
        self.import_button = QPushButton("Import")
        self.cancel_button = QPushButton("Cancel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        for w in (self.check_button, self.import_button, self.cancel_button):
            row.addWidget(w)
        row.addWidget(self.progress_bar, 1)
        v.addLayout(row)
        self.skip_bad = QCheckBox("Import the rest, leaving out the files with problems")
        v.addWidget(self.skip_bad)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.status_label)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        v.addWidget(self.summary_label)
        self.problems = QTableWidget(0, 2)
        self.problems.setHorizontalHeaderLabels(["file", "problem"])
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.verticalHeader().setVisible(False)
        self.problems.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.problems.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        v.addWidget(self.problems, 1)

        folder_button.clicked.connect(self._browse_folder)
        csv_button.clicked.connect(self._browse_csv)
        self.source_edit.textEdited.connect(lambda _t: self._forget_plan())
        for spin in (*self.split_spins.values(), self.seed_spin):
            spin.valueChanged.connect(lambda _v: self._forget_plan())
        self.skip_bad.toggled.connect(lambda _on: self._update_buttons())
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel)
        self.main.doc.project_replaced.connect(self._forget_plan)
        self._forget_plan()

    # ---- state -------------------------------------------------------------------------------------
    def _browse_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Dataset folder", str(Path.home()))
        if chosen:
            self.set_source(chosen)

    def _browse_csv(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Labelled CSV", str(Path.home()), "CSV (*.csv)")
        if chosen:
            self.set_source(chosen)

    def set_source(self, path: str | Path) -> None:
        self.source_edit.setText(str(path))
        self._forget_plan()

    def split(self) -> tuple[float, float, float]:
        return tuple(self.split_spins[s].value() / 100.0 for s in SPLITS)

    def _forget_plan(self) -> None:
        self.plan = None
        self.problems.setRowCount(0)
        self.summary_label.setText("")
        self.skip_bad.setVisible(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.job is not None
        self.check_button.setEnabled(not running and bool(self.source_edit.text().strip()))
        ready = self.plan is not None and bool(self.plan.samples) and (not self.plan.problems or self.skip_bad.isChecked())
        self.import_button.setEnabled(not running and ready)
        self.progress_bar.setVisible(running)
        self.cancel_button.setEnabled(True)

    def say(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #c0392b;" if error else "")
        self.status_label.setText(text)

    def _run(self, title: str, fn, on_done) -> None:
        self.progress_bar.setValue(0)
        job = self.job = self.main.jobs.start(title, fn)
        job.progressed.connect(lambda f, t: (self.progress_bar.setValue(int(max(0.0, min(1.0, f)) * 1000)),
                                             self.say(t) if t else None))
        job.succeeded.connect(on_done)
        job.failed.connect(lambda message: self.say(f"{title} failed: {message}", error=True))
        job.cancelled.connect(lambda: self.say(f"{title} cancelled; the project is unchanged."))
        job.finished.connect(self._job_finished)
        self._update_buttons()

    def _job_finished(self) -> None:
        self.job = None
        self._update_buttons()

    def cancel(self) -> None:
        """Stops the running check or import; idle, closes the dialog."""
        if self.job is None:
            self.reject()
            return
        self.job.cancel()
        self.say("Cancelling…")

    # ---- check -------------------------------------------------------------------------------------
    def check(self) -> None:
        project = self.main.doc.project
        if project.path is None:
            self.say("Save the project first: the dataset is copied into the project's folder.", error=True)
            return
        source = self.source_edit.text().strip()
        self._forget_plan()
        self.say(f"Checking {source} against the pipeline…")
        self._run("Check import", plan_job(snapshot_of(project), source, self.split(), self.seed_spin.value()),
                  self._show_plan)

    def _show_plan(self, plan) -> None:
        self.plan = plan
        per_split = plan.split_counts()
        classes = ", ".join(f"{label} {sum(plan.counts.get(label, {}).values())}" for label in plan.labels)
        self.summary_label.setText(
            f"Checked: {len(plan.samples)} new samples ({plan.kind}), {plan.duplicates} already in the dataset (skipped). "
            f"After the import — classes: {classes}; "
            + ", ".join(f"{s} {per_split.get(s, 0)}" for s in SPLITS) + ".")
        self.problems.setRowCount(len(plan.problems))
        for r, (file, reason) in enumerate(plan.problems):
            self.problems.setItem(r, 0, QTableWidgetItem(str(file)))
            self.problems.setItem(r, 1, QTableWidgetItem(str(reason)))
        self.skip_bad.setVisible(bool(plan.problems))
        self.skip_bad.setChecked(False)
        if plan.problems:
            self.say(f"{len(plan.problems)} problem(s): nothing is imported while they stand (fix the files, or "
                     "tick the box to import the rest).", error=True)
        elif not plan.samples:
            self.say("Nothing new to import.")
        else:
            self.say("Ready: Import copies these samples into the project folder.")
        self._update_buttons()

    # ---- import ------------------------------------------------------------------------------------
    def start_import(self) -> None:
        if self.plan is None:
            return
        project = self.main.doc.project
        if project.path is None:
            self.say("Save the project first: the dataset is copied into the project's folder.", error=True)
            return
        self.say(f"Importing {len(self.plan.samples)} samples…")
        self._run("Import data", apply_job(snapshot_of(project), self.plan, self.skip_bad.isChecked()),
                  self._imported)

    def _imported(self, done) -> None:
        result, dataset_json = done
        if result.cancelled:
            self.say("Import cancelled; nothing was copied and the project is unchanged.")
            return
        self.result = result
        doc = self.main.doc
        doc.set_dataset(dataset_json, f"import {result.imported} samples")
        skipped = f", {result.skipped} file(s) with problems left out" if result.skipped else ""
        self.say(f"Imported {result.imported} samples ({result.duplicates} duplicates skipped{skipped}): "
                 + ", ".join(f"{s} {result.split.get(s, 0)}" for s in SPLITS)
                 + f"; classes {', '.join(result.labels)}. Save the project to keep the dataset in its file.")
        self.main.show_status(f"imported {result.imported} samples into {doc.project.dir}")
        self.plan = None
        self._update_buttons()
        from studio.ui.data_panel import show_data_panel

        show_data_panel(self.main)

    def done(self, code: int) -> None:
        if self.job is not None:
            self.job.cancel()
        super().done(code)


def install_import_action(window) -> QAction:
    """File → Import data… (the dialog is made on first use and kept)."""
    existing = getattr(window, "act_import_data", None)
    if existing is not None:
        return existing
    action = QAction("&Import data…", window)
    action.setObjectName("import_data")
    holder: dict[str, ImportDialog] = {}

    def open_dialog() -> ImportDialog:
        dialog = holder.get("dialog")
        if dialog is None:
            dialog = holder["dialog"] = ImportDialog(window)
        dialog.show()
        dialog.raise_()
        return dialog

    action.triggered.connect(lambda _=False: open_dialog())
    # after Save as…, before the exports (Export library…, Export bundle…)
    tools = getattr(window, "export_library_tools", None)
    window.file_menu.insertAction(tools.action if tools is not None else window.act_export, action)
    window.act_import_data = action
    window.open_import_dialog = open_dialog
    return action
