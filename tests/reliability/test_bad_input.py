"""Every bad input is a clear message with exit 2 (the CLI contract), never a traceback."""
from __future__ import annotations

import json

import pytest

from studio.core.errors import BadInput
from studio.core.project import load_project
from tests.reliability.helpers import cli, copy_sample, no_traceback


def _edited(tmp_path, edit) -> object:
    path = copy_sample("gesture", tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    return path


def _model_node(data):
    return next(n for n in data["nodes"] if n["type"].startswith("model."))


def _asset_key(node):
    return next(k for k, v in node["props"].items() if isinstance(v, str) and v.endswith(".tflite"))


@pytest.mark.parametrize("bad", ["mo\u0000del.tflite", "mo\ud800del.tflite"], ids=["nul", "lone-surrogate"])
def test_an_asset_path_with_a_nul_or_lone_surrogate_is_refused(tmp_path, bad):
    def edit(data):
        node = _model_node(data)
        node["props"][_asset_key(node)] = bad
    r = cli("check", _edited(tmp_path, edit))
    assert r.returncode == 2 and "surrogate" in r.stderr and no_traceback(r)


def test_1e309_in_the_dataset_block_is_refused_at_load(tmp_path):
    path = copy_sample("gesture", tmp_path)
    text = path.read_text(encoding="utf-8").replace('"dataset": {', '"dataset": {\n    "huge": 1e309,', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match="too large"):
        load_project(path)
    r = cli("check", path)
    assert r.returncode == 2 and no_traceback(r)


def test_a_nul_in_the_project_name_is_refused_at_load(tmp_path):
    r = cli("check", _edited(tmp_path, lambda d: d.update(name="gest\u0000ure")))
    assert r.returncode == 2 and "name" in r.stderr and no_traceback(r)


def test_dataset_test_paths_leaving_the_project_are_refused(tmp_path):
    def edit(data):
        data["dataset"]["test"]["labels"] = "../../etc/passwd"
    r = cli("check", _edited(tmp_path, edit))
    assert r.returncode == 2 and "dataset.test.labels" in r.stderr and no_traceback(r)


def test_check_with_an_empty_board_is_refused(tmp_path):
    r = cli("check", copy_sample("gesture", tmp_path), "--board", "")
    assert r.returncode == 2 and "--board" in r.stderr


@pytest.mark.parametrize("args", [["--count", "0"], ["--timeout", "-1"], ["--timeout", "nan"],
                                  ["--timeout", "inf"], ["--baud", "0"]],
                         ids=["count0", "negative-timeout", "nan-timeout", "inf-timeout", "baud0"])
def test_monitor_bad_arguments_exit_2(args):
    r = cli("monitor", "socket://127.0.0.1:9", *args, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("error:") and no_traceback(r)


def test_flash_with_a_nan_timeout_is_refused(tmp_path):
    r = cli("flash", copy_sample("gesture", tmp_path), "--monitor", "--timeout", "nan")
    assert r.returncode == 2 and "--timeout" in r.stderr


@pytest.mark.parametrize("port", ["bogus://x", "/dev/ttyNOPE42"], ids=["unknown-url", "missing-device"])
def test_monitor_on_a_port_argument_that_names_no_port_exits_2(port):
    r = cli("monitor", port, "--timeout", "1", timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("error:") and no_traceback(r)
