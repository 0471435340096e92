"""Where the app finds its data: built-in board profiles and samples, and the user's own folders."""
from __future__ import annotations

from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parents[2]


def builtin_boards_dir() -> Path:
    return REPO_ROOT / "board_profiles"


def sample_projects_dir() -> Path:
    return REPO_ROOT / "sample_projects"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("tinyml-studio", appauthor=False))


def user_boards_dir() -> Path:
    return user_data_dir() / "boards"
