"""The main window: palette, canvas, inspector, board, budget bars, validation panel, menus,
shortcuts, files (new/open/save/recent/autosave/recovery/drop) and jobs.

It owns no domain logic: edits are commands on the ``Document``, numbers come from the validation
report, files go through ``studio.core.project``. Domain errors (``StudioError``) end here and are
shown as messages.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.core.project import Project, dumps, export_bundle, import_bundle, load_project, loads, save_project
from studio.core.validate import validate_project
from studio.ui import files
from studio.ui.board_panel import BoardPanel
from studio.ui.budget import BudgetPanel
from studio.ui.canvas import Canvas
from studio.ui.clipboard import copy_text, paste_plan
from studio.ui.commands import AddNodes, MoveNodes, RemoveNodes, ReplaceGraph
from studio.ui.document import Document
from studio.ui.inspector import Inspector
from studio.ui.issues_panel import IssuesPanel
from studio.ui.jobs import JobCancelled, JobRunner, JobStatus
from studio.ui.layout import tidy_positions
from studio.ui.palette import Palette
from studio.ui.reload import ReloadOffer
from studio.ui import theme

AUTOSAVE_SECONDS = int(os.environ.get("TINYML_STUDIO_AUTOSAVE_S", "30"))


class MessageBar(QWidget):
    """A non-blocking message above the canvas (errors, crash recovery) with optional buttons."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.row.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        self.setAutoFillBackground(True)
        # a plain QWidget subclass paints no style-sheet background without this
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.hide()

    def show_message(self, text: str, kind: str = "error", actions: list[tuple[str, object]] = ()) -> None:
        for b in self.buttons:
            b.deleteLater()
        self.buttons = []
        colour = {"error": "#7a2623", "info": "#24486e", "warning": "#6e5316"}[kind]
        self.setStyleSheet(f"MessageBar {{ background: {colour}; }} QLabel {{ color: white; }}")
        self.label.setText(text)
        for title, fn in list(actions) + [("Dismiss", None)]:
            b = QPushButton(title)
            b.clicked.connect(lambda _=False, f=fn: (f() if f else None, self.hide()))
            self.row.addWidget(b)
            self.buttons.append(b)
        self.show()

    def button(self, title: str) -> QPushButton:
        return next(b for b in self.buttons if b.text() == title)


class MainWindow(QMainWindow):
    def __init__(self, project: Project | None = None):
        super().__init__()
        self.setWindowTitle("TinyML Studio")
        self.resize(1500, 940)
        self.setAcceptDrops(True)
        self.last_message = ""
        self.doc = Document(files.new_project(), self)
        self.canvas = Canvas(self.doc, self)
        self.jobs = JobRunner(self)
        self.doc.runner = self.jobs
        self._build_widgets()
        self.reload_offer = ReloadOffer(self)  # the project file changed on disk: reload or keep mine
        self._build_actions()
        self._wire()
        self._dark = None
        self.apply_system_theme()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_SECONDS * 1000)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.autosave_timer.start()
        if project is not None:
            self.show_project(project)
        else:
            self.doc.replace_project(files.new_project())
        self._update_title()
        from studio.ui.device_tools import install_device_tools

        tools = install_device_tools(self)  # the Monitor dock and "Build, flash & monitor"
        # the monitor opens when a board is flashed (DeviceTools.show_monitor) or from the View menu;
        # closed until then, it also keeps pyqtgraph (1-2 s to import, loaded when the panel is first
        # shown — a dock tabbed behind another counts as shown) out of the start-up time
        tools.dock.hide()
        self.view_menu.addAction(tools.dock.toggleViewAction())
        from studio.ui.export_library import install_export_library

        install_export_library(self)  # File → Export library… (tinyml-studio export)
        from studio.ui.optimize import install_optimize_tools
        from studio.ui.training import install_training_tools

        install_training_tools(self)  # "Train model…" in the Run menu (TensorFlow only inside the job)
        install_optimize_tools(self)  # "Optimize model…": prune + quantize as the graph's nodes say
        from studio.ui.evaluate import install_evaluate_tools

        install_evaluate_tools(self)  # "Evaluate on the emulated board…": device vs host, confusion matrix
        from studio.ui.data_panel import install_data_panel

        install_data_panel(self)      # View → Data: classes, samples, features, explorer (pyqtgraph on first show)
        from studio.ui.import_dialog import install_import_action
        from studio.ui.new_project import install_new_project_action

        install_new_project_action(self)  # File → New from template…
        install_import_action(self)       # File → Import data…

    # ---- construction ---------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        central = QWidget()
        v = QVBoxLayout(central)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        self.message_bar = MessageBar()
        v.addWidget(self.message_bar)
        v.addWidget(self.canvas.widget, 1)
        self.setCentralWidget(central)

        self.palette = Palette()
        self.inspector = Inspector(self.doc)
        self.board_panel = BoardPanel()
        self.budget = BudgetPanel()
        self.issues = IssuesPanel()
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.board_panel)
        rv.addWidget(self.inspector, 1)
        for title, widget, area, name in (
                ("Nodes", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea, "palette"),
                ("Board and properties", right, Qt.DockWidgetArea.RightDockWidgetArea, "inspector"),
                ("Budget", self.budget, Qt.DockWidgetArea.BottomDockWidgetArea, "budget"),
                ("Validation", self.issues, Qt.DockWidgetArea.BottomDockWidgetArea, "validation")):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            self.addDockWidget(area, dock)
            setattr(self, f"{name}_dock", dock)
        self.splitDockWidget(self.budget_dock, self.validation_dock, Qt.Orientation.Horizontal)
        self.resizeDocks([self.palette_dock, self.inspector_dock], [230, 330], Qt.Orientation.Horizontal)
        self.resizeDocks([self.budget_dock], [210], Qt.Orientation.Vertical)
        self.resizeDocks([self.budget_dock, self.validation_dock], [520, 700], Qt.Orientation.Horizontal)
        self.job_status = JobStatus(self.jobs)
        self.statusBar().addPermanentWidget(self.job_status)

    def _action(self, text: str, slot, shortcut=None, canvas_only: bool = False) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            a.setShortcuts([QKeySequence(k) for k in keys])
        a.triggered.connect(lambda _=False: slot())
        if canvas_only:
            # Delete, copy and paste belong to the canvas; a text field keeps its own meaning of them
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.canvas.widget.addAction(a)
        else:
            self.addAction(a)
        return a

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_new = self._action("&New", self.new_project, K.New)
        self.act_open = self._action("&Open…", self.open_dialog, K.Open)
        self.act_save = self._action("&Save", self.save, K.Save)
        self.act_save_as = self._action("Save &as…", self.save_as, K.SaveAs)
        self.act_export = self._action("&Export bundle…", self.export_bundle_dialog)
        self.act_quit = self._action("&Quit", self.close, K.Quit)
        self.act_undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts(QKeySequence.keyBindings(K.Undo))
        self.act_redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        redo_keys = QKeySequence.keyBindings(K.Redo) + [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        self.act_redo.setShortcuts(list({k.toString(): k for k in redo_keys}.values()))
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        self.act_copy = self._action("&Copy", self.copy_selection, K.Copy, canvas_only=True)
        self.act_paste = self._action("&Paste", self.paste, K.Paste, canvas_only=True)
        self.act_duplicate = self._action("&Duplicate", self.duplicate_selection, "Ctrl+D", canvas_only=True)
        self.act_delete = self._action("&Delete", self.delete_selection, [QKeySequence.StandardKey.Delete, "Backspace"],
                                       canvas_only=True)
        self.act_select_all = self._action("Select &all", lambda: self.canvas.select([n.id for n in self.doc.graph.nodes]),
                                           K.SelectAll, canvas_only=True)
        self.act_fit = self._action("Zoom to &fit", self.canvas.zoom_to_fit, ["Ctrl+0", "F"])
        self.act_tidy = self._action("&Tidy layout", self.tidy_layout, "Ctrl+L")
        self.act_check = self._action("&Check (write report)", self.run_check_job, "F5")

        mb = self.menuBar()
        m = self.file_menu = mb.addMenu("&File")
        for a in (self.act_new, self.act_open):
            m.addAction(a)
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        for a in (self.act_save, self.act_save_as, self.act_export):
            m.addAction(a)
        m.addSeparator()
        m.addAction(self.act_quit)
        m = mb.addMenu("&Edit")
        for a in (self.act_undo, self.act_redo, self.act_copy, self.act_paste, self.act_duplicate,
                  self.act_delete, self.act_select_all):
            m.addAction(a)
        m = self.view_menu = mb.addMenu("&View")
        for a in (self.act_fit, self.act_tidy):
            m.addAction(a)
        for dock in (self.palette_dock, self.inspector_dock, self.budget_dock, self.validation_dock):
            m.addAction(dock.toggleViewAction())
        m = mb.addMenu("&Run")
        m.addAction(self.act_check)
        menu = self.canvas.ng.get_context_menu("graph")
        for a in (self.act_undo, self.act_redo, None, self.act_copy, self.act_paste, self.act_duplicate,
                  self.act_delete, None, self.act_fit, self.act_tidy):
            menu.qmenu.addSeparator() if a is None else menu.qmenu.addAction(a)
        tb = self.addToolBar("Main")
        tb.setObjectName("main_toolbar")
        for a in (self.act_new, self.act_open, self.act_save, None, self.act_undo, self.act_redo, None,
                  self.act_fit, self.act_tidy, None, self.act_check):
            tb.addSeparator() if a is None else tb.addAction(a)
        # the menu says what Undo/Redo will do ("Undo add Microphone"); the toolbar keeps one word
        # and one width so its buttons do not shift with every edit (the full text is the tooltip)
        for a, word in ((self.act_undo, "Undo"), (self.act_redo, "Redo")):
            a.setIconText(word)
            button = tb.widgetForAction(a)
            button.setFixedWidth(max(button.sizeHint().width(), 64))

    def _wire(self) -> None:
        c, d = self.canvas, self.doc
        c.status.connect(self.show_status)
        c.selection_changed.connect(self._on_selection)
        c.hovered.connect(self._on_hover)
        c.add_requested.connect(self.add_node)
        c.drop_files.connect(self._open_dropped)
        self.palette.add_requested.connect(lambda t: self.add_node(t, None))
        self.inspector.status.connect(self.show_status)
        self.board_panel.board_chosen.connect(self._choose_board)
        self.issues.node_activated.connect(c.center_on)
        self.budget.hovered.connect(c.emphasize)
        d.validated.connect(self._on_validated)
        d.validation_started.connect(self._on_validation_started)
        d.validation_failed.connect(self._on_validation_failed)
        d.board_changed.connect(self.board_panel.show_board)
        self.board_panel.battery_chosen.connect(self._choose_battery)
        d.battery_changed.connect(self.board_panel.show_battery)
        self.board_panel.show_battery(d.project.battery)
        d.path_changed.connect(self._update_title)
        # bound methods, not lambdas: Qt drops them when the window goes, lambdas would outlive it
        d.undo_stack.cleanChanged.connect(self._update_title)
        d.undo_stack.indexChanged.connect(self._update_title)
        self.job_status.message.connect(self.show_status)

    # ---- after start-up ----------------------------------------------------------------------------
    WARM_UP_AFTER_MS = 1000
    WARM_MODULES = ("pyqtgraph",)  # the monitor's plots: 1-2 s to import, needed once a board talks

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_warm_up_scheduled", False):
            self._warm_up_scheduled = True
            QTimer.singleShot(self.WARM_UP_AFTER_MS, self, self._warm_up)

    def _warm_up(self) -> None:
        """Imports what later panels need on a worker thread once the window is up, so neither the
        start-up nor the first look at the monitor waits for it (pyqtgraph makes no Qt objects at
        import, so importing it off the UI thread is safe)."""
        import importlib
        import sys

        missing = [m for m in self.WARM_MODULES if m not in sys.modules]
        if missing:
            self.jobs.start("warm up", lambda progress, cancelled: [importlib.import_module(m) for m in missing],
                            quiet=True)

    # ---- theme -----------------------------------------------------------------------------------
    def _on_color_scheme(self, _scheme) -> None:
        self.apply_system_theme()

    def apply_system_theme(self) -> None:
        self.set_dark(theme.system_is_dark())

    def set_dark(self, dark: bool) -> None:
        from PySide6.QtWidgets import QApplication

        self._dark = dark
        theme.apply_theme(QApplication.instance(), dark)
        bg, grid = theme.canvas_colours(dark)
        self.canvas.ng.set_background_color(*bg)
        self.canvas.ng.set_grid_color(*grid)
        # NodeGraphQt draws its major grid lines at half the background's brightness: fine on
        # dark, heavy bars on light, where dots in the grid colour read better
        from NodeGraphQt.constants import ViewerEnum

        self.canvas.ng.set_grid_mode(ViewerEnum.GRID_DISPLAY_LINES.value if dark
                                     else ViewerEnum.GRID_DISPLAY_DOTS.value)
        self.canvas.set_caption_colour(QColor(170, 175, 185) if dark else QColor(70, 74, 82))

    @property
    def dark(self) -> bool:
        return bool(self._dark)

    # ---- messages -------------------------------------------------------------------------------
    def show_status(self, text: str) -> None:
        self.last_message = text
        self.statusBar().showMessage(text, 10000)

    def show_error(self, text: str) -> None:
        self.last_message = text
        self.message_bar.show_message(text, "error")
        self.statusBar().showMessage(text, 10000)

    # ---- editing ---------------------------------------------------------------------------------
    def add_node(self, type_id: str, pos: QPointF | None = None) -> str | None:
        try:
            return self.canvas.add_node(type_id, pos)
        except StudioError as e:
            self.show_error(e.message)
            return None

    def _on_hover(self, node_id) -> None:
        self.budget.set_highlight(node_id or self._selected_one())

    def _selected_one(self) -> str | None:
        ids = self.canvas.selected_ids()
        return ids[0] if len(ids) == 1 else None

    def _on_selection(self, ids: list[str]) -> None:
        self.inspector.show_node(ids[0] if len(ids) == 1 else None)
        self.budget.set_highlight(ids[0] if len(ids) == 1 else None)

    def delete_selection(self) -> None:
        ids = self.canvas.selected_ids()
        if ids:
            self._execute(RemoveNodes(self.doc.graph, ids, f"delete {', '.join(ids)}"))

    def copy_selection(self) -> None:
        ids = self.canvas.selected_ids()
        if ids:
            QGuiApplication.clipboard().setText(copy_text(self.doc.graph, ids))

    def paste(self, text: str | None = None) -> None:
        plan = paste_plan(self.doc.graph, QGuiApplication.clipboard().text() if text is None else text)
        if plan is None:
            self.show_status("nothing to paste: the clipboard holds no TinyML Studio nodes")
            return
        nodes, edges = plan
        cmd = AddNodes(self.doc.graph, nodes, edges, f"paste {len(nodes)} node(s)")
        if self._execute(cmd):
            self.canvas.select(cmd.added_ids)

    def duplicate_selection(self) -> None:
        ids = self.canvas.selected_ids()
        if ids:
            self.paste(copy_text(self.doc.graph, ids))

    def tidy_layout(self) -> None:
        new = tidy_positions(self.doc.graph)
        moves = {}
        for node in self.doc.graph.nodes:
            old = (node.ui.get("x", 0), node.ui.get("y", 0))
            if node.id in new and new[node.id] != old:
                moves[node.id] = (old, new[node.id])
        if moves:
            self._execute(MoveNodes(self.doc.graph, moves, "tidy layout"))
        self.canvas.zoom_to_fit()

    def _choose_board(self, board_id: str) -> None:
        try:
            self.doc.set_board(board_id)
        except StudioError as e:
            self.show_error(e.message)

    def _choose_battery(self, name: str) -> None:
        try:
            self.doc.set_battery(name)
        except StudioError as e:
            self.show_error(e.message)

    def _execute(self, command) -> bool:
        try:
            self.doc.execute(command)
            return True
        except StudioError as e:
            self.show_error(e.message)
            return False

    # ---- validation results ----------------------------------------------------------------------
    def _on_validated(self, report) -> None:
        self.board_panel.show_energy(report.energy)
        self.canvas.show_report(report)
        self.budget.show_report(report)
        self.issues.show_report(report)
        errors = sum(i.severity == "error" for i in report.issues)
        warnings = sum(i.severity == "warning" for i in report.issues)
        self.validation_dock.setWindowTitle(f"Validation — {errors} errors, {warnings} warnings "
                                            f"({report.elapsed_ms:.1f} ms)")

    def _on_validation_started(self) -> None:
        self.validation_dock.setWindowTitle("Validation — checking…")

    def _on_validation_failed(self, message: str) -> None:
        self.canvas.show_report(None)
        self.budget.show_report(None)
        self.issues.show_report(None, message)
        self.validation_dock.setWindowTitle("Validation — cannot validate")

    # ---- files -------------------------------------------------------------------------------------
    def _update_title(self, *_args) -> None:
        p = self.doc.project
        where = str(p.path) if p.path else "not saved"
        self.setWindowTitle(f"{p.name}[*] — {where} — TinyML Studio")
        self.setWindowModified(self.doc.dirty)

    def show_project(self, project: Project) -> None:
        """Puts ``project`` in the window; nodes without positions get a tidy layout first."""
        missing = [n for n in project.graph.nodes if "x" not in n.ui or "y" not in n.ui]
        if missing:
            spots = tidy_positions(project.graph)
            for n in missing:
                x, y = spots.get(n.id, (0, 0))
                project.graph.set_ui(n.id, x=x, y=y)
        self.doc.replace_project(project)
        self.reload_offer.watch.watch(project.path)
        self.canvas.select([])
        self.inspector.show_node(None)
        self._update_title()
        QTimer.singleShot(0, self.canvas.zoom_to_fit)
        QTimer.singleShot(0, self._show_data_if_any)
        self._offer_recovery()

    def _show_data_if_any(self) -> None:
        """A project with imported samples opens with its Data panel showing (the first thing a user
        with their own data looks at); one without keeps it out of the way (View → Data)."""
        from studio.core.dataset import dataset_of
        from studio.core.errors import BadInput

        try:
            has_samples = bool(dataset_of(self.doc.project).samples)
        except BadInput:
            has_samples = False
        if has_samples and hasattr(self, "data_dock"):
            from studio.ui.data_panel import show_data_panel

            show_data_panel(self)

    def keep_or_discard_changes(self) -> bool:
        """Asks what to do with unsaved changes; True when it is fine to go on."""
        if not self.doc.dirty:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to '{self.doc.project.name}' first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        if self.keep_or_discard_changes():
            self.show_project(files.new_project())

    def open_dialog(self) -> None:
        start = str(self.doc.project.dir or Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start,
                                              "TinyML Studio projects (*.tinyml *.zip);;All files (*)")
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Opens a project file, or imports a ``.zip`` bundle into a new folder next to it."""
        if ask and not self.keep_or_discard_changes():
            return False
        path = Path(path)
        try:
            if path.suffix.lower() == ".zip":
                dest = files.bundle_folder(path)
                path = import_bundle(path, dest)
                self.show_status(f"bundle unpacked into {dest}")
            project = load_project(path)
        except StudioError as e:
            self.show_error(e.message)
            return False
        self.show_project(project)
        files.remember_recent(project.path)
        return True

    def _open_dropped(self, paths: list[str]) -> None:
        wanted = [p for p in paths if p.lower().endswith((".tinyml", ".zip"))]
        if not wanted:
            self.show_status("drop a .tinyml project or a .zip bundle to open it")
            return
        self.open_path(wanted[0])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self._open_dropped([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])

    def save(self) -> bool:
        if self.doc.project.path is None:
            return self.save_as()
        return self._save_to(self.doc.project.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            start = str(self.doc.project.dir or Path.home() / f"{self.doc.project.name}.tinyml")
            chosen, _ = QFileDialog.getSaveFileName(self, "Save project as", start, "TinyML Studio project (*.tinyml)")
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        previous_name = self.doc.project.name
        self.doc.project.name = path.stem  # the project is called what its file is called
        if self._save_to(path):
            return True
        self.doc.project.name = previous_name
        return False

    def _save_to(self, path: Path) -> bool:
        if not self.reload_offer.may_save(path):
            return False  # changed on disk since the editor read it: the user chooses first
        old_side = files.autosave_path(self.doc.project)
        try:
            saved = save_project(self.doc.project, path)
        except StudioError as e:
            self.show_error(e.message)
            return False
        old_side.unlink(missing_ok=True)
        files.discard_autosave(self.doc.project)
        self.doc.undo_stack.setClean()
        self.doc.set_path(saved)
        self.reload_offer.watch.watch(saved)
        files.remember_recent(saved)
        self.show_status(f"saved {saved}")
        self.doc.validate_now()  # asset paths resolve against the (maybe new) folder
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for p in files.recent_files():
            self.recent_menu.addAction(p, lambda p=p: self.open_path(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none)").setEnabled(False)

    # ---- autosave and crash recovery --------------------------------------------------------------
    def autosave_now(self) -> Path | None:
        if not self.doc.dirty:
            return None
        try:
            return files.write_autosave(self.doc.project)
        except OSError as e:
            self.show_status(f"autosave failed: {e.strerror or e}")
            return None

    def _offer_recovery(self) -> None:
        side = files.pending_recovery(self.doc.project)
        if side is None:
            return
        self.message_bar.show_message(
            f"Unsaved changes from an earlier session were found ({side.name}). Recover them?", "warning",
            [("Recover", lambda: self.recover_from(side)),
             ("Discard them", lambda: side.unlink(missing_ok=True))])

    def recover_from(self, side: Path) -> bool:
        try:
            recovered = loads(side.read_text(encoding="utf-8"), side)
        except (StudioError, OSError) as e:
            self.show_error(getattr(e, "message", str(e)))
            return False
        self._execute(ReplaceGraph(self.doc.graph, recovered.graph, "recover unsaved changes"))
        if recovered.board_id != self.doc.project.board_id:
            self._choose_board(recovered.board_id)
        self.show_status("recovered the unsaved changes; save to keep them")
        return True

    def closeEvent(self, event) -> None:
        if not self.keep_or_discard_changes():
            event.ignore()
            return
        files.discard_autosave(self.doc.project)
        self.save_layout()
        self.jobs.cancel_all()
        event.accept()

    # ---- window layout ------------------------------------------------------------------------------
    LAYOUT_VERSION = 1

    def save_layout(self) -> None:
        s = files.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(self.LAYOUT_VERSION))
        s.sync()

    def restore_layout(self) -> bool:
        """Puts the window and docks where the user left them (not done for screenshots)."""
        s = files.settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is None or state is None:
            return False
        return self.restoreGeometry(geometry) and self.restoreState(state, self.LAYOUT_VERSION)

    # ---- jobs ----------------------------------------------------------------------------------------
    def run_check_job(self):
        """Validates a snapshot of the project off the UI thread and writes ``<name>.check.json``."""
        project = self.doc.project
        if project.path is None:
            self.show_error("save the project first: the check report is written next to it")
            return None
        snapshot = loads(dumps(project), project.path)
        snapshot.path = project.path
        board = self.doc.board()
        out = project.path.with_name(project.path.stem + ".check.json")

        def check(progress, cancelled):
            progress(0.1, "validating")
            report = validate_project(snapshot, board)
            if cancelled():
                raise JobCancelled()
            progress(0.8, "writing the report")
            text = json.dumps(report.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            out.write_text(text, encoding="utf-8")
            progress(1.0, "done")
            return out, report.ok

        job = self.jobs.start("Check", check)
        job.succeeded.connect(lambda r: self.show_status(
            f"check {'passed' if r[1] else 'found errors'}: report written to {r[0]}"))
        job.failed.connect(self.show_error)
        return job

    def export_bundle_dialog(self):
        project = self.doc.project
        if project.path is None or self.doc.dirty:
            self.show_error("save the project first: a bundle carries the saved file and its assets")
            return None
        chosen, _ = QFileDialog.getSaveFileName(self, "Export bundle", str(project.path.with_suffix(".zip")),
                                                "Bundle (*.zip)")
        return self.run_export_job(Path(chosen)) if chosen else None

    def run_export_job(self, zip_path: Path):
        project = self.doc.project
        snapshot = loads(dumps(project), project.path)  # the worker must not read the live graph
        snapshot.path = project.path
        job = self.jobs.start("Export bundle", lambda progress, cancelled: export_bundle(snapshot, zip_path))
        job.succeeded.connect(lambda p: self.show_status(f"bundle written to {p}"))
        job.failed.connect(self.show_error)
        return job
