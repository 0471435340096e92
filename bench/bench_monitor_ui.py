"""The serial monitor panel under load, in the real editor window (offscreen unless a display is set).

A TCP server on 127.0.0.1 plays a board printing ``--rate`` lines/s for ``--seconds`` (valid
inference results with text, truncated JSON, binary garbage and oversized lines mixed in); the
window's Monitor dock reads it through ``socket://``. Prints lines sent and counted, lines lost,
throughput, the worst event-loop stall (a 10 ms QTimer's largest gap beyond its interval; target
< 50 ms), the gap percentiles, and the panel's own slowest batch (its share of a stall; the rest is
the rest of the machine, measured first with no traffic). Then a burst: lines as fast as the socket
takes them.

    python bench/bench_monitor_ui.py                       # 30 s at 1,000 lines/s, then a 5 s burst
    python bench/bench_monitor_ui.py --seconds 5 --burst-seconds 0
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tests.ui.monitor_helpers import LineServer, copy_sample, traffic  # noqa: E402


class GapMeter:
    """Every gap between ticks of a 10 ms timer, for the worst stall and percentiles."""

    def __init__(self, interval_ms: int = 10):
        from PySide6.QtCore import QTimer

        self.interval_ms = interval_ms
        self.gaps_ms: list[float] = []
        # the UI thread's own CPU time in the worst gap: the rest of it was waiting (for the GIL,
        # or for a core the rest of the machine had)
        self.worst_gap_cpu_ms = 0.0
        self._last = None
        self._last_cpu = None
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        gap_ms = (now - self._last) * 1000.0
        if not self.gaps_ms or gap_ms > max(self.gaps_ms):
            self.worst_gap_cpu_ms = (cpu - self._last_cpu) * 1000.0
        self.gaps_ms.append(gap_ms)
        self._last, self._last_cpu = now, cpu

    def summary(self) -> dict:
        g = sorted(self.gaps_ms) or [0.0]
        pick = lambda q: g[min(len(g) - 1, int(q * len(g)))]  # noqa: E731
        return {"ticks": len(self.gaps_ms), "worst_stall_ms": round(max(0.0, g[-1] - self.interval_ms), 1),
                "gap_p50_ms": round(pick(0.5), 1), "gap_p99_ms": round(pick(0.99), 1),
                "gap_mean_ms": round(statistics.fmean(g), 1),
                "worst_gap_ui_cpu_ms": round(self.worst_gap_cpu_ms, 1)}


def idle(app, seconds: float) -> dict:
    """The same meter with no traffic: what the rest of the machine costs the event loop."""
    meter = GapMeter()
    meter.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)
    meter.stop()
    return {"rate_asked": "idle", **meter.summary()}


def run(app, tools, seconds: float, rate: float) -> dict:
    n = int(seconds * rate) if rate else int(seconds * 20000)
    lines, expected = traffic(n)
    server = LineServer(lines, rate)
    panel = tools.panel
    panel.slowest_batch_ms = 0.0
    panel.batches = panel.largest_batch = 0
    meter = GapMeter()
    meter.start()
    panel.connect_to(server.url)
    tools.show_monitor()
    deadline = time.monotonic() + (seconds if rate else 0) + 60
    while time.monotonic() < deadline:
        app.processEvents()
        if rate == 0 and server.done.is_set() and panel.counters.lines >= server.sent:
            break
        if rate and panel.counters.lines >= expected.lines:
            break
        time.sleep(0.002)
    counted_at = time.monotonic()  # the panel has shown the last line: throughput ends here
    settle = time.monotonic() + 0.3  # anything late or extra shows up now
    while time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.002)
    meter.stop()
    sent = server.sent
    elapsed = counted_at - server.started_at
    c = panel.counters
    panel.disconnect_link()
    server.stop()
    exp = traffic(sent)[1]
    return {"rate_asked": rate or "max", "lines_sent": sent, "lines_counted": c.lines,
            "lines_lost": sent - c.lines, "send_s": round((server.finished_at or counted_at) - server.started_at, 2),
            "throughput_lines_per_s": round(c.lines / elapsed) if elapsed else None,
            "seconds_to_last_line": round(elapsed, 2),
            "counts_right": (c.parsed, c.malformed, c.raw) == (exp.parsed, exp.malformed, exp.raw),
            "parsed": c.parsed, "malformed": c.malformed, "raw": c.raw,
            "batches": panel.batches, "largest_batch_lines": panel.largest_batch,
            "slowest_batch_ms": round(panel.slowest_batch_ms, 1), **meter.summary()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=1000.0, help="lines per second (default 1000)")
    ap.add_argument("--burst-seconds", type=float, default=5.0, help="0 skips the burst run")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    from studio.core.project import load_project
    from studio.ui.device_tools import install_device_tools
    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    tmp = tempfile.mkdtemp(prefix="bench_monitor_")
    try:
        window = MainWindow(load_project(copy_sample("gesture", __import__("pathlib").Path(tmp))))
        window.resize(1500, 940)
        tools = install_device_tools(window)
        window.show()
        tools.show_monitor()  # builds the plots (imports pyqtgraph) before anything is measured
        # as a user would: the window is up a few seconds (its warm-up runs) before a board talks
        settle = time.monotonic() + 4.0
        while time.monotonic() < settle:
            app.processEvents()
            time.sleep(0.01)
        results = [idle(app, min(5.0, args.seconds)), run(app, tools, args.seconds, args.rate)]
        if args.burst_seconds > 0:
            results.append(run(app, tools, args.burst_seconds, 0))
        tools.shutdown()
        window.doc.undo_stack.setClean()
        window.close()
        window.deleteLater()
        app.processEvents()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        if r["rate_asked"] == "idle":
            print(f"idle (no traffic, baseline of this machine): worst stall {r['worst_stall_ms']} ms, timer gaps "
                  f"p50 {r['gap_p50_ms']} ms, p99 {r['gap_p99_ms']} ms over {r['ticks']:,} ticks")
            continue
        print(f"rate {r['rate_asked']} lines/s: sent {r['lines_sent']:,} in {r['send_s']} s, counted "
              f"{r['lines_counted']:,} (all shown after {r['seconds_to_last_line']} s), lost {r['lines_lost']:,}, throughput {r['throughput_lines_per_s']:,} lines/s, "
              f"counts right: {r['counts_right']} (parsed {r['parsed']:,}, malformed {r['malformed']:,}, "
              f"raw {r['raw']:,})")
        print(f"  UI: worst stall {r['worst_stall_ms']} ms (target < 50; the UI thread ran "
              f"{r['worst_gap_ui_cpu_ms']} ms of it), timer gaps p50 {r['gap_p50_ms']} ms, "
              f"p99 {r['gap_p99_ms']} ms over {r['ticks']:,} ticks; {r['batches']:,} batches, largest "
              f"{r['largest_batch_lines']:,} lines, slowest batch {r['slowest_batch_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
