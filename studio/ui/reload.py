"""No lost work: the editor notices when its project file changes on disk (another tool, the command
line, a ``git pull``) and offers to reload it or keep the editor's version; it never saves over a
change it has not shown the user.

``DiskWatch`` remembers the sha256 of the bytes the editor last read or wrote and watches the file
and its folder with a ``QFileSystemWatcher`` (a save by rename replaces the file, which a watch on
the file alone would lose). Any event is checked against that hash after a short pause (a writer
may still be busy), so the editor's own saves and unrelated files in the folder stay quiet.
Before a save, ``may_save`` repeats the check, for changes the watcher could not see (a network
file system, a change in the same instant). ``project_differences`` says which nodes and fields
differ, from the project file's own serialisation (``studio.core.project.to_dict``).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from studio.core.errors import StudioError
from studio.core.project import Project, keep_over_disk, load_project, to_dict

SETTLE_MS = 150
MAX_LISTED = 8


def file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _short(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def project_differences(mine: Project, theirs: Project) -> list[str]:
    """What the file on disk (``theirs``) has that differs from the editor's (``mine``), one line a
    difference: nodes added/removed/retyped, each property changed, wires, board, dataset, assets."""
    a, b = to_dict(mine), to_dict(theirs)
    out: list[str] = []
    for key, what in (("name", "name"), ("board", "board"), ("battery", "battery")):
        if a.get(key) != b.get(key):
            out.append(f"{what}: {_short(a.get(key))} → {_short(b.get(key))}")
    nodes_a = {n["id"]: n for n in a["nodes"]}
    nodes_b = {n["id"]: n for n in b["nodes"]}
    for nid in sorted(nodes_b.keys() - nodes_a.keys()):
        out.append(f"node '{nid}' ({nodes_b[nid]['type']}) added")
    for nid in sorted(nodes_a.keys() - nodes_b.keys()):
        out.append(f"node '{nid}' ({nodes_a[nid]['type']}) removed")
    for nid in sorted(nodes_a.keys() & nodes_b.keys()):
        na, nb = nodes_a[nid], nodes_b[nid]
        if na["type"] != nb["type"]:
            out.append(f"node '{nid}': type {na['type']} → {nb['type']}")
            continue
        pa, pb = na["props"], nb["props"]
        for name in sorted(pa.keys() | pb.keys()):
            if pa.get(name) != pb.get(name):
                out.append(f"node '{nid}': {name} {_short(pa.get(name))} → {_short(pb.get(name))}")
    edges_a = {(e["from"], e["to"]) for e in a["edges"]}
    edges_b = {(e["from"], e["to"]) for e in b["edges"]}
    out += [f"wire {f} → {t} added" for f, t in sorted(edges_b - edges_a)]
    out += [f"wire {f} → {t} removed" for f, t in sorted(edges_a - edges_b)]
    da, db = a.get("dataset") or {}, b.get("dataset") or {}
    if da != db:
        keys = sorted(k for k in da.keys() | db.keys() if da.get(k) != db.get(k))
        if not da:
            out.append("dataset added" + _labels_note(db))
        elif not db:
            out.append("dataset removed")
        else:
            out.append(f"dataset: {', '.join(keys)} changed" + _labels_note(db))
    if a.get("assets") != b.get("assets"):
        out.append("asset files (models, recordings) changed")
    if not out and a.get("ui") != b.get("ui"):
        out.append("node positions changed")
    return out


def _labels_note(dataset: dict) -> str:
    labels = dataset.get("labels")
    return f" (labels {', '.join(map(str, labels))})" if isinstance(labels, list) and labels else ""


def describe(differences: list[str]) -> str:
    shown = differences[:MAX_LISTED]
    more = len(differences) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


class DiskWatch(QObject):
    """Watches one project file; ``changed_on_disk`` fires once per new content nobody has seen."""

    changed_on_disk = Signal(object)   # Path

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.path: Path | None = None
        self.known_hash: str | None = None     # what the editor read, wrote or chose to overwrite
        self._reported: str | None = None      # the disk content last announced
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._poke)
        self._watcher.directoryChanged.connect(self._poke)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.check_now)

    def watch(self, path: Path | None) -> None:
        """Follows ``path`` (None: nothing), taking its current content as the editor's."""
        old = self._watcher.files() + self._watcher.directories()
        if old:
            self._watcher.removePaths(old)
        self.path = Path(path) if path is not None else None
        self.known_hash = self._reported = None
        if self.path is None:
            return
        self.known_hash = file_hash(self.path)
        self._rewatch()

    def remember(self) -> None:
        """The file now holds what the editor wrote (after a save) or what the user chose to keep."""
        if self.path is not None:
            self.known_hash = file_hash(self.path)
            self._reported = None
            self._rewatch()

    def keep_mine(self) -> None:
        """The user chose their version: the next save may replace what is on disk now."""
        if self.path is not None:
            self.known_hash = file_hash(self.path)
            self._reported = None

    def _rewatch(self) -> None:
        if self.path is None:
            return
        wanted = [str(self.path.parent)] + ([str(self.path)] if self.path.exists() else [])
        missing = [p for p in wanted if p not in self._watcher.files() + self._watcher.directories()]
        if missing:
            self._watcher.addPaths(missing)

    def _poke(self, _path: str) -> None:
        self._settle.start()

    def disk_hash(self) -> str | None:
        return file_hash(self.path) if self.path is not None else None

    def changed(self) -> bool:
        """True when the file holds content the editor has neither read, written nor overruled (a
        deleted file is no change: saving writes it again and loses nobody's work)."""
        now = self.disk_hash()
        return now is not None and self.known_hash is not None and now != self.known_hash

    def check_now(self) -> bool:
        self._rewatch()
        if not self.changed():
            return False
        now = self.disk_hash()
        if now != self._reported:
            self._reported = now
            self.changed_on_disk.emit(self.path)
        return True


class ReloadOffer:
    """The window's side: the message with Reload / Keep mine, and the check before a save."""

    def __init__(self, window):
        self.window = window
        self.watch = DiskWatch(window)
        self.watch.changed_on_disk.connect(lambda _p: self.offer())
        self.last_differences: list[str] = []

    def offer(self, refused_save: bool = False) -> None:
        w = self.window
        path = self.watch.path
        if path is None:
            return
        try:
            theirs = load_project(path)
        except StudioError as e:
            self.last_differences = []
            w.message_bar.show_message(
                f"'{path.name}' was changed on disk and cannot be read now ({e.message}). "
                "Keep your version (the next save overwrites the file)?", "warning",
                [("Keep mine", self.keep_mine)])
            return
        self.last_differences = project_differences(w.doc.project, theirs)
        what = describe(self.last_differences) or "the same project, written differently"
        lead = "Not saved: " if refused_save else ""
        unsaved = " and your unsaved edits are lost" if w.doc.dirty else ""
        w.message_bar.show_message(
            f"{lead}'{path.name}' was changed on disk by another program — {what}. Reload it "
            f"(the editor takes the file's version{unsaved}) or keep yours (the next save replaces it)?",
            "warning", [("Reload", self.reload), ("Keep mine", self.keep_mine)])
        w.show_status(f"{path.name} changed on disk")

    def reload(self) -> bool:
        w = self.window
        try:
            theirs = load_project(self.watch.path)
        except StudioError as e:
            w.show_error(e.message)
            return False
        w.show_project(theirs)
        w.show_status(f"reloaded {theirs.path} from disk")
        return True

    def keep_mine(self) -> None:
        self.watch.keep_mine()
        w = self.window
        keep_over_disk(w.doc.project)   # the core's own check (save_project) agrees with the choice
        # the editor's version differs from the file now: it must count as unsaved
        if not w.doc.dirty:
            w.doc.undo_stack.resetClean()
        w.show_status("kept your version; saving will replace the file on disk")

    def may_save(self, path: Path) -> bool:
        """False (and the offer shown) when ``path`` is the watched file and it changed unseen."""
        if self.watch.path is None or Path(path).resolve() != self.watch.path.resolve():
            return True
        if not self.watch.changed():
            return True
        self.offer(refused_save=True)
        return False
