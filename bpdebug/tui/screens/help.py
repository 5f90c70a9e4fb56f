"""The help screen: every key the debugger knows, generated from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from .dialog import Dialog

KEY_NAMES = {
    "question_mark": "?",
    "right": "→",
    "left": "←",
    "up": "↑",
    "down": "↓",
    "space": "space",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "plus": "+",
    "minus": "-",
    "ctrl+s": "ctrl+s",
    "escape": "esc",
    "equals_sign": "=",
    "asterisk": "*",
    "slash": "/",
    "full_stop": ".",
    "greater_than_sign": ">",
    "comma": ",",
    "less_than_sign": "<",
}

NOTATION = (
    "z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾    a⁽ˡ⁾ = σ(z⁽ˡ⁾)    L = (1/m) Σₖ Loss(a⁽ᴸ⁾ₖ, yₖ)\n"
    "δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾)    δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ′(z⁽ˡ⁾)\n"
    "∂L/∂W⁽ˡ⁾ = (1/m) δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ    ∂L/∂b⁽ˡ⁾ = (1/m) Σₖ δ⁽ˡ⁾ₖ\n"
    "W⁽ˡ⁾ ← W⁽ˡ⁾ − η ∂L/∂W⁽ˡ⁾    b⁽ˡ⁾ ← b⁽ˡ⁾ − η ∂L/∂b⁽ˡ⁾\n"
    "A vector is a column; k counts the m examples (columns) of a batch; · is a product of "
    "numbers, ⊙ elementwise, side by side a matrix product."
)


def key_label(keys: str) -> str:
    return " ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def bindings_table(bindings: list[Binding]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for b in bindings:
        table.add_row(key_label(b.key), b.tooltip or b.description)
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
                    "(arrows choose the parameter that e, + and − change).\n"
                    "ctrl+p opens the command palette: jumps, layers, samples, parameters, "
                    "training, saving.\n"
                    "Markers: ▶ current step · ● breakpoint · ▶n◀ active layer · "
                    "! a non-finite value · ◆ a value the step reads · = its result · "
                    "▸ the selected parameter · ▾k the followed example's column · "
                    "⟨3×4⟩ a value too large to write out\n",
                    style="dim",
                )
            )
            yield Static(Text(NOTATION, style="italic"))
