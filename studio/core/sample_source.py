"""Where the emulated board's live sensor gets its samples: one rule for validation (what the image
costs), codegen (what the firmware reads) and the run/evaluate actions (what the host sends).

- ``host-stream``: the project has an imported dataset with a test split
  (``dataset.files.test``, written by ``studio.ml.importer``): the host streams its clips at run time
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
# samples per block the firmware asks for: a block per request keeps the request lines (and the
# round trips) few while the buffer stays small on a board (64 x 3 axes = 768 B)
HOST_STREAM_BLOCK_SAMPLES = 256
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
    the dataset has none (malformed entries are the importer's to report, so they are skipped)."""
    if not isinstance(dataset, Mapping):
        return []
    files = dataset.get("files")
    test = files.get("test") if isinstance(files, Mapping) else None
    if not isinstance(test, list):
        return []
    return [(e["file"], e["label"]) for e in test
            if isinstance(e, Mapping) and isinstance(e.get("file"), str) and isinstance(e.get("label"), str)]


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
    """The stream's shape: the dataset's channel count (as imported) unless ``channels`` is given."""
    if channels is None:
        raw = dataset.get("channels") if isinstance(dataset, Mapping) else None
        channels = int(raw) if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else 1
    return HostStream(HOST_STREAM_BLOCK_SAMPLES, int(channels))
