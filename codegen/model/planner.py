"""Static memory planner: places every intermediate buffer at a fixed offset in one arena.

A buffer lives from the op that writes it to the last op that reads it (closed interval of op
positions). Two buffers may share bytes only if their lifetimes are disjoint. The lower bound is
the largest total size of buffers alive at any one op: no placement can do better without
computing in place. Several greedy orders are tried and the smallest arena is kept; on chain
models (at most two buffers alive at once) the search reaches the bound.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Buffer:
    key: int
    size_bytes: int
    first_op: int
    last_op: int
    align_bytes: int = 1


@dataclass(frozen=True)
class ArenaPlan:
    offsets: dict  # Buffer.key -> byte offset in the arena
    arena_bytes: int
    lower_bound_bytes: int


def lower_bound_bytes(buffers: list[Buffer]) -> int:
    """Max over op positions of the summed size of buffers alive there."""
    if not buffers:
        return 0
    points = sorted({b.first_op for b in buffers})
    # the live set only grows at a buffer's first op, so those points suffice
    return max(sum(b.size_bytes for b in buffers if b.first_op <= p <= b.last_op) for p in points)


def _overlaps(a: Buffer, b: Buffer) -> bool:
    return a.first_op <= b.last_op and b.first_op <= a.last_op


def _place(order: list[Buffer]) -> tuple[dict, int]:
    placed: list[tuple[int, int, Buffer]] = []  # (offset, end, buffer)
    offsets = {}
    top = 0
    for buf in order:
        busy = sorted((o, e) for o, e, other in placed if _overlaps(buf, other))
        offset = 0
        for o, e in busy:  # first gap that fits, respecting alignment
            offset = _align(offset, buf.align_bytes)
            if offset + buf.size_bytes <= o:
                break
            offset = max(offset, e)
        offset = _align(offset, buf.align_bytes)
        offsets[buf.key] = offset
        placed.append((offset, offset + buf.size_bytes, buf))
        top = max(top, offset + buf.size_bytes)
    return offsets, top


def _align(value: int, align: int) -> int:
    return (value + align - 1) // align * align if align > 1 else value


def plan_arena(buffers: list[Buffer]) -> ArenaPlan:
    """The smallest placement found by several greedy orders."""
    bound = lower_bound_bytes(buffers)
    if not buffers:
        return ArenaPlan({}, 0, 0)
    orders = [
        sorted(buffers, key=lambda b: (-b.size_bytes, b.first_op, b.key)),
        sorted(buffers, key=lambda b: (b.first_op, -b.size_bytes, b.key)),
        sorted(buffers, key=lambda b: (-(b.last_op - b.first_op), -b.size_bytes, b.key)),
        sorted(buffers, key=lambda b: (-b.size_bytes * (b.last_op - b.first_op + 1), b.key)),
    ]
    best = None
    for order in orders:
        offsets, top = _place(order)
        if best is None or top < best[1]:
            best = (offsets, top)
        if top <= bound:
            break
    return ArenaPlan(best[0], best[1], bound)
