"""What the step panel says, and how it fits the panel.

A step is shown as a header, its formula, the formula with its numbers, its result and a few
optional lines (a non-finite warning, what changed since an edit, the gradient check, a
note). When the panel is short the note goes first, then the numbers shrink (matrices elided
to their shapes), then the other optional lines go; the result is never the part cut off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.text import Text

from ..engine import Step, Trace
from ..engine.plan import KIND_TITLES
from ..notation import DIGITS, INLINE_MAX, Equation, num, shape_text, text
from ..notation import layout as lay
from ..notation.numbers import changed
from .phases import FALLBACK

PHASE_MARK = {"forward": "▶ FORWARD", "backward": "◀ BACKWARD", "update": "⟳ UPDATE"}
SHRINK = (INLINE_MAX, 4, 2, 1)  # entries a matrix may show in the numbers line, tried in turn


@dataclass
class Parts:
    """The step panel's content, before it is fitted to the panel."""

    headers: list[Text]  # the longest that fits one line is shown
    formula: Text
    numbers: Callable[[int], Text] | None  # the numbers line with matrices of ≤ n entries
    result: list[Text]  # never dropped
    optional: list[Text]  # dropped from the last when space runs out (after the note)
    note: Text | None = None  # the first to go
    warnings: int = 0  # the first optional lines warn of nan/inf: they go last of all
    result_alone: Text | None = None  # the first result line when the numbers are not shown
    shape: str = ""  # the result's shape, after the result where it fits


def _eq_line(
    lead: str, eq: Equation, digits: int | None, example: int | None
) -> Callable[[int], Text]:
    def line(max_entries: int) -> Text:
        body = text(lay.numbers(eq, digits, max_entries, example))
        return Text(f"{lead}{body}")

    return line


def _value_text(value: object, digits: int | None) -> str:
    return text(lay.value_box(value, digits, INLINE_MAX).box)


def _result_line(value: object, digits: int | None, lead: str = "  = ") -> Text:
    line = Text(lead)
    line.append(_value_text(value, digits), style="bold")
    return line


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


def _change_line(step: Step, before: Step, digits: int | None, since: str) -> Text | None:
    """What the result was (`since`: "before the edit", "in the file") and how far it moved."""
    if not changed(step.value, before.value):
        return None
    new, old = np.asarray(step.value), np.asarray(before.value)
    with np.errstate(all="ignore"):
        delta = new - old
    if delta.size <= INLINE_MAX:
        was, moved = _value_text(before.value, digits), _value_text(delta, digits)
        word = "in the file" if since == "in the file" else "was"  # the title says which action
        return Text(f"  {word} {was}   Δ {moved}", style="bold yellow")
    moved_n = int(np.count_nonzero(delta))
    finite = np.abs(delta[np.isfinite(delta)])
    largest = num(float(finite.max()), 3) if finite.size else "nan"
    text_ = f"  {moved_n} of {delta.size} entries differ from {since}, max |Δ| {largest}"
    return Text(text_, style="bold yellow")


def _loss_after_lines(trace: Trace, step: Step, digits: int | None) -> list[Text]:
    before, after = float(trace.loss), float(step.value)
    change = after - before
    lines = [Text(f"  before  L  = {num(before, digits)}")]
    last = Text(f"  after   L′ = {num(after, digits)}", style="bold")
    if np.isfinite(change):
        pct = f", {change / before:+.2%}" if before else ""
        last.append(f"   ({'+' if change > 0 else ''}{num(change, 3)}{pct})", style="dim")
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
    numbers: Callable[[int], Text] | None = None
    shape = ""
    result_alone = None
    if step.kind == "loss_after":
        result = _loss_after_lines(trace, step, digits)
    elif example is None or step.phase == "update":
        eq = step.equation(veiled)
        numbers = _eq_line(f"  {step.relation} ", eq, digits, None)
        result = [_result_line(step.value, digits)]
        shape = shape_text(np.shape(step.value))
    else:
        own, mean = trace.for_example(step.index, example, veiled)
        lhs = text(lay.lay(own.lhs, (), lay.Setting()).box)
        numbers = _eq_line(f"{lhs} = ", own, digits, example)
        result = [_result_line(own.value, digits)]
        result_alone = _result_line(own.value, digits, f"{lhs} = ")
        shape = shape_text(np.asarray(own.value).shape)
        if mean is not None:
            mean_lhs = text(lay.lay(mean.lhs, (), lay.Setting()).box)
            mean_rhs = text(lay.numbers(mean, digits))
            result.append(_result_line(mean.value, digits, f"{mean_lhs} = {mean_rhs} = "))
    optional: list[Text] = []
    change = _change_line(step, before, digits, since) if before is not None else None
    if step.index in trace.nonfinite_steps:
        optional.append(Text(f"⚠ {trace.diagnosis()}", style="bold red"))
    if change is not None:
        optional.append(change)
    if extra:  # the gradient check's verdict
        good = extra.startswith("✓")
        optional.append(Text(extra, style="bold green" if good else "bold red"))
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
        warnings=int(step.index in trace.nonfinite_steps),
    )


def _wrap(line: Text, width: int, console: Console) -> list[Text]:
    if line.cell_len <= width:
        return [line]
    return list(line.wrap(console, width))


def fit(parts: Parts, width: int, height: int, console: Console) -> list[Text]:
    """The lines that fit `height` rows of `width` cells, wrapped, giving up detail in a
    fixed order until they fit: the note, then the numbers' matrices (elided to their shapes),
    the optional lines, the numbers, the formula. The header and the result always stay."""
    width = max(width, 1)

    def wrap(line: Text | None) -> list[Text]:
        return _wrap(line, width, console) if line is not None else []

    header = next((h for h in parts.headers if h.cell_len <= width), None)
    if header is None:  # not even the shortest form fits: cut it
        header = parts.headers[-1].copy()
        header.truncate(width, overflow="ellipsis")

    def results(first_line: Text) -> list[Text]:
        """The result lines; the first gets its shape where that costs no extra row."""
        first = wrap(first_line)
        if parts.shape and "⟨" not in first_line.plain:  # an elided value says its shape
            shaped = wrap(first_line + Text(f"   ({parts.shape})", style="dim"))
            first = shaped if len(shaped) == len(first) else first
        return first + [w for line in parts.result[1:] for w in wrap(line)]

    result = results(parts.result[0])
    formula = wrap(parts.formula)
    optional = [wrap(line) for line in parts.optional]
    note = wrap(parts.note)
    detail = 0  # index into SHRINK
    numbers = wrap(parts.numbers(SHRINK[0])) if parts.numbers is not None else []

    def lines() -> list[Text]:
        extra = [w for o in optional for w in o]
        return [header] + formula + numbers + result + extra + note

    def shrink() -> bool:
        nonlocal numbers, detail
        if parts.numbers is None or detail + 1 >= len(SHRINK):
            return False
        detail += 1
        numbers = wrap(parts.numbers(SHRINK[detail]))
        return True

    while len(lines()) > height:
        if note:
            note = []
        elif shrink():
            continue
        elif len(optional) > parts.warnings:
            optional.pop()  # the check, then the edit's Δ
        elif numbers:
            numbers = []
            if parts.result_alone is not None:  # the result now says what it is
                result = results(parts.result_alone)
        elif formula:
            formula = []
        elif optional:
            optional.pop()  # the non-finite warning, last of all
        else:
            break
    return lines()[:height]


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
