"""``codegen.export.clib.reset_lines``: the parser of a stage's file-scope declarations that makes
``<prefix>_reset`` put every mutable static back to its start value."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.export.clib import reset_lines
from studio.core.errors import BadInput

names = st.from_regex(r"tms_[a-z][a-z0-9_]{0,12}", fullmatch=True)
types = st.sampled_from(["float", "int", "uint8_t", "int16_t", "uint32_t", "tms_window_t", "volatile uint32_t",
                         "unsigned int"])
dims = st.lists(st.integers(1, 64), max_size=2).map(lambda ds: "".join(f"[{d}]" for d in ds))
inits = st.one_of(st.none(), st.integers(-1000, 1000).map(str), st.sampled_from(["-1", "1.5f", "0u"]))


@st.composite
def declaration(draw):
    ty = draw(types)
    decls = draw(st.lists(st.tuples(names, dims, inits), min_size=1, max_size=3, unique_by=lambda d: d[0]))
    decls = [(n, d, None if d else i) for n, d, i in decls]   # initialized arrays are refused (own test)
    text = f"static {ty} " + ", ".join(n + d + (f" = {i}" if i is not None else "") for n, d, i in decls) + ";"
    return text, decls


@given(st.lists(declaration(), min_size=1, max_size=5), st.booleans())
def test_every_mutable_static_is_zeroed_and_scalar_initializers_are_restored(decls, with_tables):
    text = "\n".join(d for d, _ in decls)
    if with_tables:
        text = "static const float tms_table[3] = {1.0f, 2.0f,\n 3.0f};\n/* a comment; with a semicolon */\n" + text
    lines = reset_lines(text, "node")
    want = []
    for _, ds in decls:
        for name, _, init in ds:
            want.append(f"memset(&{name}, 0, sizeof({name}));")
            if init is not None:
                want.append(f"{name} = {init};")
    assert lines == want
    assert not any("tms_table" in ln for ln in lines)


def test_an_initialized_mutable_array_is_refused_rather_than_reset_wrongly():
    with pytest.raises(BadInput, match="initialized array"):
        reset_lines("static float tms_x[2] = {1.0f, 2.0f};", "node")


def test_a_declaration_it_cannot_read_is_refused():
    with pytest.raises(BadInput, match="cannot reset"):
        reset_lines("static float (*tms_fp)(void);", "node")


def test_the_samples_declarations_all_reset():
    from codegen.export.plan import pipeline_parts
    from studio.core.boards import boards
    from studio.core.project import load_project

    root = Path(__file__).resolve().parents[2] / "sample_projects" / "kws" / "kws.tinyml"
    project = load_project(root)
    parts = pipeline_parts(project, boards().get(project.board_id))
    lines = [ln for s in parts.stages for ln in reset_lines(s.declarations, s.node_id)]
    declared = set(re.findall(r"static (?!const)[\w ]+?\b(tms_\w+)\s*[\[;=,]", "\n".join(s.declarations for s in parts.stages)))
    assert declared and declared <= {re.match(r"memset\(&(\w+)", ln).group(1) for ln in lines if ln.startswith("memset")}
