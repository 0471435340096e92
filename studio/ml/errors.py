"""The one error type of ``studio.ml``: a problem with a project's pipeline, data or model that a
user can fix (caught once at the edge like every ``StudioError``)."""
from __future__ import annotations

from studio.core.errors import StudioError


class MLError(StudioError):
    """The pipeline cannot make features, train, quantize or run: the message says what to change."""

    exit_code = 1
