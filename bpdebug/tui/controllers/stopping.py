"""Breakpoints and conditions: toggling, the panel, and continuing to the next step where
one holds, saying what holds there (or that nothing does). A part of the App (a mixin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bpdebug.session.conditions import Condition, ConditionError, next_stop, parse_condition
from bpdebug.tui import screens
from bpdebug.tui.widgets import Tape

if TYPE_CHECKING:
    from bpdebug.tui.debugger import DebuggerApp
else:
    DebuggerApp = object  # a part of the App: at run time the App itself is the rest


class StopActions(DebuggerApp):
    def action_toggle_breakpoint(self) -> None:
        self.session.toggle_breakpoint(self.view.cursor)
        self.query_one(Tape).show(self.view.cursor, self.breakpoints)

    def action_continue(self) -> None:
        self.continue_to(self.session.next_stop(self.view.cursor), forward=True)

    def action_continue_back(self) -> None:
        self.continue_to(self.session.previous_stop(self.view.cursor), forward=False)

    def continue_to(self, stop: int | None, forward: bool) -> None:
        """Go to a stop and say what holds there; with none, go to the end (or the start)
        and say that nothing matched."""
        if stop is not None:
            self.go(stop)
            reasons = "; ".join(self.session.why_stopped(stop))
            self.say(f"Step {stop + 1} ({self.trace[stop].symbol}): {reasons}")
            return
        watching = self.session.watching()
        end = len(self.trace) - 1 if forward else 0
        where = (
            f"the end of the iteration (step {end + 1}); t trains one iteration"
            if forward
            else "the first step of the iteration"
        )
        if not watching:
            self.say(f"No breakpoints or conditions are set (b, B): at {where}")
        else:
            side = "after" if forward else "before"
            self.say(f"No step {side} step {self.view.cursor + 1} matches {watching}: at {where}")
        self.go(end)

    def add_condition(self, text: str) -> None:
        """Add a conditional breakpoint (from the palette); a bad one is said, not added. Say
        whether it holds here, and where it next does."""
        try:
            condition = parse_condition(text, self.network.depth)
        except ConditionError as exc:
            self.notify(str(exc), title="No breakpoint", severity="error")
            return
        self.session.add_condition(condition)
        self.say(self.condition_news(condition))

    def condition_news(self, condition: Condition) -> str:
        """ "Breaks when …" and where: here already (and why), the next step, or nowhere."""
        said = f"Breaks when {condition.text}."
        here = condition.why(self.trace, self.trace[self.view.cursor])
        if here is not None:
            said += f" It holds here, at step {self.view.cursor + 1}: {here}."
        later = next_stop(self.trace, self.view.cursor, frozenset(), (condition,))
        if later is not None:
            return f"{said} Next at step {later + 1}: c goes there."
        return f"{said} No later step of this iteration matches it."

    def action_breakpoints(self) -> None:
        def closed(result: tuple[frozenset[int], tuple[Condition, ...]] | None) -> None:
            if result is not None:
                self.session.breakpoints, self.session.conditions = result
                self.query_one(Tape).show(self.view.cursor, self.breakpoints)

        dialog = screens.BreakpointsScreen(
            self.trace,
            self.breakpoints,
            self.conditions,
            lambda text: parse_condition(text, self.network.depth),
            self.condition_news,
        )
        self.push_screen(dialog, closed)
