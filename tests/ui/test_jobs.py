"""The job runner: work off the UI thread, progress, cancel, errors as messages."""
from __future__ import annotations

import json
import threading
import time

import pytest
from PySide6.QtCore import QTimer

from studio.core.errors import BadInput
from studio.core.validate import validate_project
from studio.ui.jobs import JobCancelled, JobRunner, JobStatus


@pytest.fixture
def runner(qtbot):
    r = JobRunner()
    yield r
    r.cancel_all()


def test_a_job_runs_off_the_ui_thread_and_its_result_arrives_on_it(runner, qtbot):
    seen = {}

    def work(progress, cancelled):
        seen["worker"] = threading.get_ident()
        return 6 * 7

    job = runner.start("answer", work)
    results = []
    job.succeeded.connect(lambda r: results.append((r, threading.get_ident())))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert results == [(42, threading.get_ident())]
    assert seen["worker"] != threading.get_ident()


def test_progress_reports_reach_the_status_area(runner, qtbot):
    status = JobStatus(runner)
    qtbot.addWidget(status)
    gate = threading.Event()

    def work(progress, cancelled):
        progress(0.5, "halfway")
        gate.wait(5)
        return None

    job = runner.start("Long", work)
    qtbot.waitUntil(lambda: status.bar.value() == 500, timeout=5000)
    assert "halfway" in status.label.text()
    with qtbot.waitSignal(job.finished, timeout=5000):
        gate.set()
    assert status.label.text() == "Long: done"


def test_the_cancel_button_stops_a_job_that_watches_cancelled(runner, qtbot):
    status = JobStatus(runner)
    qtbot.addWidget(status)

    def work(progress, cancelled):
        while not cancelled():
            time.sleep(0.005)
        raise JobCancelled()

    job = runner.start("Endless", work)
    status.cancel_button.click()
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        pass
    qtbot.waitUntil(lambda: not job.running, timeout=2000)
    assert job.outcome == "cancelled"


def test_a_domain_error_in_a_job_arrives_as_its_message(runner, qtbot):
    def work(progress, cancelled):
        raise BadInput("the file is not a model")

    job = runner.start("Broken", work)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass
    assert blocker.args == ["the file is not a model"]


def test_the_event_loop_keeps_running_while_a_job_works(runner, qtbot):
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    job = runner.start("Sleep", lambda progress, cancelled: time.sleep(0.3))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    timer.stop()
    assert len(ticks) >= 10


def test_the_check_job_writes_the_validation_report_next_to_the_project(window, project_file, qtbot):
    job = window.run_check_job()
    with qtbot.waitSignal(job.finished, timeout=10000):
        pass
    assert job.outcome == "ok"
    written = json.loads(project_file.with_name("imu.check.json").read_text(encoding="utf-8"))
    expected = validate_project(window.doc.project).to_json()
    assert written["ok"] == expected["ok"]
    assert written["ram"] == json.loads(json.dumps(expected["ram"]))
    assert "check" in window.last_message
