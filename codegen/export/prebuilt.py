"""Prebuilt archives of an exported c-library: ``lib/<cpu>/lib<prefix>.a`` for every Cortex-M core
in the board catalogue, compiled with arm-none-eabi-gcc with the firmware's flags for that core
(``codegen.firmware_boards.cpu_flags``), -std=c99 -Os and one section per function."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from codegen.export.clib import LibraryFiles
from codegen.firmware_boards import cpu_flags
from studio.core.boards import boards
from studio.core.errors import BadInput

CC, AR = "arm-none-eabi-gcc", "arm-none-eabi-ar"
CFLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-Os", "-ffunction-sections", "-fdata-sections")


def cortex_m_cores() -> dict[str, str]:
    """cpu name -> the compiler flags the firmware uses for it (one board per cpu decides)."""
    cores: dict[str, str] = {}
    for board in sorted(boards().all(), key=lambda b: b.id):
        if board.target == "cortex-m" and board.cpu not in cores:
            cores[board.cpu] = cpu_flags(board)[0]
    return cores


def build_archives(lib: LibraryFiles) -> dict[PurePosixPath, bytes]:
    if shutil.which(CC) is None or shutil.which(AR) is None:
        raise BadInput(f"--prebuilt needs {CC} and {AR} on PATH")
    out: dict[PurePosixPath, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="tms-prebuilt-") as tmp:
        root = Path(tmp)
        for rel, data in lib.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for cpu, flags in cortex_m_cores().items():
            obj, archive = root / f"{cpu}.o", root / f"lib{lib.prefix}-{cpu}.a"
            cc = subprocess.run([CC, *flags.split(), *CFLAGS, f"-I{root / lib.include_dirs[0]}", "-c",
                                 str(root / lib.sources[0]), "-o", str(obj)], capture_output=True, text=True,
                                check=False)
            if cc.returncode != 0:
                raise BadInput(f"{CC} failed for {cpu}:\n{cc.stderr[-2000:]}")
            subprocess.run([AR, "rcsD", str(archive), str(obj)], check=True, capture_output=True)
            out[PurePosixPath(f"lib/{cpu}/lib{lib.prefix}.a")] = archive.read_bytes()
    return out
