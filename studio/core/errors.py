"""Domain exceptions: each carries a message a user can act on; caught once at the edge."""
from __future__ import annotations


class StudioError(Exception):
    """Base of every error a user sees as a message, never a traceback."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(StudioError):
    """Unreadable file, bad arguments, a project we refuse to open (CLI exit code 2)."""

    exit_code = 2


class ProjectFileError(BadInput):
    """A project file that cannot be read: names the file, where and what is wrong."""

    def __init__(self, path, where: str, what: str):
        self.path = str(path)
        self.where = where
        self.what = what
        loc = f" at {where}" if where else ""
        super().__init__(f"{self.path}{loc}: {what}")


class GraphError(StudioError):
    """An edit the graph refuses (unknown node, incompatible connection, bad property)."""

    exit_code = 2


class BoardError(BadInput):
    """An unknown board or a board profile that does not pass its schema."""
