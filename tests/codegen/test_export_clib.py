"""The c-library export: the header's API, strict C99 builds (gcc, clang, arm-none-eabi-gcc for every
Cortex-M core we support), prefixed symbols so two pipelines link into one image, results on the
host equal the host reference window by window, reset and the integrator's clock."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codegen.export.formats import MARKER, export
from studio.core.boards import boards
from studio.core.errors import BadInput
from studio.core.project import load_project
from studio.core.validate import load_recording
from tests.codegen.export_harness import STRICT, build_host, have, parse

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_projects"
CORE_FLAGS = {  # the firmware's flags per core (codegen.firmware_boards.cpu_flags)
    "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"],
    "cortex-m4f": ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    "cortex-m7": ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"],
}


def _project(name: str):
    return load_project(SAMPLES / name / f"{name}.tinyml")


@pytest.fixture(scope="module")
def gesture_lib(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gesture") / "lib"
    export(_project("gesture"), "c-library", out)
    return out


@pytest.fixture(scope="module")
def vibration_lib(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vibration") / "lib"
    export(_project("vibration"), "c-library", out)
    return out


def test_header_declares_exactly_the_stable_api(gesture_lib):
    h = (gesture_lib / "src" / "gesture.h").read_text()
    assert "#define GESTURE_CHANNELS     3" in h and "#define GESTURE_NUM_CLASSES  4" in h
    protos = re.findall(r"^\s*(?:int|void|const char \*)\s*(gesture_\w+)\(", h, re.M)
    assert protos == ["gesture_init", "gesture_push", "gesture_result", "gesture_label", "gesture_reset",
                      "gesture_set_clock"]
    code = re.sub(r"/\*.*?\*/", "", h, flags=re.S)
    assert re.search(r"int index;\s*float scores\[GESTURE_NUM_CLASSES\];\s*uint32_t dsp_us, model_us;", code)
    assert "#include" in h and not re.search(r'#include "', h)  # the header needs nothing of ours


def test_post_stage_outputs_and_alerts_are_in_the_result(vibration_lib):
    h = (vibration_lib / "src" / "vibration.h").read_text()
    assert "float score_scores[1];" in h and "int alert_on;" in h


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("sample", ["gesture", "kws", "vibration", "digits"])
def test_library_compiles_as_strict_c99_on_the_host(cc, sample, tmp_path):
    if not have(cc):
        pytest.skip(f"{cc} is not installed (scripts/setup installs it)")
    out = tmp_path / "lib"
    export(_project(sample), "c-library", out)
    r = subprocess.run([cc, *STRICT, "-c", f"-I{out}/src", str(out / "src" / f"{sample}.c"), "-o",
                        str(tmp_path / "lib.o")], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-3000:]


@pytest.mark.parametrize("core", sorted(CORE_FLAGS))
def test_library_compiles_as_strict_c99_for_every_cortex_m_core(core, gesture_lib, tmp_path):
    if not have("arm-none-eabi-gcc"):
        pytest.skip("arm-none-eabi-gcc missing")
    assert core in {b.cpu for b in boards().all()}
    obj = tmp_path / "lib.o"
    r = subprocess.run(["arm-none-eabi-gcc", *CORE_FLAGS[core], *STRICT, "-Os", "-c", f"-I{gesture_lib}/src",
                        str(gesture_lib / "src" / "gesture.c"), "-o", str(obj)], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 0, r.stderr[-3000:]


def test_every_external_symbol_carries_the_prefix(gesture_lib, tmp_path):
    obj = tmp_path / "lib.o"
    subprocess.run(["gcc", *STRICT, "-c", f"-I{gesture_lib}/src", str(gesture_lib / "src" / "gesture.c"), "-o",
                    str(obj)], check=True)
    nm = subprocess.run(["nm", "-g", "--defined-only", str(obj)], capture_output=True, text=True, check=True)
    names = [ln.split()[-1] for ln in nm.stdout.splitlines() if ln.strip()]
    assert names and all(n.startswith("gesture_") for n in names), names


def _host_results(exe: Path) -> dict:
    return parse(subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("cc,sample", [("gcc", "gesture"), ("clang", "gesture"), ("gcc", "digits"),
                                       ("gcc", "vibration")])
def test_results_on_the_host_equal_the_host_reference_window_by_window(cc, sample, tmp_path):
    from studio.ml.pipeline import host_inference

    if not have(cc):
        pytest.skip(f"{cc} is not installed (scripts/setup installs it)")
    project = _project(sample)
    lib = tmp_path / "lib"
    export(project, "c-library", lib)
    data = load_recording(project)
    got = _host_results(build_host(cc, tmp_path, [(sample, data, lib)]))[sample]
    want = host_inference(project, data)
    assert len(got) == len(want) > 0
    assert [i for i, _ in got] == [int(np.argmax(h.scores)) for h in want]
    worst = max(float(np.max(np.abs(s - np.asarray(h.scores, np.float32)))) for (_, s), h in zip(got, want))
    assert worst <= 1e-6 * max(1.0, max(float(np.max(np.abs(h.scores))) for h in want))


def test_two_pipelines_libraries_link_into_one_program_and_each_gives_its_own_results(gesture_lib, vibration_lib,
                                                                                      tmp_path):
    g, v = load_recording(_project("gesture")), load_recording(_project("vibration"))
    both = _host_results(build_host("gcc", tmp_path / "both", [("gesture", g, gesture_lib),
                                                               ("vibration", v, vibration_lib)]))
    alone_g = _host_results(build_host("gcc", tmp_path / "g", [("gesture", g, gesture_lib)]))
    alone_v = _host_results(build_host("gcc", tmp_path / "v", [("vibration", v, vibration_lib)]))
    for key, alone in (("gesture", alone_g), ("vibration", alone_v)):
        assert len(both[key]) == len(alone[key]) > 0
        assert all(i == j and np.array_equal(a, b) for (i, a), (j, b) in zip(both[key], alone[key]))


RESET_MAIN = r"""
#include <stdio.h>
#include "gesture.h"
static uint32_t fake_us;
static uint32_t clock_us(void) { fake_us += 7u; return fake_us; }
int main(void)
{
    static float frames[3 * 200];
    gesture_result_t a, b;
    int i;
    for (i = 0; i < 3 * 200; i++) frames[i] = (float)((i * 37) % 101) / 25.0f - 2.0f;
    if (gesture_push(frames, 1) != GESTURE_ERR_INIT) return 10;
    if (gesture_init() != 0) return 11;
    if (gesture_push((const float *)0, 1) != GESTURE_ERR_ARGS) return 12;
    if (gesture_push(frames, 200) < 1 || !gesture_result(&a)) return 13;
    if (a.dsp_us != 0 || a.model_us != 0) return 14;          /* no clock: zeros */
    gesture_reset();
    if (gesture_result(&b)) return 15;                           /* reset drops queued results */
    gesture_set_clock(clock_us);
    if (gesture_push(frames, 200) < 1 || !gesture_result(&b)) return 16;
    if (b.index != a.index) return 17;                           /* same frames after reset: same result */
    for (i = 0; i < GESTURE_NUM_CLASSES; i++) if (a.scores[i] != b.scores[i]) return 18;
    if (b.dsp_us == 0 || b.model_us == 0) return 19;
    if (gesture_label(-1) || gesture_label(GESTURE_NUM_CLASSES) || !gesture_label(0)) return 20;
    printf("%s %lu %lu\n", gesture_label(b.index), (unsigned long)b.dsp_us, (unsigned long)b.model_us);
    return 0;
}
"""


def test_reset_returns_to_the_state_after_init_and_the_integrators_clock_times_the_stages(gesture_lib, tmp_path):
    src = tmp_path / "reset.c"
    src.write_text(RESET_MAIN)
    exe = tmp_path / "reset"
    subprocess.run(["gcc", *STRICT, f"-I{gesture_lib}/src", str(src), str(gesture_lib / "src" / "gesture.c"),
                    "-lm", "-o", str(exe)], check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.returncode
    assert r.stdout.split()[0] in ("idle", "wave", "shake", "circle")


def test_an_invalid_prefix_is_refused(tmp_path):
    with pytest.raises(BadInput, match="prefix"):
        export(_project("gesture"), "c-library", tmp_path / "x", prefix="9bad-name")


def _cli(*args):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True, env=env,
                          check=False)


def test_cli_json_names_the_header_sources_and_include_dirs_relative_to_out(tmp_path):
    r = _cli("export", str(SAMPLES / "gesture"), "--format", "c-library", "--out", str(tmp_path / "o"),
             "--prefix", "gest", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert {k: j[k] for k in ("format", "prefix", "header", "sources", "include_dirs")} == {
        "format": "c-library", "prefix": "gest", "header": "src/gest.h", "sources": ["src/gest.c"],
        "include_dirs": ["src"]}
    assert all((tmp_path / "o" / f).is_file() for f in [j["header"], *j["sources"]])


def test_cli_refuses_a_non_empty_folder_that_is_not_an_export_unless_forced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    r = _cli("export", str(SAMPLES / "gesture"), "--format", "c-library", "--out", str(out))
    assert r.returncode == 2 and "--force" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    r = _cli("export", str(SAMPLES / "gesture"), "--format", "c-library", "--out", str(out), "--force")
    assert r.returncode == 0 and (out / MARKER).is_file() and (out / "notes.txt").read_text() == "keep me"


def test_re_export_into_an_earlier_export_replaces_its_own_files_only(tmp_path):
    out = tmp_path / "o"
    export(_project("gesture"), "c-library", out, prefix="one")
    (out / "mine.txt").write_text("x")
    export(_project("gesture"), "c-library", out, prefix="two")
    assert not (out / "src" / "one.h").exists() and (out / "src" / "two.h").is_file()
    assert (out / "mine.txt").read_text() == "x"


def test_cli_unknown_format_is_bad_input(tmp_path):
    r = _cli("export", str(SAMPLES / "gesture"), "--format", "cmsis-pack", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "c-library" in r.stderr


def test_the_readmes_integration_example_compiles_against_the_header_alone(gesture_lib, tmp_path):
    readme = (gesture_lib / "README.md").read_text()
    example = re.search(r"## Integration example\n\n```c\n(.*?)```", readme, re.S).group(1)
    assert len(example.strip().splitlines()) <= 22
    stubs = tmp_path / "stubs.c"
    stubs.write_text("#include <stdint.h>\nuint32_t board_micros(void);\nint read_sensor(float *frame);\n"
                     "uint32_t board_micros(void) { return 0u; }\nint read_sensor(float *frame) { (void)frame; return 0; }\n")
    (tmp_path / "example.c").write_text(example)
    r = subprocess.run(["gcc", *STRICT, f"-I{gesture_lib}/src", str(tmp_path / "example.c"), str(stubs),
                        str(gesture_lib / "src" / "gesture.c"), "-lm", "-o", str(tmp_path / "example")],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-3000:]


def test_the_readme_states_the_budget_validation_computes(gesture_lib):
    from studio.core.validate import validate_project

    project = _project("gesture")
    report = validate_project(project, boards().get(project.board_id))
    readme = (gesture_lib / "README.md").read_text()
    nodes = set(report.order)  # the pipeline's own nodes, not the firmware's runtime and stack
    ram = sum(v for k, v in report.ram.by_node.items() if k in nodes)
    flash = sum(v for k, v in report.flash.by_node.items() if k in nodes)
    assert f"| RAM | {ram} B | {report.ram.used_bytes} B |" in readme
    assert f"| flash | {flash} B | {report.flash.used_bytes} B |" in readme


QUEUE_MAIN = r"""
#include <stdio.h>
#include "digits.h"
int main(void)
{
    static float frames[10 * DIGITS_CHANNELS];
    digits_result_t all[10], r;
    int i, k, n;
    for (i = 0; i < 10 * DIGITS_CHANNELS; i++) frames[i] = (float)((i * 7 + i / 64) % 17);
    digits_init();
    for (i = 0; i < 10; i++) {                       /* one frame at a time: every result */
        if (digits_push(&frames[i * DIGITS_CHANNELS], 1) != 1 || !digits_result(&all[i])) return 10;
    }
    digits_reset();
    n = digits_push(frames, 10);                     /* 10 results, a queue of DIGITS_QUEUE_LEN */
    if (n != DIGITS_QUEUE_LEN) return 11;
    for (i = 10 - DIGITS_QUEUE_LEN; i < 10; i++) {   /* the newest are kept, in order */
        if (!digits_result(&r) || r.index != all[i].index) return 12;
        for (k = 0; k < DIGITS_NUM_CLASSES; k++) if (r.scores[k] != all[i].scores[k]) return 13;
    }
    return digits_result(&r) ? 14 : 0;
}
"""


def test_a_full_queue_keeps_the_newest_results_in_order(tmp_path):
    lib = tmp_path / "lib"
    export(_project("digits"), "c-library", lib)
    src, exe = tmp_path / "queue.c", tmp_path / "queue"
    src.write_text(QUEUE_MAIN)
    subprocess.run(["gcc", *STRICT, f"-I{lib}/src", str(src), str(lib / "src" / "digits.c"), "-lm", "-o", str(exe)],
                   check=True)
    assert subprocess.run([str(exe)], check=False).returncode == 0
