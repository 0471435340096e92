"""Project files: deterministic, atomic, migrated, and refusing hostile input with one clear message."""
from __future__ import annotations

import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.errors import BadInput, ProjectFileError
from studio.core.project import (VERSION, ProblemKind, Project, dumps, export_bundle, import_bundle, load_project, loads,
                                  save_project)


@pytest.fixture
def project(chain, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rec.csv").write_text("x,y,z\n1,2,3\n")
    chain.set_property("src", "data", "data/rec.csv")
    chain.set_ui("src", x=10.0, y=-20.5)
    p = Project(name="Gesture", board_id="qemu-mps2-an386", graph=chain)
    save_project(p, tmp_path / "gesture.tinyml")
    return p


def test_save_then_load_gives_identical_bytes(project, tmp_path):
    first = (tmp_path / "gesture.tinyml").read_bytes()
    again = load_project(tmp_path / "gesture.tinyml")
    save_project(again, tmp_path / "copy.tinyml")
    assert (tmp_path / "copy.tinyml").read_bytes() == first


def test_saved_file_records_asset_sha256(project, tmp_path):
    data = json.loads((tmp_path / "gesture.tinyml").read_text())
    assert data["assets"][0]["path"] == "data/rec.csv"
    assert len(data["assets"][0]["sha256"]) == 64


def test_output_does_not_depend_on_insertion_order(chain, tmp_path):
    a = Project("p", "qemu-mps2-an386", chain)
    from studio.core.graph import Graph
    g = Graph()
    for node in reversed(chain.nodes):
        g.add_node(node.type_id, node.props, node_id=node.id)
    for e in reversed(chain.edges):
        g.connect(e.src, e.src_port, e.dst, e.dst_port)
    assert dumps(a) == dumps(Project("p", "qemu-mps2-an386", g))


def test_save_keeps_previous_version_as_bak(project, tmp_path):
    before = (tmp_path / "gesture.tinyml").read_bytes()
    project.name = "Renamed"
    save_project(project)
    assert (tmp_path / "gesture.tinyml.bak").read_bytes() == before
    assert load_project(tmp_path / "gesture.tinyml").name == "Renamed"


def test_changed_asset_is_reported(project, tmp_path):
    (tmp_path / "data" / "rec.csv").write_text("x,y,z\n9,9,9\n")
    problems = load_project(tmp_path / "gesture.tinyml").asset_problems()
    assert problems and problems[0].kind is ProblemKind.CHANGED


def test_version_1_file_is_migrated(tmp_path):
    v1 = {"format": "tinyml-studio-project", "version": 1, "name": "old", "board_id": "nano33ble",
          "nodes": [{"id": "s", "type": "testing.source", "props": {}},
                    {"id": "w", "type": "testing.window", "props": {"hop": 5}}],
          "edges": [["s", "out", "w", "in"]]}
    p = loads(json.dumps(v1))
    assert p.board_id == "nano33ble"
    assert [(e.src, e.dst) for e in p.graph.edges] == [("s", "w")]
    assert json.loads(dumps(p))["version"] == VERSION


def test_newer_file_is_refused_with_update_advice():
    with pytest.raises(ProjectFileError, match="newer TinyML Studio"):
        loads(json.dumps({"format": "tinyml-studio-project", "version": VERSION + 1}))


@pytest.mark.parametrize("text, where", [
    ('{"format": "tinyml-studio-project", "version": 2, "name": "x", "board": "b", "nodes": [', "line 1"),
    ('[1, 2]', ""),
    ('{"format": "other"}', "format"),
    ('{"format": "tinyml-studio-project", "version": 2, "name": "x", "board": "b", '
     '"nodes": [{"id": "a", "type": "testing.source", "props": {"channels": NaN}}]}', ""),
    ('{"format": "tinyml-studio-project", "version": 2, "name": "x", "board": "b", '
     '"nodes": [{"id": "a", "type": "testing.source", "props": {"channels": 1000}}]}', "nodes[0].props.channels"),
    ('{"format": "tinyml-studio-project", "version": 2, "name": "x", "board": "b", '
     '"nodes": [{"id": "a", "type": "testing.source", "props": {"data": "../../etc/passwd"}}]}', "data"),
    ('{"format": "tinyml-studio-project", "version": 2, "name": "x", "board": "b", "nodes": [], '
     '"assets": [{"path": "/etc/passwd", "sha256": "' + "0" * 64 + '"}]}', "assets[0].path"),
    ('{"format": "tinyml-studio-project", "version": 2, "name": "x", "board": "b", "nodes": [], '
     '"edges": [{"from": "a.out", "to": "b.in"}]}', "edges[0].from"),
])
def test_bad_files_give_one_message_with_where(text, where):
    with pytest.raises(ProjectFileError) as e:
        loads(text, "team.tinyml")
    assert "team.tinyml" in e.value.message and where in e.value.message


def test_deeply_nested_json_is_refused_cleanly():
    with pytest.raises(ProjectFileError):
        loads("[" * 100_000 + "]" * 100_000)


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="no such project file"):
        load_project(tmp_path / "nope.tinyml")


def test_binary_garbage_is_refused(tmp_path):
    f = tmp_path / "x.tinyml"
    f.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProjectFileError, match="not UTF-8"):
        load_project(f)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_anything_but_a_project_error(blob):
    try:
        loads(blob.decode("utf-8", errors="replace"))
    except ProjectFileError:
        pass


def _mutations():
    leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                     st.text(max_size=20))
    return st.recursive(leaf, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                     st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                        max_leaves=10)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.sampled_from(["nodes", 0, 1, "props", "edges", "assets", "ui", "id", "type",
                                      "channels", "hop", "from", "to", "version", "name"]), min_size=1,
                     max_size=4),
       value=_mutations())
def test_mutated_valid_file_loads_or_gives_a_project_error(project, tmp_path, path, value):
    data = json.loads(dumps(project))
    cur = data
    for key in path[:-1]:
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif isinstance(cur, list) and isinstance(key, int) and key < len(cur):
            cur = cur[key]
        else:
            break
    last = path[-1]
    if isinstance(cur, dict):
        cur[str(last)] = value
    elif isinstance(cur, list) and isinstance(last, int) and last < len(cur):
        cur[last] = value
    try:
        loaded = loads(json.dumps(data))
    except ProjectFileError:
        return
    dumps(loaded)  # whatever loads must save again


def test_bundle_round_trip_carries_assets(project, tmp_path):
    zip_path = export_bundle(project, tmp_path / "share.zip")
    opened = import_bundle(zip_path, tmp_path / "unpacked")
    assert (tmp_path / "unpacked" / "data" / "rec.csv").read_text().startswith("x,y,z")
    assert load_project(opened).asset_problems() == []


def test_bundle_with_path_traversal_is_refused(tmp_path):
    bad = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("p.tinyml", "{}")
        zf.writestr("../escape.txt", "x")
    with pytest.raises(BadInput, match="outside the project folder"):
        import_bundle(bad, tmp_path / "dest")
    assert not (tmp_path / "escape.txt").exists()


def test_bundle_into_non_empty_folder_is_refused(project, tmp_path):
    zip_path = export_bundle(project, tmp_path / "share.zip")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(BadInput, match="must be empty"):
        import_bundle(zip_path, tmp_path / "full")


def test_a_saved_project_is_readable_by_the_team_not_private_to_the_saver(tmp_path):
    import os
    import stat

    from studio.core.files import atomic_write
    from studio.core.graph import Graph
    from studio.core.project import Project, save_project

    old = os.umask(0o022)
    try:
        project = Project(name="shared", board_id="nano33ble", graph=Graph())
        path = save_project(project, tmp_path / "shared.tinyml")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644          # mkstemp alone would leave 0600
        os.chmod(path, 0o640)
        save_project(project, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640          # a chosen mode is kept
        atomic_write(tmp_path / "m.bin", lambda f: f.write(b"x"))
        assert stat.S_IMODE((tmp_path / "m.bin").stat().st_mode) == 0o644
    finally:
        os.umask(old)
