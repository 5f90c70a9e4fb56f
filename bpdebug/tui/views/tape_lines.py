"""The tape's lines: a heading per phase and layer, then a line per step with its formula."""

from __future__ import annotations

from dataclasses import dataclass

from bpdebug.engine import Trace


@dataclass(frozen=True)
class TapeLine:
    text: str
    step: int | None  # None for a group heading
    phase: str


def tape_lines(trace: Trace) -> list[TapeLine]:
    """A heading per phase and layer, then a line per step (from the plan: no values)."""
    lines: list[TapeLine] = []
    group = None
    for index, s in enumerate(trace.plan.steps):
        if (s.phase, s.layer) != group:
            group = (s.phase, s.layer)
            where = f"layer {s.layer}" if s.layer is not None else "loss"
            lines.append(TapeLine(f"{s.phase} · {where}", None, s.phase))
        lines.append(TapeLine(f"{index + 1:>3} {s.formula}", index, s.phase))
    return lines
