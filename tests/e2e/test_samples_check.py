"""Every sample project passes ``tinyml-studio check`` on its board; the KWS sample does not fit
the 32 KB Seeeduino XIAO and says RAM is why."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROJECTS = sorted((ROOT / "sample_projects").glob("*/*.tinyml"))


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studio", "check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_there_are_sample_projects():
    assert {p.stem for p in SAMPLE_PROJECTS} >= {"gesture", "kws"}


@pytest.mark.parametrize("project", SAMPLE_PROJECTS, ids=lambda p: p.stem)
def test_check_passes_on_the_sample_board(project):
    r = _check(str(project))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("project", SAMPLE_PROJECTS, ids=lambda p: p.stem)
def test_check_json_reports_no_errors_and_budgets_within_limits(project):
    r = _check(str(project), "--json")
    report = json.loads(r.stdout)
    assert report["ok"] and not [i for i in report["issues"] if i["severity"] == "error"]
    for budget in (report["ram"], report["flash"]):
        assert 0 < budget["used_bytes"] <= budget["budget_bytes"]


def test_kws_on_the_32_kb_seeeduino_xiao_fails_with_a_ram_error():
    r = _check(str(ROOT / "sample_projects" / "kws" / "kws.tinyml"), "--board", "seeeduino-xiao", "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["board"] == "seeeduino-xiao" and report["ram"]["used_bytes"] > report["ram"]["budget_bytes"]
    errors = [i["message"] for i in report["issues"] if i["severity"] == "error"]
    assert any("of RAM" in m and "Seeeduino XIAO" in m for m in errors), errors
