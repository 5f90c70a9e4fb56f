"""The step panel: phase, step k of N, the formula, the formula with numbers, the result."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.geometry import Region
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from ...engine import Step, Trace
from ...engine.fmt import INLINE_MAX, full, inline
from ...engine.trace import KIND_TITLES
from .cached_styles import CachedStyles
from .diagram import ARROWS

PHASE_MARK = {"forward": "▶ FORWARD", "backward": "◀ BACKWARD", "update": "⟳ UPDATE"}


def _differs(new: object, old: object) -> bool:
    a, b = np.asarray(new), np.asarray(old)
    return a.shape == b.shape and a.tobytes() != b.tobytes()


def _change_line(before: Step, delta: np.ndarray) -> str:
    """What the result was before the edit and by how much it moved."""
    if delta.size <= INLINE_MAX:
        return f"  was {before.value_text()}   Δ {inline(delta)}\n"
    moved = int(np.count_nonzero(delta))
    finite = np.abs(delta[np.isfinite(delta)])
    largest = float(finite.max()) if finite.size else float("nan")
    return f"  since the edit {moved} of {delta.size} entries moved, max |Δ| {largest:.3g}\n"


def step_header(trace: Trace, step: Step) -> Text:
    _, colour = ARROWS[step.phase]
    where = f"layer {step.layer}" if step.layer is not None else "loss"
    text = Text()
    text.append(PHASE_MARK[step.phase], style=f"bold {colour}")
    text.append(
        f"   step {step.index + 1} of {len(trace)} · {where} · {KIND_TITLES[step.kind]}",
        style="bold",
    )
    return text


def step_body(trace: Trace, step: Step, before: Step | None = None) -> Text:
    """Everything below the header: formula, numbers, result (or old/gradient/η/new), and
    what the result was before the latest edit."""
    text = Text()
    text.append(step.formula + "\n", style="bold")
    if step.kind in ("W_new", "b_new") and len(step.operands) == 1:  # a frozen parameter
        text.append(f"  kept {step.symbol:<10}= {inline(step.value)}\n", style="bold")
    elif step.kind in ("W_new", "b_new"):
        old, lr, grad = step.operands
        for label, name, value in (
            ("old ", old.name, old.value),
            ("grad", grad.name, grad.value),
            ("rate", "η", lr.value),
            ("new ", step.symbol, step.value),
        ):
            text.append(f"  {label} {name:<10}= ", style="dim" if label != "new " else "bold")
            text.append(inline(value) + "\n", style="bold" if label == "new " else "")
    elif step.kind == "loss_after":
        loss_before = float(trace.loss)
        loss_now = float(step.value)
        change = loss_now - loss_before
        pct = f", {change / loss_before:+.2%}" if loss_before else ""
        text.append(f"  before  L  = {full(loss_before)}\n")
        text.append(f"  after   L′ = {full(loss_now)}", style="bold")
        text.append(f"   ({change:+.6g}{pct})\n" if np.isfinite(change) else "\n", style="dim")
    else:
        text.append(f"  = {step.numbers()}\n")
        text.append(f"  = {step.value_text()}", style="bold")
        text.append(f"   ({step.shape_text})\n", style="dim")
    if before is not None and _differs(step.value, before.value):
        with np.errstate(all="ignore"):
            delta = np.asarray(step.value) - np.asarray(before.value)
        text.append(_change_line(before, delta), style="bold yellow")
    if step.index in trace.nonfinite_steps:
        text.append(f"⚠ {trace.diagnosis()}\n", style="bold red")
    if step.note:
        text.append(step.note, style="italic dim")
    text.rstrip()
    return text


class StepPanel(CachedStyles, Widget):
    """Shows one step; the App tells it which.

    A Line API widget: a step's text is laid out once (wrapped to the panel's width), and
    only the lines that differ from the previous step's are redrawn. Its text can be
    selected with the mouse and copied, as a worked example's author would.
    """

    DEFAULT_CSS = "StepPanel { height: auto; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.text = Text()
        self._wrapped: list[Text] = []  # the text's lines at the panel's width
        self._lines: list[Strip] = []  # the same, drawn
        self._laid_out_at = 0  # the width the lines were wrapped to

    def on_mount(self) -> None:
        self.border_title = "Step"

    def show(self, trace: Trace, step: Step, before: Step | None = None, extra: str = "") -> None:
        body = step_body(trace, step, before)
        if extra:  # the gradient check's verdict
            body.append("\n" + extra, style="bold green" if extra.startswith("✓") else "bold red")
        self.text = step_header(trace, step) + Text("\n") + body
        old, new = self._lines, self._lay_out()
        width = self.size.width
        for y in range(max(len(old), len(new))):
            if y >= len(old) or y >= len(new) or old[y] != new[y]:
                self.refresh(Region(0, y, width, 1))

    def _lay_out(self) -> list[Strip]:
        """The text wrapped to the panel's width, one strip a line."""
        width = self._laid_out_at = self.size.width
        if not self.is_mounted or width <= 0:
            self._wrapped, self._lines = [], []
            return self._lines
        self._wrapped = []
        for line in self.text.split("\n"):  # most lines fit: only the others are wrapped
            fits = line.cell_len <= width
            self._wrapped += [line] if fits else line.wrap(self.app.console, width)
        self._lines = [self.text_strip(line) for line in self._wrapped]
        return self._lines

    def render_line(self, y: int) -> Strip:
        if self.size.width != self._laid_out_at:  # resized: wrap again
            self._lay_out()
        if y >= len(self._lines):
            return self.fit(None)
        strip = self._lines[y]
        selection = self.text_selection
        span = selection.get_span(y) if selection is not None else None
        if span is not None:
            start, end = span
            line = self._wrapped[y].copy()
            line.stylize(self.screen.get_component_rich_style("screen--selection"), start, end)
            strip = self.text_strip(line)
        # Offsets tell the mouse selection where each character is.
        return self.fit(strip).apply_offsets(0, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected part of the text, as laid out on the screen."""
        return selection.extract("\n".join(line.plain for line in self._wrapped)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._laid_out_at = -1  # a theme change: lay out again in its colours
