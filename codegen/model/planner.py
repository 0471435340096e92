"""Static memory planner: places every intermediate buffer at a fixed offset in one arena.

A buffer lives from the op that writes it to the last op that reads it (closed interval of op
positions). Two buffers alive together may not share bytes, with one exception: an op's output
may overlap the input that dies at that op when the output starts at most ``max_shift`` bytes
after the input (see ``inplace``), because the kernel reads each input byte before it writes
over it.

The classic lower bound is the largest total size of buffers alive at any one op; in-place
overlaps let the arena go below it. Several greedy orders are tried, each either first-fit or
"extremes first" (a buffer goes to the bottom or the top of a target size, which places chains
exactly at the bound), and the smallest arena wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Buffer:
    key: int
    size_bytes: int
    first_op: int
    last_op: int
    align_bytes: int = 1


@dataclass(frozen=True)
class InPlace:
    """``output`` may start at most ``max_shift`` bytes after ``input`` (usually <= 0)."""

    input: int
    output: int
    max_shift: int


@dataclass(frozen=True)
class ArenaPlan:
    offsets: dict  # Buffer.key -> byte offset in the arena
    arena_bytes: int
    lower_bound_bytes: int
    overlaps: tuple = field(default_factory=tuple)  # InPlace pairs that ended up overlapping


def lower_bound_bytes(buffers: list[Buffer]) -> int:
    """Max over op positions of the summed size of buffers alive there."""
    if not buffers:
        return 0
    points = sorted({b.first_op for b in buffers})
    # the live set only grows at a buffer's first op, so those points suffice
    return max(sum(b.size_bytes for b in buffers if b.first_op <= p <= b.last_op) for p in points)


def _overlaps(a: Buffer, b: Buffer) -> bool:
    return a.first_op <= b.last_op and b.first_op <= a.last_op


def _align_up(value: int, align: int) -> int:
    return -((-value) // align) * align if align > 1 else value


def _forbidden(new: Buffer, other: Buffer, at: int, pairs: dict) -> tuple[int, int]:
    """Open interval of start offsets for ``new`` that clash with ``other`` placed at ``at``."""
    pair = pairs.get((other.key, new.key))
    if pair is not None:  # new is the output, other its dying input
        shift = max(pair.max_shift, -new.size_bytes)
        return at + shift, at + other.size_bytes
    pair = pairs.get((new.key, other.key))
    if pair is not None:  # new is the dying input, other the output
        shift = max(pair.max_shift, -other.size_bytes)
        return at - new.size_bytes, at - shift
    return at - new.size_bytes, at + other.size_bytes


def _place(order: list[Buffer], pairs: dict, target: int | None) -> tuple[dict, int]:
    placed: list[tuple[Buffer, int]] = []
    offsets: dict = {}
    low, high = 0, 0
    for buf in order:
        blocked = [_forbidden(buf, other, at, pairs) for other, at in placed
                   if _overlaps(buf, other)]
        preferred = [0] if target is None else [0, target - buf.size_bytes]
        candidates = preferred + sorted({v for lo, hi in blocked for v in (lo, hi)})
        best = None
        for raw in candidates:
            c = _align_up(raw, buf.align_bytes)
            if any(lo < c < hi for lo, hi in blocked):
                continue
            inside = c >= 0 and c + buf.size_bytes <= (target if target is not None else high)
            extent = max(high, c + buf.size_bytes) - min(low, c)
            rank = (0 if inside else 1, extent if not inside else 0,
                    candidates.index(raw) if raw in preferred else len(preferred), abs(c))
            if best is None or rank < best[0]:
                best = (rank, c)
        c = best[1]
        offsets[buf.key] = c
        placed.append((buf, c))
        low, high = min(low, c), max(high, c + buf.size_bytes)
    shift = -(-(-low) // 16) * 16 if low < 0 else 0  # keep every alignment after the shift
    return {k: v + shift for k, v in offsets.items()}, high + shift


def plan_arena(buffers: list[Buffer], in_place: list[InPlace] = ()) -> ArenaPlan:
    """The smallest placement found by several greedy strategies."""
    bound = lower_bound_bytes(buffers)
    if not buffers:
        return ArenaPlan({}, 0, 0)
    keys = {b.key for b in buffers}
    pairs = {(p.input, p.output): p for p in in_place if p.input in keys and p.output in keys}
    orders = [
        sorted(buffers, key=lambda b: (b.first_op, -b.size_bytes, b.key)),
        sorted(buffers, key=lambda b: (-b.size_bytes, b.first_op, b.key)),
        sorted(buffers, key=lambda b: (-(b.last_op - b.first_op), -b.size_bytes, b.key)),
        sorted(buffers, key=lambda b: (-b.size_bytes * (b.last_op - b.first_op + 1), b.key)),
    ]
    best = None
    for target in (None, bound):
        for order in orders:
            offsets, top = _place(order, pairs, target)
            if best is None or top < best[1]:
                best = (offsets, top)
    offsets, top = best
    by_key = {b.key: b for b in buffers}
    used = tuple(p for p in pairs.values()
                 if offsets[p.input] < offsets[p.output] + by_key[p.output].size_bytes
                 and offsets[p.output] < offsets[p.input] + by_key[p.input].size_bytes)
    return ArenaPlan(offsets, top, bound, used)
