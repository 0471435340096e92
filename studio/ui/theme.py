"""Dark and light theme following the system colour scheme (QStyleHints.colorScheme).

``TINYML_STUDIO_THEME=light|dark`` overrides the system (bare X servers and the offscreen
platform report no scheme, and screenshots of both themes need a way to ask).
"""
from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


THEME_ENV = "TINYML_STUDIO_THEME"


def system_is_dark() -> bool:
    forced = os.environ.get(THEME_ENV, "").lower()
    if forced in ("light", "dark"):
        return forced == "dark"
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Unknown:
        # no hint from the platform (offscreen, bare X servers): a node editor reads best dark
        return True
    return scheme == Qt.ColorScheme.Dark


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    if dark:
        roles = {
            QPalette.ColorRole.Window: (45, 47, 52), QPalette.ColorRole.WindowText: (225, 225, 225),
            QPalette.ColorRole.Base: (32, 34, 38), QPalette.ColorRole.AlternateBase: (50, 52, 58),
            QPalette.ColorRole.Text: (225, 225, 225), QPalette.ColorRole.Button: (55, 58, 64),
            QPalette.ColorRole.ButtonText: (225, 225, 225), QPalette.ColorRole.Highlight: (50, 110, 190),
            QPalette.ColorRole.HighlightedText: (255, 255, 255), QPalette.ColorRole.ToolTipBase: (30, 30, 30),
            QPalette.ColorRole.ToolTipText: (235, 235, 235), QPalette.ColorRole.PlaceholderText: (140, 140, 140),
            QPalette.ColorRole.Link: (100, 160, 240),
        }
    else:
        roles = {
            QPalette.ColorRole.Window: (240, 240, 242), QPalette.ColorRole.WindowText: (20, 20, 20),
            QPalette.ColorRole.Base: (255, 255, 255), QPalette.ColorRole.AlternateBase: (245, 245, 248),
            QPalette.ColorRole.Text: (20, 20, 20), QPalette.ColorRole.Button: (232, 232, 236),
            QPalette.ColorRole.ButtonText: (20, 20, 20), QPalette.ColorRole.Highlight: (50, 110, 190),
            QPalette.ColorRole.HighlightedText: (255, 255, 255), QPalette.ColorRole.ToolTipBase: (255, 255, 225),
            QPalette.ColorRole.ToolTipText: (20, 20, 20), QPalette.ColorRole.PlaceholderText: (120, 120, 120),
            QPalette.ColorRole.Link: (30, 90, 200),
        }
    for role, rgb in roles.items():
        p.setColor(role, QColor(*rgb))
    return p


def canvas_colours(dark: bool) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(background, grid) for the node canvas."""
    return ((30, 32, 36), (45, 48, 54)) if dark else ((236, 238, 242), (170, 175, 185))


def apply_theme(app: QApplication, dark: bool) -> None:
    app.setStyle("Fusion")
    app.setPalette(_palette(dark))
