"""PySide6 + NodeGraphQt windows, panels and dialogs: the only layer that imports Qt."""
