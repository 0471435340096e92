"""Where the editor keeps files besides the project: recent files (QSettings), autosave side files
for crash recovery, the folder a dropped bundle unpacks into, and the default project to open."""
from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QSettings

from studio.core.boards import boards
from studio.core.paths import sample_projects_dir, user_data_dir
from studio.core.project import SUFFIX, Project, dumps

MAX_RECENT = 10
AUTOSAVE_SUFFIX = ".autosave"
DEFAULT_BOARD = "qemu-mps2-an386"


def settings() -> QSettings:
    """The app's settings in an INI file (tests point QSettings.setPath at a temporary folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "tinyml-studio", "studio")


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [v for v in (value or []) if isinstance(v, str)]


def remember_recent(path: Path) -> list[str]:
    items = [str(path)] + [p for p in recent_files() if p != str(path)]
    items = items[:MAX_RECENT]
    s = settings()
    s.setValue("recent", items)
    s.sync()
    return items


def autosave_path(project: Project) -> Path:
    """Autosaves live in the user's data folder, one per project file (named after it plus a hash of
    its full path), so project folders — often git checkouts — never collect them."""
    folder = user_data_dir() / "autosave"
    if project.path is None:
        return folder / f"untitled{SUFFIX}{AUTOSAVE_SUFFIX}"
    key = hashlib.sha256(str(Path(project.path).resolve()).encode("utf-8")).hexdigest()[:12]
    return folder / f"{project.path.stem}-{key}{SUFFIX}{AUTOSAVE_SUFFIX}"


def write_autosave(project: Project) -> Path:
    """Writes the unsaved state beside the project (never over it)."""
    target = autosave_path(project)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(dumps(project), encoding="utf-8")
    tmp.replace(target)
    return target


def discard_autosave(project: Project) -> None:
    autosave_path(project).unlink(missing_ok=True)


def pending_recovery(project: Project) -> Path | None:
    """An autosave newer than the project file and different from it: left by a crash."""
    side = autosave_path(project)
    if not side.is_file():
        return None
    if project.path is not None and project.path.is_file():
        if side.stat().st_mtime < project.path.stat().st_mtime:
            return None
        if side.read_text(encoding="utf-8", errors="replace") == project.path.read_text(encoding="utf-8",
                                                                                            errors="replace"):
            return None
    return side


def bundle_folder(zip_path: Path) -> Path:
    """A new, empty folder next to the bundle, named after it."""
    base = zip_path.with_suffix("")
    candidate, n = base, 2
    while candidate.exists():
        candidate = base.with_name(f"{base.name}-{n}")
        n += 1
    return candidate


DEFAULT_SAMPLE = "gesture"


def first_sample_project() -> Path | None:
    """The gesture sample when it is there (the one the docs walk through), else the first found."""
    root = sample_projects_dir()
    found = sorted(root.glob(f"*/*{SUFFIX}")) if root.is_dir() else []
    preferred = [p for p in found if p.parent.name == DEFAULT_SAMPLE]
    return (preferred or found or [None])[0]


def default_board_id() -> str:
    ids = [b.id for b in boards().all()]
    return DEFAULT_BOARD if DEFAULT_BOARD in ids else (ids[0] if ids else DEFAULT_BOARD)


def new_project() -> Project:
    return Project(name="untitled", board_id=default_board_id())
