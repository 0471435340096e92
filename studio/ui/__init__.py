"""PySide6 + NodeGraphQt windows, panels and dialogs: the only layer that imports Qt.

Modules: ``app`` (start-up, screenshot mode, start-up probe), ``main_window`` (assembly, files,
menus), ``document`` (the open project, undo stack, live validation), ``commands`` (undoable core
edits), ``canvas`` (NodeGraphQt as a view of the core graph), ``palette``, ``inspector``,
``board_panel``, ``budget``, ``issues_panel``, ``jobs`` (work off the UI thread), ``files``
(recent files, autosave), ``layout`` (tidy layout), ``clipboard``, ``theme``, ``qtload`` (cheap
NodeGraphQt import).
"""
