"""`tinyml-studio monitor` over a real TCP socket: parsed lines, raw noise, summary."""
from __future__ import annotations

import json
import socket
import threading

from studio.cli import main

LINES = [b"boot noise\r\n",
         b'{"type":"hello","project":"p","board":"b","build":"x"}\n',
         b'{"type":"inference","seq":0,"label":"yes","index":1,"scores":[0.1,0.9],"dsp_us":5,"model_us":7}\n',
         b'{"type":"inference","seq":1,"label":"no"\n',
         b'{"type":"inference","seq":2,"label":"no","index":0,"scores":[0.8,0.2],"dsp_us":5,"model_us":7}\n']


def serve_once(payload: list[bytes]) -> int:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def run():
        conn, _ = srv.accept()
        with conn:
            for line in payload:
                conn.sendall(line)
            # keep the connection open until the reader has what it needs
            conn.settimeout(5)
            try:
                conn.recv(1)
            except OSError:
                pass
        srv.close()

    threading.Thread(target=run, daemon=True).start()
    return srv.getsockname()[1]


def test_monitor_json_prints_each_message_then_summary(capsys):
    port = serve_once(LINES)
    code = main(["monitor", f"socket://127.0.0.1:{port}", "--count", "2", "--json", "--timeout", "10"])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [x["type"] for x in lines] == ["raw", "hello", "inference", "malformed", "inference", "summary"]
    assert lines[-1] == {"type": "summary", "lines": 5, "parsed": 3, "malformed": 1}


def test_monitor_on_a_port_that_does_not_exist_is_a_message(capsys):
    code = main(["monitor", "/dev/ttyNOPE42", "--count", "1"])
    err = capsys.readouterr().err
    assert code in (1, 2) and "ttyNOPE42" in err and "Traceback" not in err
