"""Every number that differs from the file, old → new; choose one, or reset them all."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from bpdebug.engine.params import Change, ParamRef
from bpdebug.notation import num
from bpdebug.tui.screens.dialog import Dialog, Plain

MAX_LISTED = 1_000  # a trained 784-128-10 differs in 100k numbers: the first are listed

Result = ParamRef | str | None  # a parameter to select, "reset", or None (closed)


def change_lines(changes: list[Change], digits: int | None) -> list[str]:
    """One aligned line per change: "W⁽¹⁾[0,0]   0.15 → 0.25   Δ +0.1"."""
    rows = [
        (
            c.ref.label(),
            num(c.old, digits),
            num(c.new, digits),
            ("+" if c.new > c.old else "") + num(c.new - c.old, digits),
        )
        for c in changes[:MAX_LISTED]
    ]
    if not rows:
        return []
    w = [max(len(r[k]) for r in rows) for k in range(3)]
    return [f"{n:<{w[0]}}  {o:>{w[1]}} → {v:>{w[2]}}   Δ {d}" for n, o, v, d in rows]


class ChangesScreen(Dialog[Result]):
    """Lists the changes since the file; enter selects one, r resets to the file."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("r", "reset", "Reset to the file")]
    DEFAULT_CSS = """
    ChangesScreen > .box { width: 80; }
    ChangesScreen OptionList { max-height: 16; }
    ChangesScreen .hint { color: $text-muted; }
    """

    def __init__(self, changes: list[Change], file_name: str, digits: int | None) -> None:
        super().__init__()
        self.changes, self.file_name, self.digits = changes, file_name, digits

    def compose(self) -> ComposeResult:
        n = len(self.changes)
        with Vertical(classes="box") as box:
            box.border_title = f"Changes since {self.file_name}"
            if not n:
                yield Plain("No number differs from the file.")
            else:
                said = "1 number differs" if n == 1 else f"{n:,} numbers differ"
                yield Plain(f"{said} from the file (old → new):")
                options = [
                    Option(line, id=str(k))
                    for k, line in enumerate(change_lines(self.changes, self.digits))
                ]
                if n > MAX_LISTED:
                    options.append(Option(f"… and {n - MAX_LISTED:,} more", disabled=True))
                yield OptionList(*options, id="changes")
            yield Plain(
                "enter selects one · r resets every number to the file (u undoes it) · esc closes",
                classes="hint",
            )

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.changes[int(event.option.id)].ref)

    def action_reset(self) -> None:
        self.dismiss("reset" if self.changes else None)

    def action_close(self) -> None:
        self.dismiss(None)
