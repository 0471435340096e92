"""The packaged exports: the Arduino library (Library Manager layout, library.properties against the
Arduino library specification, the .zip for "Add .ZIP Library", sources compiled with the Arduino
mbed core's Cortex-M4 flags), the PlatformIO project and the Zephyr module (module.yml against
Zephyr's module schema). The Arduino cores, PlatformIO and the Zephyr SDK are not installed here:
what they would build is compiled with arm-none-eabi-gcc/g++ instead."""
from __future__ import annotations

import configparser
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from codegen.export.formats import PLATFORMIO_BOARDS, export
from studio.core.boards import boards
from studio.core.project import load_project
from tests.codegen.export_harness import have

ROOT = Path(__file__).resolve().parents[2]
# the mbed core's variants/ARDUINO_NANO33BLE flags (cflags.txt / cxxflags.txt) that matter to the
# compiler; the core itself (mbed headers, Arduino.h) cannot be installed here
MBED_M4 = ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=softfp", "-mthumb", "-Os", "-g3", "-nostdlib",
           "-fdata-sections", "-ffunction-sections", "-fmessage-length=0", "-fno-exceptions", "-fno-builtin",
           "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-Werror",
           "-DARDUINO=10819", "-DARDUINO_ARCH_MBED", "-DARDUINO_ARDUINO_NANO33BLE"]
MBED_C = ["-std=gnu11"]
MBED_CXX = ["-std=gnu++14", "-fno-rtti", "-fno-threadsafe-statics", "-funsigned-char", "-Wvla"]
# library.properties (Arduino library specification rev. 2.2): every field below is required
REQUIRED = ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url", "architectures")
CATEGORIES = {"Display", "Communication", "Signal Input/Output", "Sensors", "Device Control", "Timing",
              "Data Storage", "Data Processing", "Other"}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
NAME = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9 _.-]*$")
# Zephyr's module.yml schema (scripts/zephyr_module.py METADATA_SCHEMA): the keys and their types
ZEPHYR_TOP = {"name": str, "build": dict, "tests": list, "samples": list, "boards": list, "blobs": list,
              "security": dict, "package-managers": dict}
ZEPHYR_BUILD = {"cmake": str, "kconfig": str, "cmake-ext": bool, "kconfig-ext": bool, "sysbuild-cmake": str,
                "sysbuild-kconfig": str, "sysbuild-cmake-ext": bool, "sysbuild-kconfig-ext": bool,
                "depends": list, "settings": dict}


def _project(name: str = "gesture"):
    return load_project(ROOT / "sample_projects" / name / f"{name}.tinyml")


@pytest.fixture(scope="module")
def arduino(tmp_path_factory):
    out = tmp_path_factory.mktemp("ard") / "lib"
    return export(_project(), "arduino-library", out), out


def _properties(text: str) -> dict[str, str]:
    props = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, line
            props[key] = value
    return props


def test_library_properties_meets_the_arduino_library_specification(arduino):
    result, out = arduino
    props = _properties((out / "library.properties").read_text(encoding="utf-8"))
    assert all(props.get(k, "").strip() for k in REQUIRED), props
    assert NAME.match(props["name"]) and len(props["name"]) <= 63 and not props["name"].lower().startswith("arduino")
    assert SEMVER.match(props["version"])
    assert props["category"] in CATEGORIES
    assert re.match(r"^https?://", props["url"])
    assert all(re.fullmatch(r"[A-Za-z0-9_*]+", a.strip()) for a in props["architectures"].split(","))
    assert props["architectures"] == "mbed_nano"  # the Nano 33 BLE's core
    assert all((out / "src" / inc.strip()).is_file() for inc in props["includes"].split(","))


def test_arduino_library_has_the_library_manager_layout_and_one_example(arduino):
    result, out = arduino
    assert (out / "src" / "gesture.h").is_file() and (out / "src" / "gesture.c").is_file()
    examples = list((out / "examples").iterdir())
    assert [e.name for e in examples] == ["gesture_serial"]
    assert (examples[0] / "gesture_serial.ino").is_file()
    # only the amalgamation is compiled: the runtime and model sources are *.c.inc it includes
    compiled = [p for p in (out / "src").rglob("*") if p.suffix in (".c", ".cpp", ".S")]
    assert compiled == [out / "src" / "gesture.c"]


def test_the_zip_installs_as_one_library_folder_holding_library_properties(arduino):
    result, out = arduino
    assert result.zip is not None and result.zip.parent == out
    with zipfile.ZipFile(result.zip) as z:
        names = z.namelist()
        tops = {n.split("/", 1)[0] for n in names}
        assert len(tops) == 1
        top = tops.pop()
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", top)
        assert f"{top}/library.properties" in names and f"{top}/src/gesture.h" in names
        assert z.read(f"{top}/src/gesture.c") == (out / "src" / "gesture.c").read_bytes()


@pytest.mark.skipif(not have("arm-none-eabi-g++"), reason="arm-none-eabi-g++ missing")
def test_arduino_library_sources_compile_with_the_mbed_cores_cortex_m4_flags(arduino, tmp_path):
    result, out = arduino
    c = subprocess.run(["arm-none-eabi-gcc", *MBED_M4, *MBED_C, "-c", f"-I{out}/src", str(out / "src" / "gesture.c"),
                        "-o", str(tmp_path / "lib.o")], capture_output=True, text=True, check=False)
    assert c.returncode == 0, c.stderr[-3000:]
    # the sketch side is C++: the header must work there (extern "C")
    cpp = tmp_path / "use.cpp"
    cpp.write_text('#include <gesture.h>\nint use(const float *f) { gesture_result_t r; gesture_init();\n'
                   '  int n = gesture_push(f, 1); return n + gesture_result(&r) + (gesture_label(0) != nullptr); }\n')
    x = subprocess.run(["arm-none-eabi-g++", *MBED_M4, *MBED_CXX, "-c", f"-I{out}/src", str(cpp), "-o",
                        str(tmp_path / "use.o")], capture_output=True, text=True, check=False)
    assert x.returncode == 0, x.stderr[-3000:]
    nm = subprocess.run(["arm-none-eabi-nm", "-u", str(tmp_path / "use.o")], capture_output=True, text=True,
                        check=True).stdout
    assert "gesture_push" in nm and "_Z" not in nm  # C linkage: the C object's names


ARDUINO_SHIM = r"""
/* a test-owned stand-in for the few Arduino APIs the example uses (NOT the Arduino core) */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
struct SerialShim {
  void begin(unsigned long) {}
  int available() { return 0; }
  int read() { return -1; }
  size_t print(const char *) { return 0; }
  size_t print(int) { return 0; }
  size_t print(unsigned long) { return 0; }
  size_t print(long) { return 0; }
  size_t print(unsigned int) { return 0; }
  size_t print(double, int) { return 0; }
  size_t println(const char *) { return 0; }
};
extern SerialShim Serial;
unsigned long micros(void);
"""


@pytest.mark.skipif(not have("arm-none-eabi-g++"), reason="arm-none-eabi-g++ missing")
def test_the_example_sketch_compiles_as_cpp_against_the_serial_api_it_uses(arduino, tmp_path):
    result, out = arduino
    (tmp_path / "Arduino.h").write_text(ARDUINO_SHIM)
    sketch = tmp_path / "sketch.cpp"
    sketch.write_text('#include "Arduino.h"\n' + (out / "examples/gesture_serial/gesture_serial.ino").read_text())
    r = subprocess.run(["arm-none-eabi-g++", *MBED_M4, *MBED_CXX, "-c", f"-I{tmp_path}", f"-I{out}/src",
                        str(sketch), "-o", str(tmp_path / "sketch.o")], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-3000:]


def test_platformio_project_names_the_board_and_carries_the_library(tmp_path):
    out = tmp_path / "pio"
    result = export(_project(), "platformio", out)
    ini = configparser.ConfigParser()
    ini.read(out / "platformio.ini")
    env = ini["env:nano33ble"]
    assert (env["platform"], env["board"], env["framework"]) == ("nordicnrf52", "nano33ble", "arduino")
    assert ini["platformio"]["default_envs"] == "nano33ble"
    assert str(result.header) == "lib/gesture/src/gesture.h" and (out / result.header).is_file()
    assert json.loads((out / "lib/gesture/library.json").read_text())["name"] == "gesture"
    main = (out / "src" / "main.cpp").read_text()
    assert "#include <Arduino.h>" in main and "#include <gesture.h>" in main


def test_platformio_board_ids_cover_every_arduino_board_we_map():
    assert set(PLATFORMIO_BOARDS) <= {b.id for b in boards().all()}


def test_zephyr_module_yml_meets_zephyrs_module_schema(tmp_path):
    out = tmp_path / "zmod"
    export(_project(), "zephyr-module", out)
    meta = yaml.safe_load((out / "zephyr" / "module.yml").read_text())
    assert isinstance(meta, dict) and set(meta) <= set(ZEPHYR_TOP)
    assert all(isinstance(meta[k], ZEPHYR_TOP[k]) for k in meta)
    assert set(meta["build"]) <= set(ZEPHYR_BUILD) and all(isinstance(v, ZEPHYR_BUILD[k])
                                                           for k, v in meta["build"].items())
    assert (out / meta["build"]["cmake"] / "CMakeLists.txt").is_file()
    assert (out / meta["build"]["kconfig"]).is_file()
    assert all((out / s / "CMakeLists.txt").is_file() and (out / s / "prj.conf").is_file() for s in meta["samples"])


def test_zephyr_kconfig_symbol_gates_the_library_and_the_sample_enables_it(tmp_path):
    out = tmp_path / "zmod"
    export(_project(), "zephyr-module", out)
    assert re.search(r"^config GESTURE$", (out / "Kconfig").read_text(), re.M)
    cmake = (out / "CMakeLists.txt").read_text()
    assert "if(CONFIG_GESTURE)" in cmake and "zephyr_library_sources(src/gesture.c)" in cmake
    assert (out / "src" / "gesture.c").is_file()
    assert "CONFIG_GESTURE=y" in (out / "samples/gesture_serial/prj.conf").read_text().splitlines()
    assert '#include "gesture.h"' in (out / "samples/gesture_serial/src/main.c").read_text()


def test_a_board_without_a_platformio_mapping_is_bad_input(tmp_path):
    from studio.core.errors import BadInput

    with pytest.raises(BadInput, match="PlatformIO"):
        export(_project(), "platformio", tmp_path / "x", board=boards().get("qemu-mps2-an386"))


@pytest.mark.parametrize("sample", ["gesture", "kws", "vibration", "digits"])
def test_every_sample_exports_in_every_format(sample, tmp_path):
    project = _project(sample)
    for fmt in ("c-library", "arduino-library", "platformio", "zephyr-module"):
        board = boards().get("nano33ble") if fmt == "platformio" else None
        result = export(project, fmt, tmp_path / fmt, board=board)
        assert (tmp_path / fmt / result.header).is_file() and (tmp_path / fmt / "README.md").is_file()
        assert all((tmp_path / fmt / s).is_file() for s in result.sources)


def test_the_same_project_exports_the_same_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    export(_project(), "arduino-library", a)
    export(_project(), "arduino-library", b)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
