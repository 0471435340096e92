"""Node types of the 'outputs' category (being filled in; the module exists so the catalogue loads)."""
from __future__ import annotations
