"""Hostile files never hang, exhaust memory or crash: non-regular files are refused before they are
opened, sizes are checked before reading, archives and Keras configs are bounded."""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from nodes.base import NodeContext, NodeError
from nodes.datafiles import MAX_ASSET_BYTES, load_numeric_npy, read_keras_config
from studio.core.errors import BadInput
from studio.core.project import import_bundle, load_project
from tests.reliability.helpers import cli, copy_sample, no_traceback


def test_a_fifo_as_the_project_file_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "p.tinyml"
    os.mkfifo(fifo)
    r = cli("check", fifo, timeout=60)
    assert r.returncode == 2 and "named pipe" in r.stderr and no_traceback(r)


def test_dev_zero_as_the_project_file_is_refused(tmp_path):
    link = tmp_path / "z.tinyml"
    link.symlink_to("/dev/zero")
    r = cli("check", link, timeout=60)
    assert r.returncode == 2 and "character device" in r.stderr and no_traceback(r)


def test_a_fifo_as_the_model_of_compile_model_is_refused(tmp_path):
    fifo = tmp_path / "m.tflite"
    os.mkfifo(fifo)
    r = cli("compile-model", fifo, "--out", tmp_path / "out", timeout=60)
    assert r.returncode == 2 and "named pipe" in r.stderr and no_traceback(r)


def test_a_fifo_in_the_user_board_folder_is_reported_not_waited_on(tmp_path):
    boards_dir = tmp_path / "data" / "tinyml-studio" / "boards"
    boards_dir.mkdir(parents=True)
    os.mkfifo(boards_dir / "evil.yaml")
    r = cli("boards", timeout=60, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert r.returncode == 0 and "evil.yaml" in r.stderr and "named pipe" in r.stderr


def test_a_sparse_multi_gigabyte_asset_is_refused_before_reading(tmp_path):
    big = tmp_path / "huge.npy"
    with open(big, "wb") as f:
        f.truncate(MAX_ASSET_BYTES + 1)
    with pytest.raises(NodeError, match="at most"):
        NodeContext(tmp_path).resolve_asset("huge.npy")


def test_a_npy_header_claiming_1e11_elements_is_refused_before_allocation(tmp_path):
    path = tmp_path / "claims.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False,
                                                 "shape": (100_000_000_000,)})
        f.write(b"\0" * 64)
    with pytest.raises(NodeError, match="header claims"):
        load_numeric_npy(path, "recording")


def test_a_replay_recording_that_is_a_fifo_fails_check_without_hanging(tmp_path):
    project = copy_sample("vibration", tmp_path)
    data = json.loads(project.read_text())
    replay = next(n for n in data["nodes"] if n["type"] == "sensors.replay") if any(
        n["type"] == "sensors.replay" for n in data["nodes"]) else None
    if replay is None:
        pytest.skip("the sample has no replay node")
    os.mkfifo(project.parent / "pipe.npy")
    replay["props"]["file"] = "pipe.npy"
    project.write_text(json.dumps(data))
    r = cli("check", project, timeout=60)
    assert r.returncode in (1, 2) and no_traceback(r)


# ---- bundles ----------------------------------------------------------------------------------------
def _bundle(tmp_path, members: dict[str, bytes], compress=zipfile.ZIP_DEFLATED):
    project = load_project(copy_sample("gesture", tmp_path / "src"))
    zpath = tmp_path / "b.zip"
    with zipfile.ZipFile(zpath, "w", compression=compress) as z:
        z.writestr("gesture.tinyml", project.path.read_bytes())
        for name, data in members.items():
            z.writestr(name, data)
    return zpath


def _patch(zpath, old: bytes, new: bytes, count=-1):
    raw = zpath.read_bytes()
    assert old in raw
    zpath.write_bytes(raw.replace(old, new, count))


def _unpack_refused(zpath, dest, match):
    with pytest.raises(BadInput, match=match):
        import_bundle(zpath, dest)
    assert not dest.exists() or not any(dest.iterdir())
    assert not [p for p in dest.parent.iterdir() if p.name.endswith(".unpack")]


def test_a_bundle_with_a_bad_crc_is_refused_and_leaves_nothing_behind(tmp_path):
    payload = bytes(range(256)) * 64
    zpath = _bundle(tmp_path, {"data/x.bin": payload}, compress=zipfile.ZIP_STORED)
    _patch(zpath, payload[1000:1016], bytes(16), count=1)
    _unpack_refused(zpath, tmp_path / "out", "damaged")


def test_an_encrypted_bundle_member_is_refused(tmp_path):
    zpath = _bundle(tmp_path, {"data/x.bin": b"secret" * 100})
    raw = bytearray(zpath.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("data/x.bin")
    # the general-purpose flag's bit 0 in the local and the central header: "encrypted"
    raw[info.header_offset + 6] |= 1
    cd = raw.find(b"data/x.bin", raw.find(b"PK\x01\x02")) - 46
    raw[cd + 8] |= 1
    zpath.write_bytes(bytes(raw))
    _unpack_refused(zpath, tmp_path / "out", "encrypted")


def test_a_ppmd_compressed_bundle_member_is_refused(tmp_path):
    zpath = _bundle(tmp_path, {"data/x.bin": b"abc" * 100})
    raw = bytearray(zpath.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("data/x.bin")
    raw[info.header_offset + 8:info.header_offset + 10] = (98).to_bytes(2, "little")   # PPMd
    cd = raw.find(b"data/x.bin", raw.find(b"PK\x01\x02")) - 46
    raw[cd + 10:cd + 12] = (98).to_bytes(2, "little")
    zpath.write_bytes(bytes(raw))
    _unpack_refused(zpath, tmp_path / "out", "compression method 98")


def test_a_bundle_member_inflating_past_its_limit_is_refused_before_unpacking(tmp_path, monkeypatch):
    import studio.core.project as project_module

    monkeypatch.setattr(project_module, "MAX_BUNDLE_MEMBER_BYTES", 1 << 20)
    zpath = _bundle(tmp_path, {"data/bomb.bin": bytes(4 << 20)})
    _unpack_refused(zpath, tmp_path / "out", "unpacks to")


def test_a_bundle_whose_project_is_bad_leaves_no_half_unpacked_folder(tmp_path):
    zpath = tmp_path / "b.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("data/big.bin", b"x" * 10000)
        z.writestr("p.tinyml", b"{not json")
    _unpack_refused(zpath, tmp_path / "out", "not valid JSON")


# ---- Keras archives -------------------------------------------------------------------------------------
def _keras(tmp_path, config: bytes):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", b"{}")
        z.writestr("config.json", config)
    return path


def test_a_keras_config_inflating_to_gigabytes_is_refused_before_unpacking(tmp_path):
    path = _keras(tmp_path, b'{"a": "' + b" " * (40 << 20) + b'"}')
    assert path.stat().st_size < 1 << 20
    with pytest.raises(NodeError, match="unpacks to"):
        read_keras_config(path)


def test_a_deeply_nested_keras_config_is_a_message_not_a_recursion_error(tmp_path):
    path = _keras(tmp_path, b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(NodeError, match="nests deeper"):
        read_keras_config(path)


def test_a_fifo_named_as_a_dataset_image_is_refused_without_hanging(tmp_path):
    import threading

    from studio.ml.errors import MLError
    from studio.ml.importer import read_image

    fifo = tmp_path / "data.png"
    os.mkfifo(fifo)
    outcome: list = []

    def attempt():
        try:
            read_image(fifo)
        except MLError as e:
            outcome.append(e.message)
    t = threading.Thread(target=attempt, daemon=True)
    t.start()
    t.join(20)
    assert outcome and "named pipe" in outcome[0]
