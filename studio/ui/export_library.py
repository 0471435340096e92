"""File → Export library…: the pipeline into the user's own firmware, as ``tinyml-studio export``
does (``codegen.export.formats.export``: c-library, Arduino library, PlatformIO, Zephyr module).

The export runs as a job on a snapshot of the project. A folder that is not empty and is not an
earlier export is written into only when the user says so (the CLI's ``--force``).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLineEdit, QMessageBox, QPushButton, QWidget)

from studio.core.project import dumps, loads

FORMAT_TITLES = {"c-library": "C library", "arduino-library": "Arduino library (.zip)",
                 "platformio": "PlatformIO project", "zephyr-module": "Zephyr module"}


class ExportLibraryDialog(QDialog):
    def __init__(self, parent, project):
        super().__init__(parent)
        from codegen.export.clib import default_prefix

        self.setWindowTitle("Export library")
        self.format = QComboBox()
        for fmt, title in FORMAT_TITLES.items():
            self.format.addItem(title, fmt)
        self.prefix = QLineEdit(default_prefix(project.name))
        start = (project.path.parent if project.path else Path.home()) / "export"
        self.folder = QLineEdit(str(start))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.folder)
        h.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("C prefix", self.prefix)
        form.addRow("Folder", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export into folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def choice(self) -> tuple[str, str, Path]:
        return self.format.currentData(), self.prefix.text().strip(), Path(self.folder.text().strip())


class ExportLibraryTools:
    def __init__(self, window):
        self.window = window
        self.action = window._action("Export &library…", self.dialog)
        file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
        file_menu.insertAction(window.act_export, self.action)
        self.last_result = None

    def dialog(self):
        w = self.window
        d = ExportLibraryDialog(w, w.doc.project)
        if d.exec() != QDialog.DialogCode.Accepted:
            return None
        fmt, prefix, out = d.choice()
        return self.run(fmt, prefix, out, force=self._confirm_force(out))

    def _confirm_force(self, out: Path) -> bool | None:
        from codegen.export.formats import MARKER

        if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
            answer = QMessageBox.question(self.window, "Export library",
                                          f"{out} is not empty and is not an earlier export. Write into it anyway? "
                                          "Files with the same names are replaced.")
            return answer == QMessageBox.StandardButton.Yes or None
        return False

    def run(self, fmt: str, prefix: str, out: Path, force: bool | None = False):
        """Starts the export job (None when the user declined to write into a foreign folder)."""
        from codegen.export.formats import export

        if force is None:
            return None
        w = self.window
        project = w.doc.project
        if project.path is None:
            w.show_error("save the project first: the export reads its model and data from the project folder")
            return None
        snapshot = loads(dumps(project), project.path)  # the worker must not read the live graph
        snapshot.path = project.path

        def work(progress, cancelled):
            progress(0.1, "generating the pipeline's library")
            return export(snapshot, fmt, out, prefix or None, force=bool(force))

        job = w.jobs.start("Export library", work)
        job.succeeded.connect(self._done)
        job.failed.connect(w.show_error)
        return job

    def _done(self, result) -> None:
        self.last_result = result
        extra = f"; Add .ZIP Library: {result.zip}" if result.zip else ""
        self.window.show_status(f"{FORMAT_TITLES[result.format]} written to {result.out} "
                                f"(header {result.header}){extra}")


def install_export_library(window) -> ExportLibraryTools:
    tools = getattr(window, "export_library_tools", None)
    if tools is None:
        tools = window.export_library_tools = ExportLibraryTools(window)
    return tools
