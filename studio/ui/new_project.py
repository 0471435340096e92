"""File → New from template…: a project made by ``studio.core.templates.new_project`` (the same
function as ``tinyml-studio new``), then opened. The dialog picks the template, the board, the
folder and the name; the folder's existing project file is never overwritten (the core refuses,
and the dialog shows why)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout)

from studio.core.boards import boards
from studio.core.errors import StudioError
from studio.core.templates import list_templates, new_project


class NewProjectDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.main = window
        self.setWindowTitle("New project from template")
        self.resize(560, 460)
        self.created: Path | None = None
        v = QVBoxLayout(self)
        self.templates = QListWidget()
        for t in list_templates():
            item = QListWidgetItem(f"{t.title} ({t.name})\n    {t.description}")
            item.setData(Qt.ItemDataRole.UserRole, t.name)
            self.templates.addItem(item)
        self.templates.setCurrentRow(0)
        v.addWidget(QLabel("Template"))
        v.addWidget(self.templates, 1)
        form = QFormLayout()
        self.board_combo = QComboBox()
        for b in boards().all():
            self.board_combo.addItem(f"{b.name}{'  (emulated)' if b.emulated else ''}", b.id)
        current = self.board_combo.findData(window.doc.project.board_id)
        if current >= 0:
            self.board_combo.setCurrentIndex(current)
        form.addRow("Board", self.board_combo)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("the folder's name")
        form.addRow("Name", self.name_edit)
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit(str(Path.home() / "tinyml-projects" / "my-project"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        form.addRow("Folder", folder_row)
        v.addLayout(form)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        v.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the new project", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def template(self) -> str:
        item = self.templates.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else "blank"

    def select_template(self, name: str) -> None:
        for i in range(self.templates.count()):
            if self.templates.item(i).data(Qt.ItemDataRole.UserRole) == name:
                self.templates.setCurrentRow(i)
                return
        raise LookupError(name)

    def create(self) -> bool:
        """Writes the project and opens it in the window; False (said why) when the core refuses."""
        folder = self.folder_edit.text().strip()
        if not folder:
            self.error.setText("choose a folder for the project")
            return False
        name = self.name_edit.text().strip() or None
        try:
            path = new_project(Path(folder).expanduser(), self.template(), self.board_combo.currentData(), name)
        except StudioError as e:
            self.error.setText(e.message)
            return False
        self.created = path
        self.accept()
        self.main.open_path(path, ask=False)
        return True


def open_new_project_dialog(window) -> NewProjectDialog | None:
    """Asks about unsaved changes first, then shows the dialog (modal)."""
    if not window.keep_or_discard_changes():
        return None
    dialog = NewProjectDialog(window)
    dialog.open()
    return dialog


def install_new_project_action(window) -> QAction:
    existing = getattr(window, "act_new_from_template", None)
    if existing is not None:
        return existing
    action = QAction("New from &template…", window)
    action.setObjectName("new_from_template")
    action.setShortcut("Ctrl+Shift+N")
    action.triggered.connect(lambda _=False: open_new_project_dialog(window))
    window.file_menu.insertAction(window.act_open, action)
    window.act_new_from_template = action
    return action
