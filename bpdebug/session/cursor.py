"""Where the cursor can go in a trace: pure functions, no Textual, so they are cheap to test."""

from __future__ import annotations

from functools import lru_cache

from bpdebug.engine import Trace


@lru_cache(maxsize=16)
def group_starts(trace: Trace) -> tuple[int, ...]:
    """The index of the first step of each (phase, layer) group, in order (cached per trace)."""
    starts: list[int] = []
    previous = None
    for step in trace.steps:
        key = (step.phase, step.layer)
        if key != previous:
            starts.append(step.index)
            previous = key
    return tuple(starts)


def next_group(trace: Trace, index: int) -> int:
    """The first step of the next layer group (or the last step)."""
    for start in group_starts(trace):
        if start > index:
            return start
    return len(trace) - 1


def previous_group(trace: Trace, index: int) -> int:
    """The start of this group if inside it, else the start of the group before."""
    earlier = [s for s in group_starts(trace) if s < index]
    return earlier[-1] if earlier else 0
