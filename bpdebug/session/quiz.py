"""Quiz mode without Textual: which steps are asked, the answers given, the hint ladder, and
the score. The App shows a quiz; grading and the mistakes are the engine's (engine/grading.py).

A quizzed step's result is hidden until it is answered right or revealed. A wrong answer
opens the hint ladder: 1) the symbolic formula, 2) the formula with its numbers, 3) the value
(the step then counts as revealed). An answer is a whole value in the screen's notation
(`0.3775; 0.3925`, `[0.1, 0.2; 0.3, 0.4]`, `0.2984`) or one entry (`[1,0] = 0.25`, `[1] =
0.39`); entries answered one by one add up until all are right. Records are kept per
(iteration, step), so undo, redo, stepping back and breakpoints never lose an answer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from bpdebug.engine import Step, Trace
from bpdebug.engine.grading import (
    QUIZZABLE,
    QUIZZABLE_BY_PHASE,
    TOLERANCE,
    Variant,
    close,
    fit,
    grade,
)
from bpdebug.engine.vocabulary import KIND_TITLES
from bpdebug.notation.parse import matrix

HINTS = ("the formula", "the formula with its numbers", "the value")
ENTRY = re.compile(r"^\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]\s*=\s*(.+)$")


def parse_kinds(text: str) -> frozenset[str] | None:
    """'all' (None), phases ('backward') and kinds ('delta, dW') as the kinds to quiz."""
    words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
    if not words or words == ["all"]:
        return None
    kinds: set[str] = set()
    for word in words:
        if word in QUIZZABLE_BY_PHASE:
            kinds.update(QUIZZABLE_BY_PHASE[word])
        elif word in QUIZZABLE:
            kinds.add(word)
        else:
            known = ", ".join((*QUIZZABLE_BY_PHASE, *QUIZZABLE))
            raise ValueError(f"{word[:30]!r} is not a phase or a kind of step ({known}, all)")
    return frozenset(kinds)


@dataclass
class Record:
    """What happened on one quizzed step."""

    tries: int = 0
    wrong: int = 0
    hints: int = 0  # how far up the ladder (3: revealed)
    right: bool = False
    mistakes: list[str] = field(default_factory=list)  # the mistakes' keys, as met
    entries: np.ndarray | None = None  # entry answers so far (nan: not yet), in the value's shape
    shown_by: str = ""  # what showed the value before it was answered ("∂L/∂b⁽²⁾, step 10")

    @property
    def revealed(self) -> bool:
        return self.hints >= len(HINTS) or bool(self.shown_by)

    @property
    def done(self) -> bool:
        return self.right or self.revealed


class Outcome(NamedTuple):
    """What an answer did: whether it was right, a line to say, the known mistakes it matches,
    and which entries are right (None when it could not be read)."""

    right: bool
    said: str
    mistakes: list[Variant]
    marks: np.ndarray | None


class Quiz:
    def __init__(self, kinds: frozenset[str] | None = None, tol: float = TOLERANCE) -> None:
        self.kinds, self.tol = kinds, tol
        self.records: dict[tuple[int, int], Record] = {}
        self.summarised: set[int] = set()  # iterations whose summary was shown

    def asks(self, step: Step) -> bool:
        return self.asks_kind(step.kind)

    def asks_kind(self, kind: str) -> bool:
        if kind.startswith(("W_", "b_")) and kind not in QUIZZABLE:  # an optimizer's factor
            return self.kinds is None or "W_new" in self.kinds
        return kind in QUIZZABLE and (self.kinds is None or kind in self.kinds)

    def record(self, iteration: int, step: Step) -> Record:
        return self.records.setdefault((iteration, step.index), Record())

    def hides(self, iteration: int, step: Step) -> bool:
        """Whether the step's result is hidden: asked, and not yet right or revealed."""
        if not self.asks(step):
            return False
        r = self.records.get((iteration, step.index))
        return r is None or not r.done

    def hints_shown(self, iteration: int, step: Step) -> int:
        r = self.records.get((iteration, step.index))
        return 0 if r is None else r.hints

    def hidden(self, trace: Trace, iteration: int) -> set[int]:
        """The steps whose values are hidden now: asked, and not yet right or shown."""
        out = set()
        for index, planned in enumerate(trace.plan.steps):
            if self.asks_kind(planned.kind):
                r = self.records.get((iteration, index))
                if r is None or not r.done:
                    out.add(index)
        return out

    def show(self, iteration: int, index: int, by: str) -> None:
        """Step `index`'s value was shown before it was answered (`by` says how): it counts
        as shown, never as answered."""
        r = self.records.setdefault((iteration, index), Record())
        if not r.done:
            r.shown_by = by

    # ------------------------------------------------------------------ answering

    def answer(self, trace: Trace, iteration: int, step: Step, text: str) -> Outcome:
        """Grade a typed answer; ValueError (nothing recorded) when it can't be read."""
        r = self.record(iteration, step)
        if r.done:
            return Outcome(r.right, "already answered" if r.right else "already shown", [], None)
        entry = ENTRY.match(text)
        if entry:
            return self._entry(trace, step, r, entry)
        value = fit(_numbers(text), step.shape)
        r.tries += 1
        g = grade(trace, step, value, self.tol)
        if g.right:
            r.right = True
            return Outcome(True, _right_words(r), [], g.marks)
        r.wrong += 1
        r.mistakes += [v.key for v in g.mistakes if v.key not in r.mistakes]
        return Outcome(False, _wrong_words(g.marks, g.mistakes), g.mistakes, g.marks)

    def _entry(self, trace: Trace, step: Step, r: Record, entry: re.Match[str]) -> Outcome:
        right_value = np.asarray(step.value, dtype=float)
        if any(g is not None and len(g) > 9 for g in entry.groups()[:2]):  # no int of 5000 digits
            raise ValueError(f"that index is outside its {step.shape_text}")
        index = tuple(int(g) for g in entry.groups()[:2] if g is not None)
        if right_value.ndim == 0 or len(index) != right_value.ndim:
            raise ValueError(f"this value has {right_value.ndim} indices: {_index_hint(step)}")
        if any(i >= n for i, n in zip(index, right_value.shape, strict=True)):
            raise ValueError(f"[{','.join(map(str, index))}] is outside its {step.shape_text}")
        typed = _numbers(entry.group(3))
        if typed.size != 1:
            raise ValueError("one entry takes one number")
        if r.entries is None:
            r.entries = np.full(right_value.shape, np.nan)
        r.tries += 1
        r.entries[index] = float(typed.reshape(-1)[0])
        ok = bool(close(r.entries[index], right_value[index], right_value, self.tol))
        marks = close(r.entries, right_value, right_value, self.tol)
        if marks.all():
            r.right = True
            return Outcome(True, _right_words(r), [], marks)
        if not ok:
            r.wrong += 1
            return Outcome(False, f"✗ [{','.join(map(str, index))}] is not right", [], marks)
        left = int((~marks).sum())
        return Outcome(False, f"✓ that entry is right; {left} to go", [], marks)

    def hint(self, iteration: int, step: Step) -> str:
        """Climb the ladder one rung (after a wrong answer); what is now shown."""
        r = self.record(iteration, step)
        if r.done:
            return "already answered" if r.right else "the value is shown"
        if not r.wrong:
            return "answer first: a wrong answer opens the hints"
        r.hints += 1
        return f"hint {r.hints} of {len(HINTS)}: {HINTS[r.hints - 1]}"

    # ------------------------------------------------------------------ the score

    def rows(
        self, iteration: int, trace: Trace, by: str
    ) -> list[tuple[str, int, int, int, int, int]]:
        """Per phase or per kind: (name, asked, first try, answered, hints, revealed)."""
        table: dict[str, list[int]] = {}
        for step in trace.steps:
            if not self.asks(step):
                continue
            name = step.phase if by == "phase" else KIND_TITLES[step.kind]
            r = self.records.get((iteration, step.index), Record())
            row = table.setdefault(name, [0, 0, 0, 0, 0])
            row[0] += 1
            row[1] += int(r.right and r.wrong == 0 and r.hints == 0)
            row[2] += int(r.right)
            row[3] += r.hints
            row[4] += int(r.revealed)
        return [(name, *row) for name, row in table.items()]  # type: ignore[misc]

    def mistakes_met(self, iteration: int) -> Counter[str]:
        met: Counter[str] = Counter()
        for (it, _), r in self.records.items():
            if it == iteration:
                met.update(r.mistakes)
        return met


def _numbers(text: str) -> np.ndarray:
    """A typed value: a number, a vector or a matrix; ValueError with an example otherwise."""
    body = text.strip()
    if not body:
        raise ValueError(
            "type a value: 0.25, or a vector 0.1; 0.2, or a matrix [0.1, 0.2; 0.3, 0.4]"
        )
    try:
        value = matrix(body)
    except ValueError:
        raise ValueError(
            f"{body[:30]!r} is not a number, a vector (0.1; 0.2) or a matrix ([0.1, 0.2; 0.3, 0.4])"
        ) from None
    if not np.isfinite(value).all():
        raise ValueError("every entry must be a finite number")
    return value


def _index_hint(step: Step) -> str:
    return "[row,column] = value" if np.ndim(step.value) == 2 else "[row] = value"


def _right_words(r: Record) -> str:
    if r.wrong == 0 and r.hints == 0:
        return "✓ right, first try"
    return f"✓ right (after {r.wrong} wrong {'answer' if r.wrong == 1 else 'answers'})"


def _wrong_words(marks: np.ndarray, mistakes: list[Variant]) -> str:
    if mistakes:
        titles = " or ".join(v.title for v in mistakes)
        same = " (these give the same number here)" if len(mistakes) > 1 else ""
        return f"✗ {titles}{same}: {mistakes[0].why}"
    right = int(marks.sum())
    if marks.size > 1 and right:
        return f"✗ {right} of {marks.size} entries right"
    return "✗ not right"


SCORE_HEADER = ("", "asked", "first try", "right", "hints", "shown")


def score_table(quiz: Quiz, iteration: int, trace: Trace, by: str) -> list[str]:
    """The score as aligned text rows, per phase or per kind, with a total."""
    rows = [tuple(str(c) for c in row) for row in quiz.rows(iteration, trace, by)]
    if by == "phase" and rows:
        totals = [sum(int(r[k]) for r in rows) for k in range(1, 6)]
        rows.append(("all", *(str(t) for t in totals)))
    table = [SCORE_HEADER, *rows]
    widths = [max(len(r[k]) for r in table) for k in range(6)]
    return [
        "  ".join(
            c.rjust(w) if k else c.ljust(w) for k, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in table
    ]


def summary_markdown(quiz: Quiz, iteration: int, trace: Trace) -> str:
    """The score for the student's notes: per phase, per kind, and the mistakes met."""
    from bpdebug.engine.grading import MISTAKES

    name = trace.network.name or "network"
    lines = [f"# Quiz: {name}, iteration {iteration}", ""]
    lines += [f"Tolerance {quiz.tol:g} (relative). Asked: {describe_kinds(quiz.kinds)}.", ""]
    for by, title in (("phase", "By phase"), ("kind", "By kind of step")):
        table = quiz.rows(iteration, trace, by)
        lines += [
            f"## {title}",
            "",
            "| | asked | first try | right | hints | shown |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        lines += [f"| {n} | {a} | {f} | {r} | {h} | {s} |" for n, a, f, r, h, s in table]
        lines.append("")
    met = quiz.mistakes_met(iteration)
    lines += ["## Mistakes met", ""]
    if not met:
        lines.append("None.")
    for key, count in met.most_common():
        title, why = MISTAKES[key]
        lines.append(f"- **{title}** ({count}×): {why}")
    return "\n".join(lines) + "\n"


def describe_kinds(kinds: frozenset[str] | None) -> str:
    if kinds is None:
        return "every step (but L′)"
    return ", ".join(KIND_TITLES[k] for k in QUIZZABLE if k in kinds)
