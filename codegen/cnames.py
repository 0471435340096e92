"""Everything from a project that reaches generated C passes through here.

Project files come from other teams: a label or node id is untrusted text. It becomes either a
sanitized C identifier or an escaped C string literal, never raw text in the source.
"""
from __future__ import annotations

import hashlib
import re

_C_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed sizeof static struct switch
typedef union unsigned void volatile while _Bool _Complex _Imaginary""".split())


def c_identifier(name: str, max_len: int = 48) -> str:
    """A valid, readable C identifier for ``name``; distinct names that sanitize alike get a hash."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", name)[:max_len] or "x"
    if base[0].isdigit():
        base = "n" + base
    if base in _C_KEYWORDS or base.startswith("__") or (base != name):
        if base != name:
            base = f"{base}_{hashlib.sha256(name.encode('utf-8')).hexdigest()[:6]}"
        else:
            base = base + "_"
    return base


def c_string_literal(text: str) -> str:
    """``text`` as a C string literal: printable ASCII kept, everything else as octal escapes.

    Octal escapes have at most three digits, so a following digit cannot extend them (unlike \\x).
    The bytes are UTF-8, so the firmware prints the label back exactly.
    """
    out = ['"']
    for b in text.encode("utf-8"):
        ch = chr(b)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "?":  # no trigraphs
            out.append("\\?")
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    out.append('"')
    return "".join(out)


def json_string_literal(text: str) -> str:
    """``text`` as a JSON string (for the serial protocol), then as a C literal holding it."""
    import json

    return c_string_literal(json.dumps(text, ensure_ascii=False))


def c_comment(text: str) -> str:
    """Text safe inside a /* */ comment: no comment terminator, one line."""
    return re.sub(r"[\r\n]+", " ", text).replace("*/", "* /")
