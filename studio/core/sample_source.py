"""Where the emulated board's live sensor gets its samples: one rule for validation (what the image
costs), codegen (what the firmware reads) and the run/evaluate actions (what the host sends).

- ``host-stream``: the project has an imported dataset with a test split
  (the typed dataset's test samples, ``studio.core.dataset``, written by ``studio.ml.importer``): the host streams its clips at run time
  over the board's serial link (``codegen/runtime/tms_hoststream.c``, ``studio/device/hoststream.py``);
  the image carries a block buffer in RAM and no recording in flash, whatever the split's size.
- ``replay``: the project names a recording (``dataset.test.samples``, the sample projects'
  committed test split): it is embedded in the image, and counts in flash.
- neither: the emulated board has nothing to feed the sensor (``None``).

A ``sensors.replay`` node always plays its own file (embedded); this rule is about live sensors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

HOST_STREAM = "host-stream"
REPLAY = "replay"
HOST_STREAM_KEY = "(host-stream buffer)"
# samples per block the firmware asks for: fewer, larger blocks mean fewer request round trips
# (256 streams 1.7x the clips/s of 64 on the emulated UART) while the buffer stays at most 4 KiB
# (256 x 3 axes = 3 KiB); a sample larger than that (an image) comes one per block
HOST_STREAM_BLOCK_SAMPLES = 256
HOST_STREAM_BLOCK_FLOATS = 1024
# the stream's state struct and its code (tms_hoststream.c, measured with arm-none-eabi-size: ~0.6 KiB)
HOST_STREAM_STATE_RAM_BYTES = 48
HOST_STREAM_FLASH_BYTES = 768


@dataclass(frozen=True)
class HostStream:
    """The firmware side of a host stream: samples per block and channels per sample."""

    block_samples: int
    channels: int

    @property
    def ram_bytes(self) -> int:
        return 4 * self.block_samples * self.channels + HOST_STREAM_STATE_RAM_BYTES


def imported_test_files(dataset: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(relative path, label) of every clip of an imported dataset's test split, in order; [] when
    the dataset has none (a malformed dataset is the project loader's to report)."""
    from studio.core.dataset import dataset_from_json
    from studio.core.errors import BadInput

    if not isinstance(dataset, Mapping) or not dataset:
        return []
    try:
        typed = dataset_from_json(dataset)
    except BadInput:
        return []
    return [(s.file, s.label) for s in typed.split("test")]


def emulated_source(dataset: Mapping[str, Any] | None) -> str | None:
    """``host-stream``, ``replay`` or None for a live sensor on the emulated board (module doc):
    an imported test split is streamed, even when a recording is named too (the split is the
    user's whole test data; a recording of it would have to fit in flash)."""
    if imported_test_files(dataset):
        return HOST_STREAM
    test = dataset.get("test") if isinstance(dataset, Mapping) else None
    if isinstance(test, Mapping) and isinstance(test.get("samples"), str) and test.get("samples"):
        return REPLAY
    return None


def host_stream_for(dataset: Mapping[str, Any] | None, channels: int | None = None) -> HostStream:
    """The stream's shape: values per sample (the dataset's, as imported, unless ``channels`` is
    given: what the sensor stage copies) and the samples per block that fit the block buffer."""
    if channels is None:
        channels = _dataset_sample_values(dataset)
    channels = max(1, int(channels))
    return HostStream(max(1, min(HOST_STREAM_BLOCK_SAMPLES, HOST_STREAM_BLOCK_FLOATS // channels)), channels)


def _dataset_sample_values(dataset: Mapping[str, Any] | None) -> int:
    """Values per sample of an imported dataset: an image's H x W x C, else its channels."""
    if not isinstance(dataset, Mapping):
        return 1
    shape = dataset.get("shape")
    if isinstance(shape, list) and shape and all(isinstance(d, int) and d > 0 for d in shape):
        n = 1
        for d in shape:
            n *= d
        return n
    raw = dataset.get("channels")
    return int(raw) if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else 1


# A sensor read through its driver fills a sample ring the pipeline empties (tms_sensor.h): it must
# hold the samples that arrive while a window's DSP and model run. Sized here, once, for validation's
# RAM budget and for codegen's declaration alike.
DRIVER_RING_MARGIN_SAMPLES = 4
DRIVER_RING_STRUCT_BYTES = 24    # tms_sample_ring_t on a 32-bit core
DRIVER_RING_BUSY_MARGIN = 1.25   # the latency estimate's stated uncertainty is within 15%


def driver_ring_capacity(rate_hz: float, busy_us: float, hop_samples: int | None) -> int:
    """Slots of a driver-fed sensor's ring (one stays free): the samples arriving during one window's
    busy time (with margin), at most one hop, plus a few for jitter."""
    during = int(-(-rate_hz * busy_us * DRIVER_RING_BUSY_MARGIN // 1_000_000)) if busy_us > 0 else 0
    if hop_samples:
        during = min(during, int(hop_samples))
    return max(during, 1) + DRIVER_RING_MARGIN_SAMPLES + 1


def driver_ring_bytes(capacity: int, channels: int) -> int:
    return 4 * capacity * channels + DRIVER_RING_STRUCT_BYTES
