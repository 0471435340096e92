"""What a kernel emitter returns before ``codegen.emit_dsp`` wraps it into a ``StageCode``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class StageParts:
    mode: str
    sources: tuple[str, ...]
    includes: tuple[str, ...]
    init: str = ""
    run: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
