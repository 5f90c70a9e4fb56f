"""What each panel is handed to draw, built from the session and the view state: one small
object per panel (the widgets keep no state of the debugger's own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from bpdebug.engine import Step, Trace
from bpdebug.engine.params import get_value
from bpdebug.notation import DIGITS, num
from bpdebug.session.session import Pinned, Session
from bpdebug.tui.view_state import ViewState
from bpdebug.tui.views.step_text import Parts, quizzed, step_parts
from bpdebug.tui.views.value_blocks import Block, ValuesShown, panel_blocks


@dataclass(frozen=True, eq=False)
class StepShown:
    """The step panel's content: the step's parts (not yet fitted to the panel), the trace
    and precision its height is chosen for, and `key`, what the parts say (fitted once)."""

    parts: Parts
    trace: Trace
    digits: int | None
    key: tuple[object, ...]


class DiagramShown(NamedTuple):
    """The network diagram at a step: at most `max_rows` unit rows, numbers at `digits` for
    example `example`, the steps `veiled` (a quiz asks for them) as ?; `graph`: the
    computational graph instead of the units."""

    trace: Trace
    step: Step
    max_rows: int = 6
    example: int = 0
    digits: int | None = DIGITS
    veiled: frozenset[int] = frozenset()
    graph: bool = False


class EditShown(NamedTuple):
    """The edit bar: the selected parameter and its value, the nudge, the edit state;
    `since`: what Δ is against when it is not the last action ("Δ vs file")."""

    label: str
    value: float
    nudge: float
    edits: int
    dirty: bool
    digits: int | None
    since: str = ""


class LossShown(NamedTuple):
    """The loss plot: the losses so far (without one a quiz still asks for: `hidden`), the
    iteration, a pinned run, the network's name and the precision."""

    losses: tuple[float, ...]
    iteration: int
    pinned: Pinned | None
    network_name: str
    digits: int | None
    hidden: bool = False


def before_step(session: Session, index: int) -> Step | None:
    """The step in the baseline (before the last action, or in the file), if there is one."""
    baseline = session.baseline
    return baseline[index] if baseline is not None else None


def step_shown(
    session: Session, view: ViewState, check_line: str, hints: int | None, colour: str
) -> StepShown:
    """The step at the cursor; `hints`: a quiz asks for it, with that many hints shown."""
    trace, digits, example = session.trace, view.digits, view.example
    step, before = trace[view.cursor], before_step(session, view.cursor)
    since = session.baseline_name
    parts = step_parts(trace, step, before, check_line, digits, example, colour, since, view.veiled)
    if hints is not None:
        parts = quizzed(parts, step, hints)
    key = (trace, step.index, before, check_line, digits, example, since, hints)
    return StepShown(parts, trace, digits, (*key, view.veiled, colour))


def values_shown(session: Session, view: ViewState, check: tuple[Block, ...]) -> ValuesShown:
    """The blocks of the step at the cursor, the gradient check's among them."""
    step = session.trace[view.cursor]
    before = before_step(session, view.cursor)
    since = session.baseline_name
    blocks = panel_blocks(step, before, view.digits, since, view.veiled, check)
    return ValuesShown(blocks, view.selected, view.digits, view.example)


def diagram_shown(session: Session, view: ViewState, tall: bool) -> DiagramShown:
    trace = session.trace
    rows = 6 if tall else 3
    step = trace[view.cursor]
    return DiagramShown(trace, step, rows, view.followed, view.digits, view.veiled, view.graph)


def status_line(session: Session, view: ViewState, loss_hidden: bool) -> str:
    """The title bar's "iteration k · L = …": after an action, the baseline's loss → now's
    and which baseline ("(edit)", "(undo)", "(since the file)"); ? while a quiz asks for L."""
    trace = session.trace
    loss = num(trace.loss, view.digits)
    baseline = session.baseline
    if loss_hidden:
        loss, baseline = "?", None  # asked for: not told
    if baseline is not None and baseline.loss != trace.loss:
        which = "since the file" if session.against_file else session.action
        loss = f"{num(baseline.loss, view.digits)} → {loss} ({which})"
    return f"iteration {session.iteration} · L = {loss}"  # the step is in its panel


def edit_shown(session: Session, view: ViewState) -> EditShown:
    ref = view.selected
    since = "Δ vs file" if session.against_file else ""
    value = get_value(session.network, ref)
    edits = len(session.undo_stack)
    return EditShown(ref.label(), value, view.nudge, edits, session.dirty, view.digits, since)


def loss_shown(session: Session, view: ViewState, hidden: bool) -> LossShown:
    """The loss plot; a loss a quiz still asks for is neither drawn nor written."""
    losses = tuple(session.losses[:-1] if hidden else session.losses)
    name = session.network.name
    return LossShown(losses, session.iteration, session.pinned, name, view.digits, hidden)
