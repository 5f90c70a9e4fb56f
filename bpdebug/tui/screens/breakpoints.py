"""The breakpoints panel: every breakpoint and condition, each removable; add a condition."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from bpdebug.engine import Trace
from bpdebug.session.conditions import Condition, ConditionError
from bpdebug.tui.screens.dialog import Dialog, Plain

Result = tuple[frozenset[int], tuple[Condition, ...]]


class BreakpointsScreen(Dialog[Result]):
    """Returns the breakpoints and conditions as the user left them (escape closes)."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("delete", "remove", "Remove")]
    DEFAULT_CSS = """
    BreakpointsScreen > .box { width: 80; }
    BreakpointsScreen OptionList { max-height: 12; }
    BreakpointsScreen #news { color: $text-success; }
    """

    def __init__(
        self,
        trace: Trace,
        breakpoints: frozenset[int],
        conditions: tuple[Condition, ...],
        parse: Callable[[str], Condition],
        news: Callable[[Condition], str] = lambda c: f"Breaks when {c.text}.",
    ) -> None:
        super().__init__()
        self.trace, self.breakpoints, self.conditions = trace, breakpoints, conditions
        self.parse, self.news = parse, news

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Breakpoints (del removes, esc closes)"
            yield OptionList(id="list")
            yield Plain(
                "Add a condition: nonfinite · vanishing delta 1e-6 · exploding dW 1e3 · "
                "dead relu · layer 2 · phase backward"
            )
            yield Input(placeholder="condition", id="condition")
            yield Plain("", id="error")
            yield Plain("", id="news")

    def on_mount(self) -> None:
        self.refill()
        self.query_one(Input).focus()

    def refill(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for i in sorted(self.breakpoints):
            options.add_option(Option(f"● step {i + 1}: {self.trace[i].formula}", id=f"s{i}"))
        for k, c in enumerate(self.conditions):
            options.add_option(Option(f"◆ when {c.text}", id=f"c{k}"))
        if not self.breakpoints and not self.conditions:
            options.add_option(
                Option("(none yet: b on a step, or add a condition below)", disabled=True)
            )
        else:
            options.highlighted = 0

    @on(Input.Submitted)
    def add(self, event: Input.Submitted) -> None:
        try:
            condition = self.parse(event.value)
        except ConditionError as exc:
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        if condition.text not in {c.text for c in self.conditions}:
            self.conditions = (*self.conditions, condition)
        self.query_one("#error", Plain).update("")
        self.query_one("#news", Plain).update(self.news(condition))
        event.input.value = ""
        self.refill()

    def action_remove(self) -> None:
        """Remove the highlighted breakpoint or condition (when the list has the focus)."""
        options = self.query_one(OptionList)
        option = options.highlighted_option
        if option is None or option.id is None:
            return
        if option.id.startswith("s"):
            self.breakpoints = self.breakpoints - {int(option.id[1:])}
        else:
            k = int(option.id[1:])
            self.conditions = self.conditions[:k] + self.conditions[k + 1 :]
        self.refill()

    def action_close(self) -> None:
        self.dismiss((self.breakpoints, self.conditions))
