"""Long work off the UI thread, with progress and cancel: the one way the editor runs jobs.

A job is a plain Python callable::

    def fn(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> result

``progress(fraction 0..1, text)`` may be called from the worker as often as it likes;
``cancelled()`` turns true once the user pressed Cancel (raise ``JobCancelled`` or just return).
``JobRunner.start(title, fn, quiet=False)`` returns a ``Job`` that starts on the next turn of the
event loop (connect to it first) (a quiet job, like background
validation, does not show in the status area) whose signals arrive on the UI thread:
``progressed(fraction, text)``, ``succeeded(result)``, ``failed(message)``, ``cancelled()`` and
always ``finished()`` last. A ``StudioError`` becomes its message; any other exception is reported
as a failure with its type (the worker is the edge for the code it runs). ``fn`` must not touch
Qt widgets or the live project: hand it a snapshot.
"""
from __future__ import annotations

import threading

import shiboken6
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from studio.core.errors import StudioError

JobFn = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class JobCancelled(Exception):
    """Raised by a job function that noticed ``cancelled()``."""


class Job(QObject):
    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, title: str, fn: JobFn):
        super().__init__()
        self.title = title
        self.fn = fn
        self._cancel = threading.Event()
        self.running = True
        self.outcome: str | None = None   # "ok" | "failed" | "cancelled"
        self.result: Any = None
        self.error: str | None = None
        self.finished.connect(self._mark_done)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _mark_done(self) -> None:
        self.running = False

    def _run(self) -> None:  # on a worker thread
        try:
            result = self.fn(lambda f, text="": self.progressed.emit(float(f), str(text)), self.is_cancelled)
        except JobCancelled:
            self.outcome = "cancelled"
            self.cancelled.emit()
        except StudioError as e:
            self.outcome, self.error = "failed", e.message
            self.failed.emit(e.message)
        except Exception as e:  # noqa: BLE001 - a worker must report, never die silently
            self.outcome, self.error = "failed", f"{type(e).__name__}: {e}"
            self.failed.emit(self.error)
        else:
            if self.is_cancelled():
                self.outcome = "cancelled"
                self.cancelled.emit()
            else:
                self.outcome, self.result = "ok", result
                self.succeeded.emit(result)
        self.finished.emit()


class _Task(QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self.job = job

    def run(self) -> None:
        try:
            self.job._run()
        except RuntimeError:
            # the Job's C++ side was deleted while the work ran (its window closed, the app quit):
            # there is no one left to tell, so the result is dropped
            if shiboken6.isValid(self.job):
                raise


class JobRunner(QObject):
    started = Signal(object)  # Job

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.jobs: list[Job] = []

    def start(self, title: str, fn: JobFn, quiet: bool = False) -> Job:
        job = Job(title, fn)
        self.jobs.append(job)
        job.finished.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        if not quiet:
            self.started.emit(job)
        # handed to the pool on the next turn of the event loop, so the caller can connect to the
        # job's signals first: a fast job could otherwise finish before anyone listens
        QTimer.singleShot(0, self, lambda: self.pool.start(_Task(job)))
        return job

    def running(self) -> list[Job]:
        return [j for j in self.jobs if j.running]

    def cancel_all(self, wait_ms: int = 3000) -> None:
        for j in self.jobs:
            j.cancel()
        self.pool.waitForDone(wait_ms)


class JobStatus(QWidget):
    """The status-bar area: the latest job's title, progress and a Cancel button."""

    message = Signal(str)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        row.addWidget(self.label)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)
        self.job: Job | None = None
        self.cancel_button.clicked.connect(lambda: self.job.cancel() if self.job else None)
        runner.started.connect(self.follow)
        self._idle()

    def _idle(self) -> None:
        self.bar.hide()
        self.cancel_button.hide()

    def follow(self, job: Job) -> None:
        self.job = job
        self.label.setText(f"{job.title}…")
        self.bar.setValue(0)
        self.bar.show()
        self.cancel_button.show()
        job.progressed.connect(self._progress)
        job.succeeded.connect(lambda _r: self._end(job, f"{job.title}: done"))
        job.failed.connect(lambda msg: self._end(job, f"{job.title} failed: {msg}"))
        job.cancelled.connect(lambda: self._end(job, f"{job.title}: cancelled"))

    def _progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self.label.setText(f"{self.job.title if self.job else ''}: {text}")

    def _end(self, job: Job, text: str) -> None:
        if job is self.job:
            self.label.setText(text)
            self._idle()
        self.message.emit(text)
