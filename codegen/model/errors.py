"""The one exception the model compiler raises: a message a user can act on."""
from __future__ import annotations


class ModelError(Exception):
    """An unreadable, unsupported or unverifiable model; ``.message`` says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
