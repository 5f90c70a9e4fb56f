"""The step panel: phase, step k of N, the formula, the formula with numbers, the result."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...engine import Step, Trace
from ...engine.fmt import full, inline
from .diagram import ARROWS

PHASE_MARK = {"forward": "▶ FORWARD", "backward": "◀ BACKWARD", "update": "⟳ UPDATE"}
KIND_NAMES = {
    "z": "weighted input",
    "a": "activation",
    "loss": "loss",
    "dL_da": "∂L/∂a",
    "dact": "activation derivative",
    "delta": "error δ",
    "dW": "weight gradient",
    "db": "bias gradient",
    "W_new": "weight update",
    "b_new": "bias update",
    "loss_after": "loss after the update",
}


def step_header(trace: Trace, step: Step) -> Text:
    _, colour = ARROWS[step.phase]
    where = f"layer {step.layer}" if step.layer is not None else "loss"
    text = Text()
    text.append(PHASE_MARK[step.phase], style=f"bold {colour}")
    text.append(
        f"   step {step.index + 1} of {len(trace)} · {where} · {KIND_NAMES[step.kind]}",
        style="bold",
    )
    return text


def step_body(trace: Trace, step: Step) -> Text:
    """Everything below the header: formula, numbers, result (or old/gradient/η/new)."""
    text = Text()
    text.append(step.formula + "\n", style="bold")
    if step.kind in ("W_new", "b_new"):
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
        before = float(trace.loss)
        after = float(step.value)
        change = after - before
        pct = f", {change / before:+.2%}" if before else ""
        text.append(f"  before  L  = {full(before)}\n")
        text.append(f"  after   L′ = {full(after)}", style="bold")
        text.append(f"   ({change:+.6g}{pct})\n", style="dim")
    else:
        text.append(f"  = {step.numbers()}\n")
        text.append(f"  = {step.value_text()}", style="bold")
        text.append(f"   ({step.shape_text})\n", style="dim")
    if step.note:
        text.append(step.note, style="italic dim")
    text.rstrip()
    return text


class StepPanel(Static):
    """Shows one step; the App tells it which."""

    text = Text()

    def show(self, trace: Trace, step: Step) -> None:
        self.border_title = "Step"
        self.text = step_header(trace, step) + Text("\n") + step_body(trace, step)
        self.update(self.text)
