"""What the values panel shows: the step's result and operands as labelled matrices
(blocks), each followed, after an edit, by what it was and the difference Δ; the gradient
check's blocks after the result. The widget (widgets/values.py) only draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpdebug.engine import Step
from bpdebug.engine.activations import Array
from bpdebug.engine.params import ParamRef
from bpdebug.notation import DIGITS, num, shape_text
from bpdebug.notation.numbers import as_rows, cell_width, changed

PARAM_NAMES = {"x": "input x", "y": "target y", "lr": "learning rate"}


@dataclass(frozen=True)
class Block:
    """One labelled matrix: a title line, a column-number line if wide, then its rows."""

    title: str
    role: str  # "read", "result", "before", "delta", "numeric", "error" or "hidden"
    matrix: Array  # always 2-D
    # The parameter it has one value per entry of ("W1", "b2", "x", "y", "lr"): W⁽¹⁾ itself,
    # ∂L/∂W⁽¹⁾ or the updated W⁽¹⁾. Its cells choose that parameter's entries (▸ marks one).
    param: str | None = None
    per_example: bool = False  # one column per example: the followed one is marked
    cell: int = 12  # characters per entry, the marker and a space included

    @property
    def header_lines(self) -> int:
        return 2 if self.matrix.shape[1] > 1 else 1

    @property
    def height(self) -> int:
        return self.header_lines + int(self.matrix.shape[0]) + 1  # a blank line after


@dataclass(frozen=True)
class ValuesShown:
    """What the values panel draws: its blocks, the parameter ▸ marks, the precision and the
    followed example (its column is marked in blocks with one column per example)."""

    blocks: tuple[Block, ...] = ()
    selected: ParamRef | None = None
    digits: int | None = DIGITS
    example: int | None = None


as_matrix = as_rows  # scalars become 1×1 and vectors (b) columns, as in the math


def make_block(
    title: str,
    role: str,
    value: object,
    digits: int | None,
    param: str | None = None,
    per_example: bool = False,
) -> Block:
    """A block whose cells are as wide as its widest number needs (at `digits`)."""
    m = as_rows(value)
    if m.size <= 64:  # exact: as wide as the widest entry is written
        widest = max((len(entry_text(float(v), role, digits)) for v in m.flat), default=1)
    else:  # a bound read from the entries' range, with a Δ's "+", "-inf!" and "-1.2e-05"
        widest = max(cell_width(m, digits) + (role == "delta"), 5, 8 * (role == "error"))
    cell = max(widest, len(str(m.shape[1] - 1)) + 1, 4) + 2
    return Block(title, role, m, param, per_example, cell)


def with_history(
    block: Block,
    value: object,
    old_value: object | None,
    digits: int | None,
    name: str,
    since: str,
) -> list[Block]:
    """The block of `value`, then (if it differs from `old_value`) what that was ("before
    the edit", "in the file") and the difference Δ = now − then."""
    if old_value is None or not changed(value, old_value):
        return [block]
    old = as_matrix(old_value)
    with np.errstate(all="ignore"):
        delta = block.matrix - old
    return [
        block,
        make_block(f"  {name} {since}", "before", old, digits),
        make_block(f"  Δ {name} = now − {name} {since}", "delta", delta, digits),
    ]


def blocks_for(
    step: Step,
    before: Step | None = None,
    digits: int | None = DIGITS,
    since: str = "before the edit",
    veiled: frozenset[int] = frozenset(),
) -> list[Block]:
    """The result (=) first, so it is always in view, then the operands (◆ read); each
    followed by its value in `before` ("before the edit", "in the file") and the
    difference, if it differs. A value computed by a step `veiled` (a quiz asks for it)
    is its shape of ?, with no history: the result then goes, the operands stay."""
    shape = shape_text(np.shape(step.value))
    blocks = []
    if step.index not in veiled:
        result = make_block(
            f"= {step.symbol}  {shape}  result",
            "result",
            step.value,
            digits,
            step.entries,
            step.per_example,
        )
        old = before.value if before else None
        blocks = with_history(result, step.value, old, digits, step.symbol, since)
    for k, op in enumerate(step.operands):
        origin = (
            f"step {op.step + 1}"
            if op.step is not None
            else PARAM_NAMES.get(op.param or "", "parameter")
        )
        hidden = op.step in veiled
        block = make_block(
            f"◆ {op.name}  {shape_text(np.shape(op.value))}  read · {origin}"
            + ("  (? the quiz asks for it)" if hidden else ""),
            "hidden" if hidden else "read",
            np.zeros(np.shape(op.value)) if hidden else op.value,
            digits,
            op.entries,
            op.per_example,
        )
        if hidden:
            blocks.append(block)
            continue
        old = before.operands[k].value if before else None
        blocks += with_history(block, op.value, old, digits, op.name, since)
    return blocks


def panel_blocks(
    step: Step,
    before: Step | None,
    digits: int | None,
    since: str,
    veiled: frozenset[int],
    check: tuple[Block, ...] = (),
) -> tuple[Block, ...]:
    """The panel's blocks: `check` (the gradient check's ĝ and errors) right after the
    result and its history, before the operands; `veiled`: the steps a quiz still asks for,
    whose values are written ? (this step's own among them: its operands only, and no check
    beside it)."""
    blocks = blocks_for(step, before, digits, since, veiled)
    if step.index in veiled:
        check = ()
    operands = (k for k, b in enumerate(blocks) if b.role in ("read", "hidden"))
    result = next(operands, len(blocks))
    return (*blocks[:result], *check, *blocks[result:])


def format_cell(
    v: float,
    role: str = "read",
    selected: bool = False,
    digits: int | None = DIGITS,
    cell: int = 12,
) -> str:
    """One entry, right-aligned. Non-finite entries carry '!', the selected one '▸'."""
    return ("▸" if selected else " ") + f"{entry_text(v, role, digits):>{cell - 2}}" + " "


def entry_text(v: float, role: str, digits: int | None) -> str:
    """An entry as written in its block: '!' after nan/inf, '+' before a positive Δ, '·' for
    no change, one digit after the point for a relative error, '?' for a hidden value."""
    if role == "hidden":
        return "?"
    if not math.isfinite(v):
        return num(v) + "!"
    if role == "error":
        return f"{v:.1e}"
    if role == "delta":
        return ("+" if v > 0 else "") + num(v, digits) if v else "·"
    return num(v, digits)
