"""Project files (``*.tinyml``): schema, migration, deterministic atomic save, and bundles.

A project file is JSON only (nothing in it is ever executed) and comes from other teams, so every
field is checked on load and any problem becomes one ``ProjectFileError`` naming the file, where
and what. Output is deterministic (sorted, stable formatting) so teams can diff and merge it in git.
Assets (models, data) are referenced by a relative path inside the project folder, with sha256.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
import zipfile
from zlib import error as zlib_error
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from nodes.base import NodeError, node_type
from studio.core.dataset import dataset_from_json
from studio.core.errors import BadInput, ProjectFileError
from studio.core.files import (MAX_ASSET_BYTES, atomic_write, folder_lock, open_regular, read_bounded,
                               regular_file_size, remove_stale_temps)
from studio.core.graph import Edge, Graph, Node

FORMAT = "tinyml-studio-project"
VERSION = 2
SUFFIX = ".tinyml"
MAX_FILE_BYTES = 16 * 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ENDPOINT = re.compile(r"^([A-Za-z][A-Za-z0-9_]{0,63})\.([A-Za-z][A-Za-z0-9_]{0,63})$")


@dataclass
class Project:
    name: str
    board_id: str
    graph: Graph = field(default_factory=Graph)
    battery: str = "CR2032"
    assets: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 as last saved
    dataset: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    # (size, mtime_ns, sha256) of the file as this process last read or wrote it: a save checks it
    disk_stamp: tuple[int, int, str] | None = field(default=None, compare=False, repr=False)

    @property
    def dir(self) -> Path | None:
        return self.path.parent if self.path else None

    def asset_paths(self) -> list[str]:
        """Relative paths of every file the nodes refer to (asset properties)."""
        found = set()
        for node in self.graph.nodes:
            try:
                spec = node.spec
            except NodeError:
                continue
            for p in spec.params:
                if p.kind == "asset" and node.props.get(p.name):
                    found.add(node.props[p.name])
        return sorted(found)

    def asset_problems(self) -> list["AssetProblem"]:
        """Assets whose path is unsafe, that are missing, or that changed since the project was saved."""
        out: list[AssetProblem] = []
        if self.dir is None:
            return out
        for rel in self.asset_paths():
            try:
                full = safe_join(self.dir, rel)
            except BadInput as e:
                out.append(AssetProblem(rel, ProblemKind.UNSAFE_PATH, e.message))
                continue
            if not full.is_file():
                out.append(AssetProblem(rel, ProblemKind.MISSING, f"asset '{rel}' is missing from the project folder"))
            elif rel in self.assets and sha256_file(full) != self.assets[rel]:
                out.append(AssetProblem(rel, ProblemKind.CHANGED,
                                        f"asset '{rel}' changed since the project was saved (sha256 differs)"))
        return out
        for rel in self.asset_paths():
            try:
                full = safe_join(self.dir, rel)
            except BadInput as e:
                out.append((rel, e.message))
                continue
            if not full.is_file():
                out.append((rel, f"asset '{rel}' is missing from the project folder"))
            elif rel in self.assets and sha256_file(full) != self.assets[rel]:
                out.append((rel, f"asset '{rel}' changed since the project was saved (sha256 differs)"))
        return out


class ProblemKind(Enum):
    """What is wrong with an asset (validation makes UNSAFE_PATH and MISSING errors, CHANGED a warning)."""

    UNSAFE_PATH = "unsafe-path"
    MISSING = "missing"
    CHANGED = "changed"


@dataclass(frozen=True)
class AssetProblem:
    rel: str
    kind: ProblemKind
    message: str


# ---- paths ---------------------------------------------------------------------------------------
def check_relative(rel: str) -> PurePosixPath:
    """A project-relative path, refused if absolute, with '..', backslashes or drive letters."""
    if not isinstance(rel, str) or not rel:
        raise BadInput("an asset path must be non-empty text")
    if not _printable(rel):
        raise BadInput(f"asset path {rel!r} holds a NUL, control character or unpaired surrogate")
    p = PurePosixPath(rel)
    if p.is_absolute() or "\\" in rel or ":" in rel or any(part in ("..", "") for part in p.parts) \
            or rel.startswith("./.."):
        raise BadInput(f"asset path '{rel}' must be relative and stay inside the project folder")
    return p


def _printable(text: str) -> bool:
    """Text that is valid UTF-8 with no control characters (a NUL ends a C string and a path)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


def safe_join(root: Path, rel: str) -> Path:
    p = check_relative(rel)
    full = (root / p).resolve()
    if root.resolve() not in full.parents:
        raise BadInput(f"asset path '{rel}' leaves the project folder")
    return full


_HASHES: dict[tuple[str, int, int], str] = {}


def sha256_file(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime): live validation checks the assets on
    every edit and must not re-read a large recording each time."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = _hash(path)
    return _HASHES[key]


def _hash(path: Path) -> str:
    h = hashlib.sha256()
    with open_regular(path, MAX_ASSET_BYTES, "asset") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---- serialisation -------------------------------------------------------------------------------
def to_dict(project: Project) -> dict[str, Any]:
    nodes = []
    ui_nodes = {}
    for node in sorted(project.graph.nodes, key=lambda n: n.id):
        nodes.append({"id": node.id, "type": node.type_id, "type_version": _type_version(node.type_id),
                      "props": {k: node.props[k] for k in sorted(node.props)}})
        if node.ui:
            ui_nodes[node.id] = {k: node.ui[k] for k in sorted(node.ui)}
    edges = [{"from": f"{e.src}.{e.src_port}", "to": f"{e.dst}.{e.dst_port}"} for e in sorted(project.graph.edges)]
    assets = [{"path": p, "sha256": s} for p, s in sorted(project.assets.items())]
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": project.name, "board": project.board_id,
                           "battery": project.battery, "nodes": nodes, "edges": edges, "assets": assets,
                           "ui": {"nodes": ui_nodes}}
    if project.dataset:
        out["dataset"] = project.dataset
    return out


def dumps(project: Project) -> str:
    return json.dumps(to_dict(project), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _type_version(type_id: str) -> int:
    try:
        return node_type(type_id).version
    except NodeError:
        return 1


class ProjectChangedOnDisk(BadInput):
    """The project file was changed by another program since it was opened: saving would lose that."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path}: the file was changed by another program since it was opened; reload it "
                         "(or save under another name) so that change is not lost")


def _stamp(path: Path) -> tuple[int, int, str] | None:
    try:
        st = path.stat()
        return (st.st_size, st.st_mtime_ns, _hash(path))
    except OSError:
        return None


def keep_over_disk(project: Project) -> None:
    """The user saw the change another program made to the project's file and chose their own
    version: the next save may replace what is on disk now (and only that)."""
    if project.path is not None:
        project.disk_stamp = _stamp(project.path)


def changed_on_disk(project: Project) -> bool:
    """Whether the project's file differs from what this process last read or wrote (another tool,
    e.g. the CLI, saved it meanwhile). A project never loaded from a file has nothing to compare."""
    if project.path is None or project.disk_stamp is None:
        return False
    try:
        st = project.path.stat()
    except OSError:
        return True   # deleted or unreadable: the user should decide
    size, mtime_ns, digest = project.disk_stamp
    if (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
        return False
    now = _stamp(project.path)
    return now is None or now[0] != size or now[2] != digest


def save_project(project: Project, path: str | os.PathLike | None = None, overwrite_changed: bool = False) -> Path:
    """Atomic save: hashes the assets, writes a temp file beside the target, keeps the previous
    version as ``<name>.tinyml.bak`` and renames over. A failure leaves the old file untouched.
    Refuses (``ProjectChangedOnDisk``) to overwrite the project's own file when another program
    changed it since it was loaded, unless ``overwrite_changed`` (the user chose to)."""
    target = Path(path) if path is not None else project.path
    if target is None:
        raise BadInput("the project has no file yet: choose where to save it")
    target = target.with_suffix(SUFFIX) if target.suffix != SUFFIX else target
    root = target.parent
    for rel in project.asset_paths():
        try:
            full = safe_join(root, rel)
        except BadInput:
            continue
        if full.is_file():
            project.assets[rel] = sha256_file(full)
    for rel in list(project.assets):
        if rel not in project.asset_paths():
            del project.assets[rel]
    data = dumps(project).encode("utf-8")
    backup = target.with_name(target.name + ".bak")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with folder_lock(root):
            # nothing to lose where no file is (a new name, or one deleted meanwhile)
            if not overwrite_changed and project.path is not None and target.exists() \
                    and _same_file(target, project.path) and changed_on_disk(project):
                raise ProjectChangedOnDisk(target)
            # under the lock no other saver runs: whatever temp files are here were left by a killed one
            remove_stale_temps(target, older_than_s=0)
            remove_stale_temps(backup, older_than_s=0)
            if target.exists():
                # the backup is written atomically too (temp + rename): a kill leaves the old backup
                previous = read_bounded(target, MAX_FILE_BYTES, "project file")
                atomic_write(backup, lambda f: f.write(previous))
            atomic_write(target, lambda f: f.write(data))
            stamp = _stamp(target)
    except OSError as e:
        raise BadInput(f"cannot save {target}: {e.strerror or e}") from None
    project.path = target
    project.disk_stamp = stamp
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == Path(b).resolve()
    except OSError:
        return False


# ---- loading -------------------------------------------------------------------------------------
def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 named the board ``board_id`` and stored edges as [src, port, dst, port] lists."""
    data = dict(data)
    if "board_id" in data:
        data["board"] = data.pop("board_id")
    edges = []
    for i, e in enumerate(data.get("edges", [])):
        if isinstance(e, list) and len(e) == 4 and all(isinstance(x, str) for x in e):
            edges.append({"from": f"{e[0]}.{e[1]}", "to": f"{e[2]}.{e[3]}"})
        else:
            edges.append(e)
    data["edges"] = edges
    data.setdefault("battery", "CR2032")
    data["version"] = 2
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _migrate_1_to_2}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in a project file")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large for a project file")
    return value


def loads(text: str, path: str | os.PathLike = "<project>") -> Project:
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as e:
        raise ProjectFileError(path, f"line {e.lineno} column {e.colno}", f"not valid JSON ({e.msg})") from None
    except (ValueError, RecursionError) as e:
        raise ProjectFileError(path, "", f"not a readable project file ({str(e)[:200]})") from None
    return from_dict(data, path)


def _dataset_paths(dataset: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, value) of the file paths the dataset block names: its folder and the test split's
    samples and labels; each must stay inside the project folder like an asset path."""
    found: list[tuple[str, Any]] = []
    if "folder" in dataset:
        found.append(("dataset.folder", dataset["folder"]))
    test = dataset.get("test")
    if isinstance(test, dict):
        samples = test.get("samples")
        for i, rel in enumerate(samples if isinstance(samples, list) else [samples] if samples is not None else []):
            found.append((f"dataset.test.samples[{i}]", rel))
        if "labels" in test:
            found.append(("dataset.test.labels", test["labels"]))
    return found


def from_dict(data: Any, path: str | os.PathLike = "<project>") -> Project:
    def fail(where: str, what: str):
        raise ProjectFileError(path, where, what)

    if not isinstance(data, dict):
        fail("", "a project file must hold a JSON object")
    if data.get("format") != FORMAT:
        fail("format", f"not a TinyML Studio project (expected \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        fail("version", "missing or invalid format version")
    if version > VERSION:
        fail("version", f"made by a newer TinyML Studio (file format {version}; this version reads up to "
                        f"{VERSION}): update TinyML Studio to open it")
    while version < VERSION:
        data = MIGRATIONS[version](data)
        version = data["version"]

    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        fail("name", "the project needs a name (text, at most 200 characters)")
    if not _printable(name):
        fail("name", "the name holds a NUL, control character or unpaired surrogate")
    board_id = data.get("board")
    if not isinstance(board_id, str) or not board_id:
        fail("board", "the project must name its board")
    battery = data.get("battery", "CR2032")
    if not isinstance(battery, str):
        fail("battery", "must be a battery name")
    dataset = data.get("dataset", {})
    if not isinstance(dataset, dict):
        fail("dataset", "must be an object")
    for where, rel in _dataset_paths(dataset):
        try:
            check_relative(rel)
        except BadInput as e:
            fail(where, e.message)
    try:  # schema check and migration of older dataset layouts: one loader (studio.core.dataset)
        dataset = dataset_from_json(dataset).to_json()
    except BadInput as e:
        fail("dataset", e.message)

    ui_block = data.get("ui", {})
    if not isinstance(ui_block, dict) or not isinstance(ui_block.get("nodes", {}), dict):
        fail("ui", "must be an object with a 'nodes' object")
    ui_nodes = ui_block.get("nodes", {})

    graph = Graph()
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        fail("nodes", "must be a list")
    for i, raw in enumerate(nodes):
        where = f"nodes[{i}]"
        if not isinstance(raw, dict):
            fail(where, "each node must be an object")
        node_id, type_id = raw.get("id"), raw.get("type")
        if not isinstance(node_id, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,63}$", node_id):
            fail(f"{where}.id", "a node id starts with a letter and uses only letters, digits and '_'")
        if graph.has_node(node_id):
            fail(f"{where}.id", f"the id '{node_id}' is used twice")
        if not isinstance(type_id, str):
            fail(f"{where}.type", "missing node type")
        try:
            spec = node_type(type_id)
        except NodeError as e:
            fail(f"{where}.type", e.message)
        type_version = raw.get("type_version", 1)
        if not isinstance(type_version, int) or isinstance(type_version, bool) or type_version < 1:
            fail(f"{where}.type_version", "must be a positive whole number")
        if type_version > spec.version:
            fail(f"{where}.type_version", f"node type '{type_id}' version {type_version} is newer than this "
                                          f"TinyML Studio knows ({spec.version}): update TinyML Studio")
        props = raw.get("props", {})
        if not isinstance(props, dict):
            fail(f"{where}.props", "must be an object")
        if type_version < spec.version:
            props = spec.migrate(dict(props), type_version)
        checked = spec.defaults()
        for key, value in props.items():
            try:
                checked[key] = spec.param(key).coerce(value)
            except NodeError as e:
                fail(f"{where}.props.{key}", e.message)
        ui = ui_nodes.get(node_id, {})
        if not isinstance(ui, dict):
            fail(f"ui.nodes.{node_id}", "must be an object")
        clean_ui: dict[str, Any] = {}
        for key, value in ui.items():
            if key in ("x", "y") and isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and abs(value) < 1e7:
                clean_ui[key] = value
            elif key == "title" and isinstance(value, str) and len(value) <= 200:
                clean_ui[key] = value
            else:
                fail(f"ui.nodes.{node_id}.{key}", "unknown or invalid layout field")
        graph._load_node(Node(node_id, type_id, checked, clean_ui))

    edges = data.get("edges", [])
    if not isinstance(edges, list):
        fail("edges", "must be a list")
    seen: set[Edge] = set()
    for i, raw in enumerate(edges):
        where = f"edges[{i}]"
        if not isinstance(raw, dict) or set(raw) != {"from", "to"}:
            fail(where, "an edge is an object with 'from' and 'to' (\"node.port\")")
        ends = []
        for key in ("from", "to"):
            m = _ENDPOINT.match(raw[key]) if isinstance(raw[key], str) else None
            if not m:
                fail(f"{where}.{key}", "must be \"node.port\"")
            if not graph.has_node(m.group(1)):
                fail(f"{where}.{key}", f"there is no node '{m.group(1)}'")
            ends.append((m.group(1), m.group(2)))
        edge = Edge(ends[0][0], ends[0][1], ends[1][0], ends[1][1])
        try:
            graph.node(edge.src).spec.output_port(edge.src_port)
            graph.node(edge.dst).spec.input_port(edge.dst_port)
        except NodeError as e:
            fail(where, e.message)
        if edge in seen:
            fail(where, f"{edge.describe()} is listed twice")
        seen.add(edge)
        graph._load_edge(edge)

    assets: dict[str, str] = {}
    raw_assets = data.get("assets", [])
    if not isinstance(raw_assets, list):
        fail("assets", "must be a list")
    for i, raw in enumerate(raw_assets):
        where = f"assets[{i}]"
        if not isinstance(raw, dict):
            fail(where, "must be an object with 'path' and 'sha256'")
        try:
            check_relative(raw.get("path"))
        except BadInput as e:
            fail(f"{where}.path", e.message)
        sha = raw.get("sha256")
        if not isinstance(sha, str) or not _HEX64.match(sha):
            fail(f"{where}.sha256", "must be 64 lowercase hex digits")
        assets[raw["path"]] = sha
    for node in graph.nodes:
        for p in node.spec.params:
            if p.kind == "asset" and node.props.get(p.name):
                try:
                    check_relative(node.props[p.name])
                except BadInput as e:
                    fail(f"nodes.{node.id}.props.{p.name}", e.message)

    return Project(name=name, board_id=board_id, graph=graph, battery=battery, assets=assets,
                   dataset=dataset)


def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob(f"*{SUFFIX}"))
        if len(found) != 1:
            raise BadInput(f"{path}: expected one {SUFFIX} file in the folder, found {len(found)}")
        path = found[0]
    try:
        st = path.stat()
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise ProjectFileError(path, "", f"the file is {size} bytes; a project file is at most "
                                             f"{MAX_FILE_BYTES} bytes")
        raw = read_bounded(path, MAX_FILE_BYTES, "project file")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such project file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a folder, not a project file") from None
    except OSError as e:
        raise BadInput(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProjectFileError(path, f"byte {e.start}", "not UTF-8 text") from None
    project = loads(text, path)
    project.path = path.resolve()
    project.disk_stamp = (len(raw), st.st_mtime_ns, hashlib.sha256(raw).hexdigest())
    return project


# ---- bundles -------------------------------------------------------------------------------------
MAX_BUNDLE_BYTES = 1024 * 1024 * 1024
MAX_BUNDLE_FILES = 10_000
MAX_BUNDLE_MEMBER_BYTES = 512 * 1024 * 1024
_BUNDLE_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def export_bundle(project: Project, zip_path: str | os.PathLike, extra_dirs: tuple[str, ...] = ()) -> Path:
    """A .zip with the project file and every asset it names (and ``extra_dirs``, e.g. the dataset)."""
    if project.dir is None:
        raise BadInput("save the project before exporting a bundle")
    zip_path = Path(zip_path)
    root = project.dir
    missing = [p.rel for p in project.asset_problems() if p.kind is ProblemKind.MISSING]
    if missing:
        raise BadInput(f"cannot bundle: missing assets {', '.join(missing)}")
    files = {project.path.name: project.path}
    for rel in project.asset_paths():
        files[rel] = safe_join(root, rel)
    for d in extra_dirs:
        base = safe_join(root, d)
        if base.is_dir():
            for f in sorted(base.rglob("*")):
                if f.is_file() and not f.is_symlink():
                    files[f.relative_to(root).as_posix()] = f
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arc in sorted(files):
            info = zipfile.ZipInfo(arc, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[arc].read_bytes())
    return zip_path


def import_bundle(zip_path: str | os.PathLike, dest_dir: str | os.PathLike) -> Path:
    """Unpacks a bundle into an empty folder, refusing anything that could leave it, then opens
    (and so fully checks) the project inside. Returns the project file path."""
    zip_path, dest = Path(zip_path), Path(dest_dir)
    if dest.exists() and any(dest.iterdir()):
        raise BadInput(f"{dest}: the folder to unpack into must be empty")
    try:
        regular_file_size(zip_path, MAX_BUNDLE_BYTES, "bundle")
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as e:
        raise BadInput(f"{zip_path}: not a readable bundle ({e})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_BUNDLE_FILES:
            raise BadInput(f"{zip_path}: too many files ({len(infos)})")
        if sum(i.file_size for i in infos) > MAX_BUNDLE_BYTES:
            raise BadInput(f"{zip_path}: unpacks to more than {MAX_BUNDLE_BYTES} bytes")
        projects = [i.filename for i in infos if "/" not in i.filename and i.filename.endswith(SUFFIX)]
        if len(projects) != 1:
            raise BadInput(f"{zip_path}: a bundle holds exactly one {SUFFIX} file at its top, found {len(projects)}")
        for info in infos:
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise BadInput(f"{zip_path}: '{info.filename}' is a link; bundles may hold only files")
            if info.is_dir():
                continue
            try:
                check_relative(info.filename)
            except BadInput:
                raise BadInput(f"{zip_path}: '{info.filename}' would be written outside the project folder") from None
            if info.flag_bits & 0x1:
                raise BadInput(f"{zip_path}: '{info.filename}' is encrypted; bundles are plain zip files")
            if info.compress_type not in _BUNDLE_COMPRESSIONS:
                raise BadInput(f"{zip_path}: '{info.filename}' uses zip compression method {info.compress_type}, "
                               "which is not read; re-pack the bundle with plain deflate")
            if info.file_size > MAX_BUNDLE_MEMBER_BYTES:
                raise BadInput(f"{zip_path}: '{info.filename}' unpacks to {info.file_size:,} bytes "
                               f"(at most {MAX_BUNDLE_MEMBER_BYTES:,} per file)")
        # unpack beside the destination and move it into place only when the whole bundle is good:
        # a damaged bundle leaves no half-unpacked folder behind
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".unpack", dir=dest.parent))
        except OSError as e:
            raise BadInput(f"{dest}: cannot unpack there ({e.strerror or e})") from None
        try:
            for info in infos:
                if info.is_dir():
                    continue
                target = safe_join(staging, info.filename)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    if _copy_bounded(src, out, info.file_size) != info.file_size:
                        raise BadInput(f"{zip_path}: damaged bundle ('{info.filename}' has the wrong size)")
            load_project(staging / projects[0])
            if dest.exists():
                dest.rmdir()      # checked empty above
            os.replace(staging, dest)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, zlib_error) as e:
            shutil.rmtree(staging, ignore_errors=True)
            raise BadInput(f"{zip_path}: damaged bundle ({e})") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return dest / projects[0]


def _copy_bounded(src, out, limit: int) -> int:
    """Copies at most ``limit`` bytes (the size the zip's directory declares) and returns how many
    there were, reading one byte past the limit to notice a member that holds more."""
    done = 0
    while done <= limit:
        chunk = src.read(min(1 << 20, limit + 1 - done))
        if not chunk:
            break
        out.write(chunk)
        done += len(chunk)
    return done
