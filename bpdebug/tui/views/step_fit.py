"""How the step panel's content fits the panel: the matrices in two dimensions, giving up
detail in a fixed order until the lines fit its rows and columns.

`step_text` says what a step shows; this module decides how much of it the panel has room
for, and writes the values with the notation's two-dimensional writer (`notation/grid.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from bpdebug.engine import Trace
from bpdebug.notation import grid, text
from bpdebug.notation import layout as lay
from bpdebug.notation.boxes import Mo, Row
from bpdebug.notation.grid import most_detail
from bpdebug.tui.views.step_text import Line, Parts, step_parts


def _wrap(line: Text, width: int, console: Console) -> list[Text]:
    if line.cell_len <= width:
        return [line]
    return list(line.wrap(console, width))


LEVELS = lay.DETAIL  # the detail the values are written with, tried in turn until they fit
RELATION = "  = "  # the lead of a value on a row of its own


class _Written:
    """The value lines of one step written at each level of detail, each once."""

    def __init__(self, parts: Parts, width: int) -> None:
        self.parts, self.width = parts, width
        self._done: dict[tuple[int, object, str], list[Text] | None] = {}
        self._joined: Line | None = None
        self._widths: dict[tuple[int, int], int] = {}

    def line(self, line: Line, level: int, which: str = "") -> list[Text] | None:
        """The line at `level`, as rows of the panel; None when it can't fit the width.
        Written once for all the levels that write its matrices alike."""
        key = (id(line), line.written_as(LEVELS[level]), which)
        if key not in self._done:
            self._done[key] = self._write(line, LEVELS[level], which == "shape")
        return self._done[key]

    def _write(self, line: Line, keep: lay.Keep | None, shaped: bool) -> list[Text] | None:
        box = line.body(keep)
        blocks = grid.flow(box, self.width, line.lead)
        lead = len(line.lead)
        above: list[str] = []
        if blocks is None and line.lead.endswith(" = ") and lead > len(RELATION):
            blocks = grid.flow(box, self.width, RELATION)  # a long lead on a row of its own
            above, lead = [line.lead.removesuffix(" = ")], len(RELATION)
        if blocks is None:
            if keep is not None:
                return None
            return [Text(line.lead + text(line.body(None)))]  # wrapped at the end, as ever
        rows = grid.flatten(blocks)
        if shaped and self.parts.shape and not any(map(_elided, rows)):
            base = blocks[0].base  # the shape on the value's middle row, where it fits
            tail = f"   ({self.parts.shape})"
            if len(rows[base]) + len(tail) <= self.width:
                rows[base] += tail
        out = [Text(row) for row in above if len(row) <= self.width]
        if len(out) < len(above):
            return None
        for k, row in enumerate(rows):
            t = Text(row[:lead]) if line.bold else Text(row)
            if line.bold:
                t.append(row[lead:], style="bold")
            if shaped and k == blocks[0].base and row.endswith(")") and self.parts.shape:
                t.stylize("dim", len(row) - len(self.parts.shape) - 2)
            out.append(t)
        return out

    def too_wide(self, cols: int, numbers: bool) -> bool:
        """Whether, with `cols` columns of each matrix, some line can't fit the width (the
        result's own columns are chosen apart, so only the numbers count here)."""
        line = self.parts.numbers
        if not numbers or line is None:
            return False
        key = (id(line), cols)
        if key not in self._widths:
            self._widths[key] = line.least_width(cols)
        return self._widths[key] > self.width

    def result(self, line: Line, level: int, which: str = "") -> list[Text] | None:
        """A result with as many columns as fit the width, in the rows it takes at `level`:
        the value is what the panel is for, so it keeps more than the numbers."""
        at_level = self.line(line, level, which)
        keep = LEVELS[level]
        if at_level is None or keep is None:
            return at_level
        rows_at, rows = lay.KEEP_ROWS.index(keep.rows), len(at_level)

        def fits(cols: int) -> bool:
            if line.least_width(cols) > self.width:
                return False
            more = self.line(line, lay.detail(rows_at, lay.KEEP_COLS.index(cols)), which)
            return more is not None and len(more) <= rows

        cols = most_detail(fits, [c for c in lay.KEEP_COLS if c >= keep.cols])
        if cols is None:
            return at_level
        return self.line(line, lay.detail(rows_at, lay.KEEP_COLS.index(cols)), which)

    def joined(self, level: int) -> list[Text] | None:
        """The numbers and the result in one formula, `= numbers = result`, broken where
        needed: fewer rows than the two apart when they fit side by side."""
        if self._joined is None:
            numbers, first = self.parts.numbers, self.parts.result[0]
            if numbers is None or not isinstance(first, Line):
                return None
            self._joined = Line(
                numbers.lead,
                lambda keep: Row((numbers.body(keep), Mo("="), first.body(keep))),
                shapes=numbers.shapes + first.shapes,
            )
        return self.line(self._joined, level, "joined")


def _one_that_fits(
    line: Text | tuple[Text | Line | list[Text], ...],
    width: int,
    written: _Written,
    wrap: Callable[[Text], list[Text]],
) -> list[Text]:
    """A line's rows: the first of its forms that fits the width (a Text on one row, rows
    of Text, a Line in two dimensions), else the last, wrapped."""
    forms = (line,) if isinstance(line, Text) else line
    for form in forms:
        if isinstance(form, Text) and form.cell_len <= width:
            return [form]
        if isinstance(form, list) and all(row.cell_len <= width for row in form):
            return form
        if isinstance(form, Line):
            rows = written.line(form, 0)
            if rows is not None:
                return [Text(r.plain, style="bold yellow") for r in rows]
    last = forms[-1]
    return wrap(last) if isinstance(last, Text) else []


def _at(rows_at: int) -> Callable[[int], int]:
    """The level of KEEP_ROWS[rows_at] rows and a number of columns."""
    return lambda cols: lay.detail(rows_at, lay.KEEP_COLS.index(cols))


def _cached(
    memo: dict[tuple[int, bool, bool, bool], list[Text] | None],
    key: tuple[int, bool, bool, bool],
    make: Callable[[], list[Text] | None],
) -> list[Text] | None:
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _elided(row: str) -> bool:
    return "⟨" in row or any(c in row for c in "ₓ⋯⋮")


def fit(parts: Parts, width: int, height: int, console: Console) -> list[Text]:
    """The lines that fit `height` rows of `width` cells, giving up detail in a fixed order
    until they fit: the note, then detail in the matrices (their middle rows and columns),
    the formula (the tape shows it), the optional lines (the gradient check, the edit's Δ),
    the numbers; a matrix is written by its shape only when nothing else fits. The header
    and the result always stay; a row of a matrix is never broken across lines."""
    width = max(width, 1)
    header = next((h for h in parts.headers if h.cell_len <= width), None)
    if header is None:  # not even the shortest form fits: cut it
        header = parts.headers[-1].copy()
        header.truncate(width, overflow="ellipsis")
    written = _Written(parts, width)

    def wrap(line: Text | None) -> list[Text]:
        return _wrap(line, width, console) if line is not None else []

    def values(level: int, numbers: bool, joined: bool, named: bool = False) -> list[Text] | None:
        """The numbers (if asked) and the result lines at `level`; `named`: the formula is not
        shown either, so the result carries its symbol (∂L/∂W⁽²⁾ = …)."""
        if joined:
            both = written.joined(level)
            if both is None:
                return None
            rest = [
                written.line(r, level) if isinstance(r, Line) else wrap(r) for r in parts.result[1:]
            ]
            return (
                None if any(r is None for r in rest) else both + [w for r in rest for w in r or []]
            )
        out: list[Text] = []
        if numbers and parts.numbers is not None:
            lines = written.line(parts.numbers, level)
            if lines is None:
                return None
            out += lines
        results = list(parts.result)
        if not numbers and named and parts.result_named is not None:
            results[0] = parts.result_named  # the result now says what it is
        elif not numbers and parts.result_alone is not None:
            results[0] = parts.result_alone
        for k, r in enumerate(results):
            lines = (
                written.result(r, level, "shape" if k == 0 else "")
                if isinstance(r, Line)
                else wrap(r)
            )
            if lines is None:
                return None
            out += lines
        return out

    formula = wrap(parts.formula)
    optional = [_one_that_fits(line, width, written, wrap) for line in parts.optional]
    note = wrap(parts.note)

    def body(level: int, numbers: bool, room: int, named: bool = False) -> list[Text] | None:
        """The values at `level` in `room` rows: the numbers and the result apart, else in
        one formula (fewer rows when they fit side by side); None if neither fits."""
        keep = LEVELS[level]
        if keep is not None and written.too_wide(keep.cols, numbers):
            return None  # some matrix alone is wider than the panel: not worth writing
        least = sum(r.least_rows(keep) if isinstance(r, Line) else 1 for r in parts.result)
        if numbers and parts.numbers is not None:
            alone = parts.numbers.least_rows(keep)
            least = min(least + alone, max(least, alone))  # apart, or side by side
        if least > room:
            return None  # too tall whatever the width: not worth writing
        apart = _cached(
            bodies, (level, numbers, False, named), lambda: values(level, numbers, False, named)
        )
        if apart is not None and len(apart) <= room:
            return apart
        if not numbers:
            return None
        joined = _cached(
            bodies, (level, numbers, True, False), lambda: values(level, numbers, True)
        )
        return joined if joined is not None and len(joined) <= room else None

    bodies: dict[tuple[int, bool, bool, bool], list[Text] | None] = {}

    def attempt(
        levels: str, numbers: bool, with_formula: bool, extra: list[list[Text]], note_: bool
    ) -> list[Text] | None:
        """The lines at the most detail that fits, or None. `levels`: "most" (every matrix
        as far as it may be written), "elided" (the most rows whose matrices fit the room,
        then the most columns that fit the width) or "shapes"."""
        named = not with_formula and not numbers  # nothing above the result names it
        fixed = 1 + len(formula) * with_formula + sum(map(len, extra)) + len(note) * note_
        room = height - fixed
        lines = None
        if levels == "most":
            lines = body(0, numbers, room, named)
        elif levels == "shapes":
            lines = body(len(LEVELS) - 1, numbers, room, named)
        else:
            for rows_at in range(len(lay.KEEP_ROWS)):
                level = _at(rows_at)
                cols = most_detail(
                    lambda c, level=level: body(level(c), numbers, room, named) is not None,  # type: ignore[misc]
                    lay.KEEP_COLS,
                )
                if cols is not None:
                    lines = body(level(cols), numbers, room, named)
                    break
        if lines is None:
            return None
        tail = [w for o in extra for w in o]
        return [header, *formula * with_formula, *lines, *tail, *note * note_]

    warnings = optional[: parts.warnings]
    stages = [("most", True, True, optional, True)]
    for keep_optional in range(len(optional), parts.warnings - 1, -1):
        kept = optional[:keep_optional]
        stages.append(("elided", True, True, kept, False))
        if keep_optional > parts.warnings:  # the formula gives way to an optional line
            stages.append(("elided", True, False, kept, False))  # (the tape shows it too)
    for keep_optional in range(len(optional), parts.warnings, -1):  # the numbers go, then
        stages.append(("elided", False, False, optional[:keep_optional], False))  # the formula
    stages += [
        ("elided", False, True, warnings, False),
        ("elided", False, False, warnings, False),
        ("shapes", True, True, warnings, False),
        ("shapes", False, True, warnings, False),
        ("shapes", False, False, [], False),
    ]
    for stage in stages:
        lines = attempt(*stage)
        if lines is not None:
            return lines
    last = values(len(LEVELS) - 1, False, False) or []
    return [header, *last][:height]


def tallest(trace: Trace, width: int, most: int, digits: int | None, console: Console) -> int:
    """The rows the trace's tallest step takes at `width`, at most `most`."""
    need = 0
    for step in trace.steps:
        need = max(need, len(fit(step_parts(trace, step, digits=digits), width, most, console)))
        if need >= most:
            break
    return need
