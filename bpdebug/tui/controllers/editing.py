"""What-if edits: choosing the parameter, typing or nudging its value, undo and redo, the
differences against the last action or the file, and resetting to the file. A part of the
App (a mixin)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bpdebug.engine import Network
from bpdebug.engine.params import EditError, ParamRef, get_value, parse_name, parse_value, set_value
from bpdebug.notation import num
from bpdebug.tui import screens
from bpdebug.tui.widgets import ValuesView

if TYPE_CHECKING:
    from bpdebug.tui.debugger import DebuggerApp
else:
    DebuggerApp = object  # a part of the App: at run time the App itself is the rest


class EditActions(DebuggerApp):
    def on_values_view_cell_selected(self, message: ValuesView.CellSelected) -> None:
        self.select(message.ref)

    def select(self, ref: ParamRef) -> None:
        """Choose the parameter that edit and nudge change."""
        self.view.selected = ref
        self.query_one(ValuesView).mark(ref)
        self.show_edit_state()

    def change_network(self, network: Network) -> None:
        """An edit: the session keeps how to undo it; the same step shows the new values."""
        self.session.edit(network)
        self.reload()

    def describe_param(self, name: str) -> tuple[ParamRef, str]:
        """The parameter a typed name stands for and its value, every digit (or EditError)."""
        ref = parse_name(name, self.network)
        return ref, num(get_value(self.network, ref), None)

    def apply_value(self, ref: ParamRef, text: str) -> Network:
        """The network with `ref` set to the typed value (or EditError)."""
        return set_value(self.network, ref, parse_value(text), self.limits.max_magnitude)

    def action_edit(self) -> None:
        self.edit(self.view.selected)

    def edit(self, ref: ParamRef) -> None:
        """Ask for a new value of `ref` (the dialog can name another parameter)."""

        def edited(result: tuple[ParamRef, Network] | None) -> None:
            if result is not None:
                ref, network = result
                self.select(ref)
                self.change_network(network)

        dialog = screens.EditScreen(ref, self.describe_param, self.apply_value)
        self.push_screen(dialog, edited)

    def action_nudge(self, sign: int) -> None:
        value = get_value(self.network, self.view.selected) + sign * self.view.nudge
        try:
            network = set_value(self.network, self.view.selected, value, self.limits.max_magnitude)
        except EditError as exc:
            self.notify(
                f"{self.view.selected.label()}: {exc}", title="Not changed", severity="error"
            )
            return
        self.change_network(network)

    def action_scale_nudge(self, factor: float) -> None:
        self.view.nudge = min(max(self.view.nudge * factor, 1e-12), 1e6)
        self.show_edit_state()

    def action_toggle_baseline(self) -> None:
        """Differences against the last action ↔ against the file."""
        self.session.against_file = not self.session.against_file
        self.show_step(keep_scroll=True)
        if self.session.against_file:
            self.say("Δ: every value against the network in the file (D: the last action)")
        else:
            self.say("Δ: every value against before the last action (D: the file)")

    def action_changes(self) -> None:
        def closed(result: ParamRef | str | None) -> None:
            if result == "reset":
                self.reset_to_file()
            elif isinstance(result, ParamRef):
                self.select(result)

        origin = self.session.origin
        name = Path(origin).name if origin else "the network as opened"
        dialog = screens.ChangesScreen(self.session.changes(), name, self.view.digits)
        self.push_screen(dialog, closed)

    def reset_to_file(self) -> None:
        if self.session.reset_to_file():
            self.reload()
            self.say("Every number is as in the file again, at iteration 0 (u undoes this)")
        else:
            self.say("Nothing to reset: the network is as in the file")

    def action_undo(self) -> None:
        if self.session.undo():
            self.reload()
        else:
            self.notify("Nothing to undo")

    def action_redo(self) -> None:
        if self.session.redo():
            self.reload()
        else:
            self.notify("Nothing to redo")
