"""Graph + board -> a complete C firmware project."""
