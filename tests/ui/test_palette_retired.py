"""The palette leaves out retired node types (kept registered only so old projects open)."""
from __future__ import annotations


def test_palette_leaves_out_retired_node_types(window):
    assert "quantize.dynamic_range" not in window.palette.items
    assert "quantize.float16" in window.palette.items
