"""The command line: contract keys in --json, exit codes 0/1/2, a message and never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import main
from studio.core.project import Project, save_project

ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_boards_json_lists_contract_keys(capsys):
    code, out, _ = run_cli(capsys, "boards", "--json")
    boards = json.loads(out)
    assert code == 0
    assert {"id", "name", "cpu", "clock_hz", "flash_bytes", "ram_bytes"} <= set(boards[0])
    assert "qemu-mps2-an386" in {b["id"] for b in boards}


def test_check_ok_project_exits_0(capsys, chain, tmp_path):
    path = save_project(Project("ok", "nano33ble", chain), tmp_path / "ok.tinyml")
    code, out, _ = run_cli(capsys, "check", str(path), "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_check_on_a_too_small_board_exits_1(capsys, chain, tmp_path):
    chain.set_property("win", "window", 4_000)
    path = save_project(Project("big", "nano33ble", chain), tmp_path / "big.tinyml")
    assert run_cli(capsys, "check", str(path))[0] == 0
    code, out, _ = run_cli(capsys, "check", str(path), "--board", "seeeduino-xiao", "--json")
    report = json.loads(out)
    assert code == 1 and report["ram"]["used_bytes"] > report["ram"]["budget_bytes"]


def test_check_human_output_has_breakdown_and_verdict(capsys, chain, tmp_path):
    path = save_project(Project("ok", "nano33ble", chain), tmp_path / "ok.tinyml")
    _, out, _ = run_cli(capsys, "check", str(path))
    assert "RAM:" in out and "win" in out and "OK:" in out


@pytest.mark.parametrize("content", ["{not json", "", "\x00\x01", '{"format": "tinyml-studio-project", "version": 99}'])
def test_bad_project_exits_2_with_a_message(capsys, tmp_path, content):
    f = tmp_path / "bad.tinyml"
    f.write_text(content)
    code, out, err = run_cli(capsys, "check", str(f))
    assert code == 2 and "bad.tinyml" in err and "Traceback" not in err


def test_unknown_board_exits_2(capsys, chain, tmp_path):
    path = save_project(Project("ok", "nano33ble", chain), tmp_path / "ok.tinyml")
    code, _, err = run_cli(capsys, "check", str(path), "--board", "no-such-board")
    assert code == 2 and "unknown board" in err


def test_bad_arguments_exit_2_without_traceback():
    r = subprocess.run([sys.executable, "-m", "studio", "check"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
