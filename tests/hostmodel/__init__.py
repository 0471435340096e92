"""Run a driver's C on the host against register-level models written from the datasheets.

``build(sources, ...)`` compiles C from ``codegen/runtime`` with ``-DTMS_HOST_MODEL`` (so
``tms_mmio.h`` routes every register access to ``tms_mmio_read``/``tms_mmio_write``) into a shared
library, together with a shim that forwards those accesses, and (``i2c=True``) the bus functions of
``sensors/tms_i2c.h``, to Python objects:

    lib = build(["sensors/hts221.c", "sensors/tms_sensor.c"], i2c=True)
    bus = I2CBus(); bus.attach(0, 0x5F, Hts221Model())
    with lib.attached(i2c=bus):
        lib.call("tms_hts221_init", ...)

A chip model implements ``transfer(write: bytes, read_len: int) -> bytes`` (raise ``Nack`` for a
refused byte); a peripheral model implements ``read(address) -> int`` and ``write(address, value)``.
These are models, not the chips: a test against them proves the driver follows the model of the
datasheet, not that the silicon answers the same way.
"""
from __future__ import annotations

import ctypes
import hashlib
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Protocol

RUNTIME = Path(__file__).resolve().parents[2] / "codegen" / "runtime"
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-fPIC", "-shared", "-DTMS_HOST_MODEL"]
_BUILD_DIR = Path(tempfile.gettempdir()) / "tms-hostmodel"

_SHIM = r"""
#include <stdint.h>
typedef uint32_t (*tms_host_rd_fn)(uint32_t);
typedef void (*tms_host_wr_fn)(uint32_t, uint32_t);
typedef int (*tms_host_xfer_fn)(uint8_t, uint8_t, const uint8_t *, uint32_t, uint8_t *, uint32_t);
typedef void (*tms_host_delay_fn)(uint32_t);
static tms_host_rd_fn host_rd;
static tms_host_wr_fn host_wr;
static tms_host_xfer_fn host_xfer;
static tms_host_delay_fn host_delay;
void tms_host_set(tms_host_rd_fn rd, tms_host_wr_fn wr, tms_host_xfer_fn xfer, tms_host_delay_fn delay);
void tms_host_set(tms_host_rd_fn rd, tms_host_wr_fn wr, tms_host_xfer_fn xfer, tms_host_delay_fn delay)
{
    host_rd = rd; host_wr = wr; host_xfer = xfer; host_delay = delay;
}
uint32_t tms_mmio_read(uint32_t address);
uint32_t tms_mmio_read(uint32_t address) { return host_rd ? host_rd(address) : 0u; }
void tms_mmio_write(uint32_t address, uint32_t value);
void tms_mmio_write(uint32_t address, uint32_t value) { if (host_wr) host_wr(address, value); }
"""
_SHIM_I2C = r"""
#include "sensors/tms_i2c.h"
int tms_i2c_init(uint8_t bus) { (void)bus; return TMS_I2C_OK; }
int tms_i2c_write(uint8_t bus, uint8_t address, const uint8_t *data, uint32_t len)
{
    return host_xfer ? host_xfer(bus, address, data, len, (uint8_t *)0, 0u) : TMS_I2C_NACK;
}
int tms_i2c_write_read(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                       uint8_t *rd, uint32_t rd_len)
{
    return host_xfer ? host_xfer(bus, address, wr, wr_len, rd, rd_len) : TMS_I2C_NACK;
}
void tms_delay_us(uint32_t us) { if (host_delay) host_delay(us); }
"""

_RD = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_uint32)
_WR = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32)
_XFER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint8, ctypes.c_uint8, ctypes.POINTER(ctypes.c_uint8),
                         ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint8), ctypes.c_uint32)
_DELAY = ctypes.CFUNCTYPE(None, ctypes.c_uint32)


class Nack(Exception):
    """A chip model refuses the transfer (no device, or a byte not acknowledged)."""


class ChipModel(Protocol):
    def transfer(self, write: bytes, read_len: int) -> bytes: ...


class PeripheralModel(Protocol):
    def read(self, address: int) -> int: ...
    def write(self, address: int, value: int) -> None: ...


class I2CBus:
    """Chip models by (bus, 7-bit address); every transfer is logged as (bus, address, write, read)."""

    def __init__(self) -> None:
        self.devices: dict[tuple[int, int], ChipModel] = {}
        self.log: list[tuple[int, int, bytes, bytes]] = []

    def attach(self, bus: int, address: int, chip: ChipModel) -> None:
        self.devices[(bus, address)] = chip

    def transfer(self, bus: int, address: int, write: bytes, read_len: int) -> bytes:
        chip = self.devices.get((bus, address))
        if chip is None:
            raise Nack(f"no device at bus {bus} address 0x{address:02x}")
        data = bytes(chip.transfer(write, read_len))
        if len(data) != read_len:
            raise AssertionError(f"model returned {len(data)} bytes for a {read_len}-byte read")
        self.log.append((bus, address, write, data))
        return data


class HostLibrary:
    """A built driver library; ``attached(...)`` connects models for the duration of a block."""

    def __init__(self, path: Path):
        self.path = path
        self.dll = ctypes.CDLL(str(path))
        self.delays_us: list[int] = []
        self._keep: tuple = ()

    def __getattr__(self, name: str):
        return getattr(self.dll, name)

    @contextmanager
    def attached(self, mmio: PeripheralModel | None = None, i2c: I2CBus | None = None):
        errors: list[BaseException] = []

        def rd(address: int) -> int:
            try:
                return int(mmio.read(address)) & 0xFFFFFFFF if mmio else 0
            except BaseException as e:  # an exception cannot cross the C frames: re-raised below
                errors.append(e)
                return 0

        def wr(address: int, value: int) -> None:
            try:
                if mmio:
                    mmio.write(address, value)
            except BaseException as e:
                errors.append(e)

        def xfer(bus, address, wr_ptr, wr_len, rd_ptr, rd_len) -> int:
            write = bytes(wr_ptr[:wr_len]) if wr_len else b""
            try:
                if i2c is None:
                    return -1
                data = i2c.transfer(bus, address, write, rd_len)
            except Nack:
                return -1
            except BaseException as e:
                errors.append(e)
                return -2
            for i, b in enumerate(data):
                rd_ptr[i] = b
            return 0

        def delay(us: int) -> None:
            self.delays_us.append(us)

        self._keep = (_RD(rd), _WR(wr), _XFER(xfer), _DELAY(delay))
        self.dll.tms_host_set(*self._keep)
        try:
            yield self
        finally:
            self.dll.tms_host_set(None, None, None, None)
        if errors:
            raise errors[0]


def build(sources: Iterable[str], i2c: bool = False, defines: Iterable[str] = (),
          extra_c: str = "", include_dirs: Iterable[Path] = ()) -> HostLibrary:
    """Compile ``sources`` (paths relative to codegen/runtime) with the shim into a shared library,
    cached by content; ``extra_c`` is appended (test-only helpers, e.g. a function that allocates the
    driver's struct)."""
    sources = [RUNTIME / s for s in sources]
    shim = _SHIM + (_SHIM_I2C if i2c else "") + extra_c
    includes = [RUNTIME, RUNTIME / "sensors", *include_dirs]
    flags = [*CFLAGS, *(f"-D{d}" for d in defines), *(f"-I{p}" for p in includes)]
    key = hashlib.sha256()
    for part in (shim, " ".join(flags), *(p.read_text() for p in sources)):
        key.update(part.encode())
    for h in sorted(p for d in includes for p in Path(d).glob("*.h")):
        key.update(h.read_bytes())
    _BUILD_DIR.mkdir(parents=True, exist_ok=True)
    out = _BUILD_DIR / f"lib{key.hexdigest()[:20]}.so"
    if not out.exists():
        shim_c = _BUILD_DIR / f"shim{key.hexdigest()[:20]}.c"
        shim_c.write_text(shim)
        tmp = out.with_suffix(".tmp.so")
        proc = subprocess.run(["gcc", *flags, "-o", str(tmp), str(shim_c), *map(str, sources)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise AssertionError(f"host build failed:\n{proc.stderr}")
        tmp.rename(out)
    return HostLibrary(out)
