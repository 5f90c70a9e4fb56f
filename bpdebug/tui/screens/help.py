"""The help screen: every key the debugger knows, generated from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from bpdebug.tui.keys import key_label
from bpdebug.tui.screens.dialog import Dialog

NOTATION = (
    "z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾    a⁽ˡ⁾ = σ(z⁽ˡ⁾)    L = (1/m) Σₖ Loss(a⁽ᴸ⁾ₖ, yₖ)\n"
    "δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾)    δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ′(z⁽ˡ⁾)\n"
    "∂L/∂W⁽ˡ⁾ = (1/m) δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ    ∂L/∂b⁽ˡ⁾ = (1/m) Σₖ δ⁽ˡ⁾ₖ\n"
    "W⁽ˡ⁾ ← W⁽ˡ⁾ − η ∂L/∂W⁽ˡ⁾    b⁽ˡ⁾ ← b⁽ˡ⁾ − η ∂L/∂b⁽ˡ⁾\n"
    "A vector is a column; k counts the m examples (columns) of a batch; · is a product of "
    "numbers, ⊙ elementwise, side by side a matrix product."
)


def bindings_table(bindings: list[Binding]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for b in bindings:
        table.add_row(key_label(b.key), b.tooltip or b.description)
    return table


MARKERS = (
    ("▶", "the tape: the current step"),
    ("●", "the tape: a breakpoint (b)"),
    ("!", "a value holding nan or ±inf (tape line, entry)"),
    ("▶2◀", "the network: the layer the step is about"),
    ("─▶ ◀─", "the network: the phase's direction (forward, backward)"),
    ("◆", "values: a value the step reads, and where it comes from"),
    ("=", "values: the step's result"),
    ("▸", "values: the selected parameter's entry (e, + and − change it)"),
    ("▾k", "values: the column of the followed example k (. and ,)"),
    ("Δ", "the difference from before the last action (D: from the file)"),
    ("⟨3×4⟩", "a matrix too large to write out in a formula: its shape"),
    ("⋮ ×n", "the network: a layer of n units, only the first drawn"),
    ("…", "text cut to fit; widen the terminal to read it all"),
    ("✎", "the selected parameter, the nudge step and the edits"),
    ("✓ ✗", "the gradient check agrees / disagrees (f)"),
)


def markers_table() -> Table:
    """Every marker the screen uses, and what it says."""
    table = Table(
        box=None, show_header=False, padding=(0, 2), title="Markers", title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column()
    for mark, meaning in MARKERS:
        table.add_row(mark, meaning)
    return table


class HelpScreen(Dialog[None]):
    """Lists every binding of the app; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen > .box { width: 90; }
    """

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.app_bindings = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="box") as scroll:
            scroll.border_title = "bpdebug — keys (esc closes)"
            yield Static(bindings_table(self.app_bindings))
            yield Static(
                Text(
                    "\ntab moves the focus between the tape (↑/↓ step) and the values "
                    "(arrows choose the parameter that e, + and − change; a step that reads "
                    "or computes a W, b, x or y moves the choice onto it).\n"
                    "ctrl+p opens the command palette: jumps, layers, samples, training, "
                    "saving, and any parameter by name (W2[1,0], b1[0], eta).\n",
                    style="dim",
                )
            )
            yield Static(markers_table())
            yield Static(Text(NOTATION, style="italic"))
