"""What the step panel says, and how it fits the panel.

A step is shown as a header, its formula, the formula with its numbers, its result and a few
optional lines (a non-finite warning, what changed since an edit, the gradient check, a
note). When the panel is short the note goes first, then the numbers shrink (matrices elided
to their shapes), then the other optional lines go; the result is never the part cut off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from rich.text import Text

from bpdebug.engine import Step, Trace
from bpdebug.engine.vocabulary import KIND_TITLES
from bpdebug.notation import DIGITS, INLINE_MAX, Equation, num, shape_text, text
from bpdebug.notation import layout as lay
from bpdebug.notation.boxes import Box, Mi, Row
from bpdebug.notation.numbers import as_rows, changed
from bpdebug.tui.views.phases import FALLBACK

PHASE_MARK = {"forward": "▶ FORWARD", "backward": "◀ BACKWARD", "update": "⟳ UPDATE"}


class Line(NamedTuple):
    """A line of the panel that holds values: `lead` (`  = `, `z⁽¹⁾₂ = `) then a formula
    written at a level of detail (`keep`: how much of each large matrix; None: shapes)."""

    lead: str
    body: Callable[[lay.Keep | None], Box]
    bold: bool = False
    shapes: tuple[tuple[int, int], ...] = ()  # rows and columns of each matrix it writes
    firsts: tuple[np.ndarray, ...] = ()  # and their first rows (views: nothing copied)
    digits: int | None = DIGITS

    def least_rows(self, keep: lay.Keep | None) -> int:
        """Rows it needs at least at `keep`: its tallest matrix's, without writing it."""
        if keep is None or not self.shapes:
            return 1
        return max(min(n, keep.rows + 1) for n, _ in self.shapes)

    def written_as(self, keep: lay.Keep | None) -> object:
        """What of each matrix `keep` writes: levels that write the same are one."""
        if keep is None:
            return None
        return tuple(
            (lay.kept_count(n, keep.rows), lay.kept_count(m, keep.cols)) for n, m in self.shapes
        )

    def least_width(self, cols: int) -> int:
        """Cells it needs at least with `cols` columns of each matrix, without writing it:
        its widest matrix's first row (a column is never narrower than its first entry)."""
        most = 0
        for (n, m), first in zip(self.shapes, self.firsts, strict=True):
            if n * m == 1:
                continue
            kept = lay.kept(m, cols)
            cells = sum(len(num(first[j], self.digits)) if j is not None else 1 for j in kept)
            most = max(most, cells + 2 * (len(kept) - 1) + 2)
        return len(self.lead) + most


def _shapes(values: object) -> tuple[tuple[int, int], ...]:
    """The rows and columns each value is written with (a vector is a column)."""
    return tuple((r.shape[0], r.shape[1]) for r in _matrices(values))


def _firsts(values: object) -> tuple[np.ndarray, ...]:
    return tuple(r[0] for r in _matrices(values))


def _matrices(values: object) -> list[np.ndarray]:
    """Each value as the matrix it is written as (a vector is a column)."""
    return [as_rows(v) for v in values if v is not lay.HIDDEN]  # type: ignore[attr-defined]


@dataclass
class Parts:
    """The step panel's content, before it is fitted to the panel."""

    headers: list[Text]  # the longest that fits one line is shown
    formula: Text
    numbers: Line | None  # the formula with its numbers
    result: list[Line | Text]  # never dropped
    optional: list[Text | tuple[Text | Line | list[Text], ...]]  # dropped from the last when
    # space runs out (after the note); a tuple: the first of its forms that fits the width
    note: Text | None = None  # the first to go
    warnings: int = 0  # the first optional lines warn of nan/inf: they go last of all
    result_alone: Line | None = None  # the first result line when the numbers are not shown
    result_named: Line | None = None  # and when the formula is not either: its symbol first
    shape: str = ""  # the result's shape, after the result where it fits


def _styled(form: str | list[str], style: str) -> Text | list[Text]:
    return (
        Text(form, style=style) if isinstance(form, str) else [Text(f, style=style) for f in form]
    )


def _numbers_line(lead: str, eq: Equation, digits: int | None, example: int | None) -> Line:
    values = [
        np.asarray(op.value)[..., example] if op.per_example and example is not None else op.value
        for op in eq.operands
        if op.value is not lay.HIDDEN
    ]
    body = lambda keep: lay.numbers(eq, digits, 1, example, keep)  # noqa: E731
    return Line(lead, body, False, _shapes(values), _firsts(values), digits)


def _value_text(value: object, digits: int | None) -> str:
    return text(lay.value_box(value, digits, INLINE_MAX).box)


def _result_line(value: object, digits: int | None, lead: str = "  = ") -> Line:
    body = lambda keep: lay.value_box(value, digits, 1, keep).box  # noqa: E731
    return Line(lead, body, True, _shapes([value]), _firsts([value]), digits)


def _mean_line(mean: Equation, digits: int | None) -> Line:
    """'∂L/∂W⁽²⁾ = (1/4) Σₖ ∂Lₖ/∂W⁽²⁾ = [mean]': after one example's own term."""
    lhs = text(lay.lay(mean.lhs, (), lay.Setting()).box)
    rhs = text(lay.numbers(mean, digits))
    body = lambda keep: lay.value_box(mean.value, digits, 1, keep).box  # noqa: E731
    return Line(
        f"{lhs} = {rhs} = ", body, True, _shapes([mean.value]), _firsts([mean.value]), digits
    )


def _headers(trace: Trace, step: Step, example: int | None, colour: str | None) -> list[Text]:
    """The header line, longest first: the phase, step k of N, the layer, what the step
    computes and the example followed; shorter forms drop words to fit narrow panels."""
    where = [f"layer {step.layer}"] if step.layer is not None else []
    title = KIND_TITLES[step.kind]
    m = trace.network.batch_size
    mark = Text(PHASE_MARK[step.phase], style=f"bold {colour or FALLBACK[step.phase]}")
    at, of = step.index + 1, len(trace)
    forms = [
        [
            f"step {at} of {of}",
            *where,
            title,
            *([f"example {example} of {m}"] * (example is not None)),
        ],
        [f"{at}/{of}", *where, title, *([f"ex {example} of {m}"] * (example is not None))],
        [f"{at}/{of}", *where, *([f"ex {example} of {m}"] * (example is not None))],
    ]
    sep = [Text("  "), Text(" "), Text(" ")]
    return [mark + sep[k] + Text(" · ".join(f), style="bold") for k, f in enumerate(forms)]


def _change_line(
    step: Step, before: Step, digits: int | None, since: str
) -> tuple[Text | Line | list[Text], ...] | None:
    """What the result was (`since`: "before the edit", "in the file") and how far it moved:
    the values where they fit one line, else how many entries moved and how far."""
    if not changed(step.value, before.value):
        return None
    new, old = np.asarray(step.value), np.asarray(before.value)
    with np.errstate(all="ignore"):
        delta = new - old
    moved_n = int(np.count_nonzero(delta))
    finite = np.abs(delta[np.isfinite(delta)])
    largest = num(float(finite.max()), digits) if finite.size else "nan"
    summary = f"  {moved_n} of {delta.size} entries differ from {since}, max |Δ| {largest}"
    if delta.size > INLINE_MAX:
        return (Text(summary, style="bold yellow"),)
    was, moved = _value_text(before.value, digits), _value_text(delta, digits)
    word = "in the file" if since == "in the file" else "was"  # the title says which action
    values = Text(f"  {word} {was}   Δ {moved}", style="bold yellow")
    box = Row((lay.value_box(before.value, digits, INLINE_MAX).box, Mi("   Δ ")), tight=True)
    box = Row((box, lay.value_box(delta, digits, INLINE_MAX).box), tight=True)
    tall = Line(f"  {word} ", lambda keep: box, False, _shapes([delta]), _firsts([delta]), digits)
    pad = " " * (len(word) - 1)
    stacked = [
        Text(f"  {word} {was}", style="bold yellow"),
        Text(f"  {pad}Δ {moved}", style="bold yellow"),
    ]
    short = f"  {moved_n} of {delta.size} differ, max |Δ| {largest}"  # a narrow panel's
    return (
        values,
        tall,
        stacked,
        Text(summary, style="bold yellow"),
        Text(short, style="bold yellow"),
    )


def _loss_after_lines(trace: Trace, step: Step, digits: int | None) -> list[Text]:
    before, after = float(trace.loss), float(step.value)
    change = after - before
    lines = [Text(f"  before  L  = {num(before, digits)}")]
    last = Text(f"  after   L′ = {num(after, digits)}", style="bold")
    if np.isfinite(change):
        pct = f", {change / before:+.2%}" if before else ""
        last.append(f"   ({'+' if change > 0 else ''}{num(change, digits)}{pct})", style="dim")
    return lines + [last]


def step_parts(
    trace: Trace,
    step: Step,
    before: Step | None = None,
    extra: str = "",
    digits: int | None = DIGITS,
    example: int | None = None,
    colour: str | None = None,
    since: str = "before the edit",
    veiled: frozenset[int] = frozenset(),
) -> Parts:
    """Everything the step panel could say about `step`, best first (`since` names what
    `before` is: "before the edit", "in the file"; the operands computed by the steps `veiled`
    are written `?`: a quiz still asks for them)."""
    if example is not None and trace.network.batch_size == 1:
        example = None
    formula = Text(step.formula, style="bold")
    numbers: Line | None = None
    shape = ""
    result_alone = result_named = None
    result: list[Line | Text]
    if step.kind == "loss_after":
        result = [*_loss_after_lines(trace, step, digits)]
    elif example is None or step.phase == "update":
        eq = step.equation(veiled)
        numbers = _numbers_line(f"  {step.relation} ", eq, digits, None)
        result = [_result_line(step.value, digits)]
        result_named = _result_line(step.value, digits, f"{step.symbol} {step.relation} ")
        shape = shape_text(np.shape(step.value))
    else:
        own, mean = trace.for_example(step.index, example, veiled)
        lhs = text(lay.lay(own.lhs, (), lay.Setting()).box)
        numbers = _numbers_line(f"{lhs} = ", own, digits, example)
        result = [_result_line(own.value, digits)]
        result_alone = result_named = _result_line(own.value, digits, f"{lhs} = ")
        shape = shape_text(np.asarray(own.value).shape)
        if mean is not None:
            result.append(_mean_line(mean, digits))
        elif step.per_example:  # the formula for this example: δ⁽¹⁾₂ = ∂L/∂a⁽¹⁾₂ ⊙ σ′(z⁽¹⁾)₂
            formula = Text(text(lay.symbolic(own, example)), style="bold")
    optional: list[Text | tuple[Text | Line | list[Text], ...]] = []
    change = _change_line(step, before, digits, since) if before is not None else None
    if step.index in trace.nonfinite_steps:
        optional.append(Text(f"⚠ {trace.diagnosis()}", style="bold red"))
    if change is not None:
        optional.append(change)
    if extra:  # the gradient check's verdict with its costs, then shorter forms
        style = "bold green" if extra.startswith("✓") else "bold red"
        verdict, _, costs = extra.partition(". Backprop")
        backprop, _, differences = f"Backprop{costs}".partition("; ")
        forms = (
            extra,
            [f"{verdict}.", f"{backprop};", differences],
            verdict,
            verdict.split(":")[0],
        )
        optional.append(tuple(_styled(f, style) for f in forms))
    note = Text(step.note, style="italic dim") if step.note else None
    return Parts(
        headers=_headers(trace, step, example, colour),
        formula=formula,
        numbers=numbers,
        result=result,
        optional=optional,
        note=note,
        shape=shape,
        result_alone=result_alone,
        result_named=result_named,
        warnings=int(step.index in trace.nonfinite_steps),
    )


def quizzed(parts: Parts, step: Step, hints: int) -> Parts:
    """The parts a quiz shows of a step it asks for: the question, and the hints climbed so
    far (1: the formula, 2: its numbers); never the value, which a right answer or the last
    hint shows (the step then is shown whole)."""
    ask = Text(f"? {step.symbol} = ?", style="bold")
    ask.append(f"   ({step.shape_text})", style="dim")
    prompt = Text("  a answers · h shows a hint after a wrong answer · S the score", style="dim")
    return Parts(
        headers=parts.headers,
        formula=parts.formula if hints >= 1 else ask,
        numbers=parts.numbers if hints >= 2 else None,
        result=[prompt],
        optional=[],
        note=parts.note if hints >= 1 else None,
    )
