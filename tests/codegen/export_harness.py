"""Test-owned programs for the exported c-library: a main() that uses only the public API
(``<prefix>.h``), fed a recording in chunks, printing every result's index and float32 score bits
so runs on the host and on QEMU's mps2-an386 compare window by window."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Sequence

import numpy as np

from codegen.emitters.dsp_target import ARM_CC, LINKER_SCRIPT, QEMU, STARTUP_C

STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror")
# the firmware Makefile's Cortex-M4F flags (codegen.firmware_boards.cpu_flags), with -std=c99
M4F_FLAGS = ("-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "-Os",
             "-ffunction-sections", "-fdata-sections")
CHUNKS = (1, 5, 37, 100, 3)   # frames per push, cycled: results must not depend on how frames arrive


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def data_source(name: str, data: np.ndarray) -> str:
    flat = np.asarray(data, dtype=np.float32).ravel()
    def lit(v: float) -> str:
        text = f"{float(v):.9g}" if np.isfinite(v) else "0"
        return (text if any(c in text for c in ".e") else text + ".0") + "f"

    vals = ",".join(lit(v) for v in flat)
    return f"static const float {name}[{flat.size}] = {{{vals}}};\n"


def main_source(libs: Sequence[tuple[str, np.ndarray]], target: bool, alert_field: str | None = None) -> str:
    """One main() driving each library (prefix, recording of frames x channels) in turn; with
    ``alert_field`` (an int field of the result, e.g. ``alert_on``) each result line carries it as
    the tag ``<prefix>:<value>``."""
    parts = ["#include <stdint.h>\n#include <stddef.h>\n"]
    parts += [f'#include "{p}.h"\n' for p, _ in libs]
    if target:
        parts.append(STARTUP_C)
        parts.append("static void out(const char *s) { tms_target_print(s); }\n")
    else:
        parts.append("#include <stdio.h>\nstatic void out(const char *s) { fputs(s, stdout); }\n")
    parts.append(r"""
static void put_hex(char *line, size_t *pos, uint32_t v)
{
    int k;
    for (k = 0; k < 8; k++) {
        line[(*pos)++] = "0123456789abcdef"[(v >> (28 - 4 * k)) & 0xFu];
    }
}
static void put_line(const char *tag, int index, const float *scores, int n)
{
    static char line[512];
    size_t pos = 0;
    int i;
    while (*tag) {
        line[pos++] = *tag++;
    }
    line[pos++] = ' ';
    line[pos++] = (char)('0' + index);
    for (i = 0; i < n; i++) {
        union { float f; uint32_t u; } pun;
        pun.f = scores[i];
        line[pos++] = ' ';
        put_hex(line, &pos, pun.u);
    }
    line[pos++] = '\n';
    line[pos] = '\0';
    out(line);
}
static const int chunks[] = {""" + ", ".join(str(c) for c in CHUNKS) + "};\n")
    body = []
    for p, data in libs:
        frames, channels = data.shape
        alert_line = (f'put_line(r.{alert_field} ? "{p}:1" : "{p}:0", r.index, r.scores, {p.upper()}_NUM_CLASSES);'
                      if alert_field else f'put_line("{p}", r.index, r.scores, {p.upper()}_NUM_CLASSES);')
        parts.append(data_source(f"{p}_data", data))
        body.append(f"""
    {{
        int at = 0, c = 0, status;
        {p}_result_t r;
        if ({p}_init() != 0) {{
            return 3;
        }}
        while (at < {frames}) {{
            int n = chunks[c++ % (int)(sizeof(chunks) / sizeof(chunks[0]))];
            if (n > {frames} - at) {{
                n = {frames} - at;
            }}
            status = {p}_push(&{p}_data[(size_t)at * {p.upper()}_CHANNELS], n);
            if (status < 0) {{
                return 4;
            }}
            at += n;
            while ({p}_result(&r)) {{
                {alert_line}
            }}
        }}
    }}""")
        assert channels > 0
    parts.append("int main(void)\n{" + "".join(body) + "\n    return 0;\n}\n")
    return "".join(parts)


def parse(text: str) -> dict[str, list[tuple[int, np.ndarray]]]:
    out: dict[str, list[tuple[int, np.ndarray]]] = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 3 and all(len(x) == 8 for x in f[2:]):
            try:
                scores = np.array([int(x, 16) for x in f[2:]], dtype=np.uint32).view(np.float32)
            except ValueError:
                continue
            out.setdefault(f[0], []).append((int(f[1]), scores))
    return out


def _queues(libs) -> list[str]:
    """A push of up to max(CHUNKS) frames may make that many results (one per frame in a pipeline
    without a window): the documented <PREFIX>_QUEUE_LEN knob keeps them all."""
    return [f"-D{p.upper()}_QUEUE_LEN={max(CHUNKS) + 1}" for p, _, _ in libs]


def build_host(cc: str, work: Path, libs: Sequence[tuple[str, np.ndarray, Path]]) -> Path:
    """``libs``: (prefix, recording, export root); returns the executable."""
    work.mkdir(parents=True, exist_ok=True)
    main = work / "main.c"
    main.write_text(main_source([(p, d) for p, d, _ in libs], target=False), encoding="utf-8")
    exe = work / f"main_{cc}"
    cmd = [cc, *STRICT, "-O2", str(main)] + [x for _, _, root in libs for x in (f"-I{root}/src",)] + _queues(libs) \
        + [str(next((root / "src").glob(f"{p}.c"))) for p, _, root in libs] + ["-lm", "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def build_target(work: Path, libs: Sequence[tuple[str, np.ndarray, Path]], alert_field: str | None = None,
                 archive_cpu: str | None = None) -> Path:
    """With ``archive_cpu`` the libraries come from the export's prebuilt lib/<cpu>/lib<prefix>.a."""
    work.mkdir(parents=True, exist_ok=True)
    main, lds, elf = work / "main_m4.c", work / "target.ld", work / "main_m4.elf"
    main.write_text(main_source([(p, d) for p, d, _ in libs], target=True, alert_field=alert_field),
                    encoding="utf-8")
    lds.write_text(LINKER_SCRIPT, encoding="utf-8")
    cmd = [ARM_CC, *STRICT, *M4F_FLAGS, str(main)] + [f"-I{root}/src" for _, _, root in libs] + _queues(libs) \
        + ([str(root / "src" / f"{p}.c") for p, _, root in libs] if archive_cpu is None else
           [x for p, _, root in libs for x in (f"-L{root}/lib/{archive_cpu}", f"-l{p}")]) \
        + ["--specs=nano.specs", "-nostartfiles", "-Wl,--gc-sections", "-T", str(lds), "-lm", "-o", str(elf)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    return elf


def run_target(elf: Path, timeout_s: float = 300.0) -> str:
    r = subprocess.run([QEMU, "-machine", "mps2-an386", "-cpu", "cortex-m4", "-nographic", "-monitor", "none",
                        "-serial", "none", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                       capture_output=True, text=True, check=False, timeout=timeout_s)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    return r.stderr  # QEMU writes the semihosting console to stderr
