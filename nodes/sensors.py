"""Node types of the 'sensors' category (being filled in; the module exists so the catalogue loads)."""
from __future__ import annotations
