"""Qt-free kernel: graph model, project files, board profiles, validation and budgets."""
