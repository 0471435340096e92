"""Serial link throughput and smoothness over real byte streams (a pty and a TCP socket).

Prints the parser's own ceiling (no I/O), then per transport: lines sent, received, lost, throughput, the worst gap between two reader
callbacks, and the delay from a line's write to its callback (p50/p99/max). Then a burst run:
lines written as fast as the transport takes them, to find the parser's ceiling.

    python bench/bench_serial.py                 # 30 s at 1,000 lines/s on each transport, 5 s bursts
    python bench/bench_serial.py --seconds 5 --transport socket
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "device"))

from studio.device.protocol import LineAssembler, encode_message, parse_line  # noqa: E402
from studio.device.serial_link import LinkState, SerialLink  # noqa: E402
from test_serial_support import PtyDevice, SocketDevice, wait_until  # noqa: E402


def line(seq: int) -> bytes:
    # a 4-class result like a keyword spotter's, with the send time so the delay can be measured
    return encode_message({"type": "inference", "seq": seq, "label": "yes", "index": 2,
                           "scores": [0.01, 0.02, 0.95, 0.02], "dsp_us": 812, "model_us": 4031,
                           "t": time.monotonic()})


class Sink:
    def __init__(self):
        self.seqs: list[int] = []
        self.delays_s: list[float] = []
        self.last = None
        self.worst_gap_s = 0.0

    def __call__(self, m) -> None:
        now = time.monotonic()
        if self.last is not None:
            self.worst_gap_s = max(self.worst_gap_s, now - self.last)
        self.last = now
        if m.kind == "inference":
            self.seqs.append(m.data["seq"])
            self.delays_s.append(now - m.data["t"])


class Writer:
    """Paces lines and remembers its own worst pause, so a reader gap caused by the writer being
    descheduled (a loaded machine) is told apart from one caused by the reader."""

    def __init__(self, write):
        self.write = write
        self.worst_gap_s = 0.0

    def paced(self, rate: float, seconds: float) -> int:
        total, seq, start = int(rate * seconds), 0, time.monotonic()
        last = start
        while seq < total:
            now = time.monotonic()
            due = min(total, int((now - start) * rate) + 1)
            if due > seq:
                self.write(b"".join(line(i) for i in range(seq, due)))
                self.worst_gap_s = max(self.worst_gap_s, now - last)
                last = now
                seq = due
            time.sleep(0.005)
        return seq


def burst(write, seconds: float) -> int:
    # Pre-encoded blocks of lines, so the writer costs next to nothing and the figure is the reading
    # side's ceiling. Blocks repeat (seq restarts per block): count, not identity, tells losses here,
    # and the send times are stale, so burst delays are queueing, not latency.
    block_lines = 2000
    blob = b"".join(line(i) for i in range(block_lines))
    sent, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        write(blob)
        sent += block_lines
    return sent


def run(transport: str, mode: str, rate: float, seconds: float) -> dict:
    sink = Sink()
    if transport == "pty":
        dev = PtyDevice(f"/tmp/bench-serial-{os.getpid()}")
        port, write = dev.link_path, dev.write
    else:
        dev = SocketDevice(nodelay=transport == "socket-nodelay")
        port, write = dev.url, None
    link = SerialLink(port, on_message=sink)
    link.start()
    try:
        if transport == "pty":
            wait_until(lambda: link.state == LinkState.CONNECTED)
        else:
            dev.accept()
            write = dev.write
        start = time.monotonic()
        writer = Writer(write)
        sent = writer.paced(rate, seconds) if mode == "paced" else burst(write, seconds)
        wait_until(lambda: len(sink.seqs) >= sent, timeout_s=30)
        elapsed = time.monotonic() - start
    finally:
        link.stop()
        dev.close()
    delays_ms = sorted(d * 1000 for d in sink.delays_s) or [0.0]
    received = len(sink.seqs)
    return {
        "transport": transport, "mode": mode, "seconds": round(elapsed, 2), "sent": sent, "received": received,
        "lost": sent - (len(set(sink.seqs)) if mode == "paced" else received),
        "out_of_order": sum(1 for a, b in zip(sink.seqs, sink.seqs[1:]) if b <= a) if mode == "paced" else None,
        "malformed": link.counters.malformed, "lines_per_s": round(received / elapsed),
        "worst_gap_ms": round(sink.worst_gap_s * 1000, 1),
        "writer_worst_gap_ms": round(writer.worst_gap_s * 1000, 1),
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "delay_ms_p50": round(statistics.median(delays_ms), 2),
        "delay_ms_p99": round(delays_ms[int(0.99 * (len(delays_ms) - 1))], 2),
        "delay_ms_max": round(delays_ms[-1], 2),
    }


def parser_ceiling(lines: int = 50_000) -> dict:
    """Assembler and parser alone, no I/O: the most lines/s the reader thread could ever handle."""
    blob = b"".join(line(i) for i in range(lines))
    start = time.perf_counter()
    assembler, out = LineAssembler(), []
    for i in range(0, len(blob), 4096):
        out += assembler.feed(blob[i:i + 4096])
    assembled = time.perf_counter()
    for raw in out:
        parse_line(raw)
    parsed = time.perf_counter()
    return {"lines": len(out), "assemble_lines_per_s": round(len(out) / (assembled - start)),
            "parse_lines_per_s": round(len(out) / (parsed - assembled)),
            "parse_us_per_line": round((parsed - assembled) / len(out) * 1e6, 1),
            "load_avg_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=30.0, help="length of the paced run")
    p.add_argument("--rate", type=float, default=1000.0, help="lines per second in the paced run")
    p.add_argument("--burst-seconds", type=float, default=5.0)
    p.add_argument("--transport", choices=["pty", "socket", "socket-nodelay", "all"], default="all")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    c = parser_ceiling()
    print(json.dumps(c) if a.json else
          f"parser alone: assemble {c['assemble_lines_per_s']} lines/s, parse {c['parse_lines_per_s']} lines/s "
          f"({c['parse_us_per_line']} us/line)  (load {c['load_avg_1min']})", flush=True)
    for transport in (["pty", "socket", "socket-nodelay"] if a.transport == "all" else [a.transport]):
        for mode, seconds in (("paced", a.seconds), ("burst", a.burst_seconds)):
            r = run(transport, mode, a.rate, seconds)
            if a.json:
                print(json.dumps(r))
            else:
                print(f"{r['transport']:6} {r['mode']:5} {r['seconds']:6.1f} s  sent {r['sent']:7}  lost {r['lost']}  "
                      f"out-of-order {r['out_of_order'] if r['out_of_order'] is not None else '-'}  malformed {r['malformed']}  {r['lines_per_s']:7} lines/s  "
                      f"worst gap {r['worst_gap_ms']:6.1f} ms (writer's {r['writer_worst_gap_ms']:6.1f})  delay p50 {r['delay_ms_p50']} / p99 "
                      f"{r['delay_ms_p99']} / max {r['delay_ms_max']} ms  (load {r['load_avg_1min']})", flush=True)


if __name__ == "__main__":
    main()
