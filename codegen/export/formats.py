"""``tinyml-studio export``: the pipeline as a c-library, an Arduino library (and its .zip), a
PlatformIO project or a Zephyr module. Every format carries the same ``codegen.export.clib``
library; the others add their package files and an example that prints our serial protocol.

An output folder that is not empty and not one of our exports (no ``MARKER`` file) is refused
unless ``force``: nothing of the user's is overwritten without their choice.
"""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from codegen.cnames import c_comment, json_string_literal
from codegen.export.clib import LibraryFiles, _env, default_prefix, write_c_library
from codegen.export.plan import PipelineParts, pipeline_parts
from codegen.firmware import _md_text
from studio.core.boards import Board, boards
from studio.core.errors import BadInput
from studio.core.project import Project

FORMATS = ("c-library", "arduino-library", "platformio", "zephyr-module")
MARKER = ".tinyml-studio-export"
LIBRARY_VERSION = "1.0.0"

# our board id -> (PlatformIO platform, PlatformIO board id); boards with an Arduino framework there
PLATFORMIO_BOARDS = {
    "nano33ble": ("nordicnrf52", "nano33ble"),
    "rpi-pico": ("raspberrypi", "pico"),
    "seeeduino-xiao": ("atmelsam", "seeed_xiao"),
    "wio-terminal": ("atmelsam", "seeed_wio_terminal"),
    "adafruit-edgebadge": ("atmelsam", "adafruit_pybadge_m4"),
    "b-l475e-iot01a": ("ststm32", "disco_l475vg_iot01a"),
    "portenta-h7": ("ststm32", "portenta_h7_m7"),
    "esp32-s3-devkitc": ("espressif32", "esp32-s3-devkitc-1"),
    "arducam-pico4ml-ble": ("raspberrypi", "pico"),
}
# Arduino architectures (library.properties) of our boards' cores
ARDUINO_ARCHITECTURES = {"nano33ble": "mbed_nano", "portenta-h7": "mbed_portenta", "rpi-pico": "rp2040",
                         "arducam-pico4ml-ble": "rp2040", "seeeduino-xiao": "samd", "wio-terminal": "samd",
                         "adafruit-edgebadge": "samd", "b-l475e-iot01a": "stm32", "esp32-s3-devkitc": "esp32",
                         "spresense": "spresense", "sparkfun-edge": "apollo3"}

BUILT_HERE = {
    "c-library": "TinyML Studio's test suite builds this format on every change: gcc and clang for the host (`-std=c99 -Wall -Wextra "
                 "-Werror`), arm-none-eabi-gcc for Cortex-M0+, M4F and M7, and run on QEMU's mps2-an386 "
                 "against the generated firmware. Prebuilt `.a` files are made only "
                 "with `--prebuilt` (otherwise compile the source with your own flags).",
    "arduino-library": "TinyML Studio's test suite compiles the library's sources with arm-none-eabi-gcc/g++ using the "
                       "Arduino mbed core's Cortex-M4 flags. Not built: the example sketch with a real Arduino "
                       "core and arduino-cli (the Arduino cores cannot be installed on the machine that "
                       "generated this); upload it from the Arduino IDE.",
    "platformio": "TinyML Studio's test suite compiles the library in `lib/` as the c-library's; PlatformIO itself and "
                  "its board platforms are not installed here, so `pio run` was not run.",
    "zephyr-module": "TinyML Studio's test suite compiles the library as the c-library's; the Zephyr SDK and west are not "
                     "installed here, so the sample app was not built with `west build`.",
}


@dataclass(frozen=True)
class ExportResult:
    format: str
    out: Path
    prefix: str
    header: PurePosixPath
    sources: tuple[PurePosixPath, ...]
    include_dirs: tuple[PurePosixPath, ...]
    files: tuple[PurePosixPath, ...]
    board: Board
    zip: Path | None = None
    prebuilt: tuple[PurePosixPath, ...] = ()

    def to_json(self) -> dict:
        return {"format": self.format, "out": str(self.out), "prefix": self.prefix, "header": str(self.header),
                "sources": [str(s) for s in self.sources], "include_dirs": [str(d) for d in self.include_dirs],
                "files": [str(f) for f in self.files], "board": self.board.id,
                "zip": str(self.zip) if self.zip else None, "prebuilt": [str(a) for a in self.prebuilt]}


def check_out_dir(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        raise BadInput(f"--out {out} is not empty and is not an earlier export (no {MARKER}); choose an empty "
                       "folder or pass --force to write into it")


def export(project: Project, fmt: str, out: Path, prefix: str | None = None, board: Board | None = None,
           force: bool = False, prebuilt: bool = False) -> ExportResult:
    if fmt not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    out = Path(out)
    check_out_dir(out, force)
    board = board or boards().get(project.board_id)
    if fmt == "platformio" and board.id not in PLATFORMIO_BOARDS:
        raise BadInput(f"board '{board.id}' has no PlatformIO board mapping; boards: {', '.join(sorted(PLATFORMIO_BOARDS))}")
    parts = pipeline_parts(project, board)
    prefix = prefix or default_prefix(project.name)
    src_dir = {"c-library": "src", "arduino-library": "src", "platformio": f"lib/{prefix}/src",
               "zephyr-module": "src"}[fmt]
    lib = write_c_library(parts, prefix, src_dir)
    files = dict(lib.files)
    env = _env()
    common = _common(parts, lib)
    if fmt == "arduino-library":
        name = _arduino_name(project.name, prefix)
        files[PurePosixPath("library.properties")] = library_properties(name, parts, lib, board).encode()
        files[PurePosixPath(f"examples/{prefix}_serial/{prefix}_serial.ino")] = env.get_template(
            "export/example.ino.j2").render(**common, platformio=False).encode()
    elif fmt == "platformio":
        platform, pio_board = PLATFORMIO_BOARDS[board.id]
        files[PurePosixPath("platformio.ini")] = platformio_ini(parts, platform, pio_board, prefix).encode()
        files[PurePosixPath("src/main.cpp")] = env.get_template("export/example.ino.j2").render(
            **common, platformio=True).encode()
        files[PurePosixPath(f"lib/{prefix}/library.json")] = json.dumps(
            {"name": prefix, "version": LIBRARY_VERSION, "description": f"The {project.name} pipeline (TinyML Studio)",
             "frameworks": "*", "platforms": "*", "build": {"srcFilter": [f"+<{prefix}.c>"]}}, indent=2).encode() + b"\n"
    elif fmt == "zephyr-module":
        upper = prefix.upper()
        files[PurePosixPath("zephyr/module.yml")] = (f"# generated by tinyml-studio — do not edit\nname: {prefix}\n"
                                                     "build:\n  cmake: .\n  kconfig: Kconfig\n"
                                                     f"samples:\n  - samples/{prefix}_serial\n").encode()
        files[PurePosixPath("CMakeLists.txt")] = (
            f"# generated by tinyml-studio — do not edit\nif(CONFIG_{upper})\n  zephyr_library()\n"
            f"  zephyr_library_sources({lib.sources[0]})\n  zephyr_include_directories({lib.include_dirs[0]})\n"
            "  zephyr_library_link_libraries(m)\nendif()\n").encode()
        files[PurePosixPath("Kconfig")] = (
            f"# generated by tinyml-studio — do not edit\nconfig {upper}\n\tbool \"{_kconfig_text(project.name)} "
            "pipeline (TinyML Studio)\"\n\thelp\n\t  The pipeline's DSP and int8 model as a C99 library\n"
            f"\t  ({lib.header}): no heap, all state static.\n").encode()
        sample = PurePosixPath(f"samples/{prefix}_serial")
        files[sample / "CMakeLists.txt"] = (
            "# generated by tinyml-studio — do not edit\ncmake_minimum_required(VERSION 3.20.0)\n"
            f"find_package(Zephyr REQUIRED HINTS $ENV{{ZEPHYR_BASE}})\nproject({prefix}_serial)\n"
            "target_sources(app PRIVATE src/main.c)\n").encode()
        files[sample / "prj.conf"] = (f"# generated by tinyml-studio — do not edit\nCONFIG_{upper}=y\n"
                                      "CONFIG_CONSOLE_SUBSYS=y\nCONFIG_CONSOLE_GETLINE=y\n"
                                      "CONFIG_CBPRINTF_FP_SUPPORT=y\nCONFIG_NEWLIB_LIBC=y\n"
                                      "CONFIG_FPU=y\n" if board.fpu else
                                      f"# generated by tinyml-studio — do not edit\nCONFIG_{upper}=y\n"
                                      "CONFIG_CONSOLE_SUBSYS=y\nCONFIG_CONSOLE_GETLINE=y\n"
                                      "CONFIG_CBPRINTF_FP_SUPPORT=y\nCONFIG_NEWLIB_LIBC=y\n").encode()
        files[sample / "src/main.c"] = env.get_template("export/zephyr_main.c.j2").render(**common).encode()
    archives: dict[PurePosixPath, bytes] = {}
    if prebuilt:
        from codegen.export.prebuilt import build_archives

        archives = build_archives(lib)
        files.update(archives)
    files[PurePosixPath("README.md")] = _readme(env, fmt, parts, lib, common, sorted(archives)).encode()
    zip_path = None
    if fmt == "arduino-library":
        # inside the export (never beside it, where a file of the user's may be)
        zip_name = PurePosixPath(f"{_zip_top(_arduino_name(project.name, prefix))}.zip")
        files[zip_name] = _zip_bytes(files, _arduino_name(project.name, prefix))
        zip_path = out / zip_name
    _write(out, files)
    return ExportResult(fmt, out, prefix, lib.header, lib.sources, lib.include_dirs, tuple(sorted(files)), board,
                        zip_path, tuple(sorted(archives)))


def _common(parts: PipelineParts, lib: LibraryFiles) -> dict:
    return {"project_comment": c_comment(parts.project_name), "prefix": lib.prefix, "PREFIX": lib.prefix.upper(),
            "channels": parts.channels, "labels_json": [json_string_literal(x) for x in parts.labels],
            "project_json": json_string_literal(parts.project_name), "board_json": json_string_literal(parts.board.id),
            "baud": parts.board.serial_baud, "line_len": max(64, 24 * parts.channels)}


def _arduino_name(project_name: str, prefix: str) -> str:
    """A Library Manager name: letters, digits, spaces, underscores, dots and dashes, starting with a
    letter or digit."""
    name = re.sub(r"[^A-Za-z0-9 _.-]+", " ", project_name).strip(" _.-")
    name = re.sub(r"\s+", " ", name)[:50].strip()
    return f"{name} TinyML" if name and name[0].isalnum() else prefix


def _kconfig_text(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9 _.,-]+", " ", text).strip() or "TinyML"


def library_properties(name: str, parts: PipelineParts, lib: LibraryFiles, board: Board) -> str:
    arch = ARDUINO_ARCHITECTURES.get(board.id, "*")
    sentence = re.sub(r"[\r\n]+", " ", f"The {parts.project_name} pipeline: DSP and int8 model, no interpreter.")
    paragraph = (f"Push {parts.channels}-value frames, take results over {len(parts.labels)} classes. "
                 "Dependency-free C99, no heap, generated by TinyML Studio.")
    return "\n".join([
        f"name={name}",
        f"version={LIBRARY_VERSION}",
        "author=TinyML Studio",
        "maintainer=TinyML Studio user <nobody@example.invalid>",
        f"sentence={sentence}",
        f"paragraph={paragraph}",
        "category=Data Processing",
        "url=https://example.invalid/tinyml-studio",
        f"architectures={arch}",
        f"includes={lib.prefix}.h",
        "",
    ])


def platformio_ini(parts: PipelineParts, platform: str, pio_board: str, prefix: str) -> str:
    return (f"; generated by tinyml-studio from {c_comment(parts.project_name)} — do not edit\n"
            "[platformio]\ndefault_envs = " + parts.board.id + "\n\n"
            f"[env:{parts.board.id}]\nplatform = {platform}\nboard = {pio_board}\nframework = arduino\n"
            f"monitor_speed = {parts.board.serial_baud}\n"
            f"; the pipeline's library is in lib/{prefix} (found by PlatformIO's library finder)\n"
            f"lib_deps =\n    {prefix}\n")


def _readme(env, fmt: str, parts: PipelineParts, lib: LibraryFiles, common: dict,
            archives: list[PurePosixPath]) -> str:
    r = parts.report
    nodes = set(r.order)
    fields = []
    header_text = lib.files[lib.header].decode()
    for m in re.finditer(r"^\s{4}(float|int) (\w+)(\[\d+\])?;  /\* (.*?) \*/$", header_text, re.M):
        fields.append({"name": m.group(2), "comment_md": _md_text(m.group(4))})
    extra = {
        "c-library": "",
        "arduino-library": ("\n## Arduino\n\nSketch → Include Library → Add .ZIP Library… and pick "
                            f"`{_zip_top(_arduino_name(parts.project_name, lib.prefix))}.zip` in this folder (or copy "
                            "this folder into `libraries/`). The example "
                            f"`examples/{lib.prefix}_serial` reads {parts.channels} numbers per Serial line and "
                            "prints the serial protocol the TinyML Studio monitor reads.\n"),
        "platformio": (f"\n## PlatformIO\n\n`pio run -t upload && pio device monitor`: `src/main.cpp` reads "
                       f"{parts.channels} numbers per serial line and prints the serial protocol.\n"),
        "zephyr-module": (f"\n## Zephyr\n\nAdd this folder as a module and build the sample:\n\n```\nwest build -b "
                          f"<board> samples/{lib.prefix}_serial -- -DZEPHYR_EXTRA_MODULES=$PWD\n```\n\n"
                          f"`CONFIG_{lib.prefix.upper()}=y` compiles the library.\n"),
    }[fmt]
    return env.get_template("export/README.md.j2").render(
        **common, format=fmt, project_md=_md_text(parts.project_name), header=lib.header, source=lib.sources[0],
        include_dir=lib.include_dirs[0], impl_dir=f"{lib.include_dirs[0]}/{lib.prefix}_impl",
        num_classes=len(parts.labels), labels_md=", ".join(_md_text(x) for x in parts.labels), fields=fields,
        board_md=_md_text(f"{r.board.name} ({r.board.id})"),
        ram_nodes=sum(v for k, v in r.ram.by_node.items() if k in nodes),
        flash_nodes=sum(v for k, v in r.flash.by_node.items() if k in nodes),
        ram_used=r.ram.used_bytes, ram_budget=r.ram.budget_bytes, flash_used=r.flash.used_bytes,
        flash_budget=r.flash.budget_bytes, extra=extra + _archives_md(archives), built_md=BUILT_HERE[fmt])


def _archives_md(archives: list[PurePosixPath]) -> str:
    if not archives:
        return ""
    return ("\n## Prebuilt archives\n\nBuilt by this export with arm-none-eabi-gcc (-std=c99 -Os, a section per "
            "function, the firmware's flags for each core): "
            + ", ".join(f"`{a}`" for a in archives) + ". Link one with `-L lib/<cpu> -l<prefix> -lm`; the header "
            "is the same.\n")


def _write(out: Path, files: dict[PurePosixPath, bytes]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    marker = out / MARKER
    old: list[str] = []
    if marker.is_file():
        try:
            old = json.loads(marker.read_text(encoding="utf-8")).get("files", [])
        except (ValueError, AttributeError):
            old = []
    new = {str(p) for p in files}
    for rel in old:  # our own files from the last export that this one no longer writes
        p = PurePosixPath(str(rel))
        if str(p) not in new and not p.is_absolute() and ".." not in p.parts and (out / p).is_file():
            (out / p).unlink()
    for rel, data in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    marker.write_text(json.dumps({"format": "tinyml-studio-export", "files": sorted(new)}, indent=1) + "\n",
                      encoding="utf-8")


def _zip_top(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _zip_bytes(files: dict[PurePosixPath, bytes], name: str) -> bytes:
    """The library as "Add .ZIP Library" expects it: one top folder holding library.properties."""
    import io

    top = _zip_top(name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=(2020, 1, 1, 0, 0, 0))  # same project -> same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, files[rel])
    return buf.getvalue()
