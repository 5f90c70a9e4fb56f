"""The step-debugger: a cursor over a trace. The App owns the trace and the cursor; the
widgets show them. Nothing here computes a gradient: an edit or a new file makes a new trace.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header

from ..engine import Network, Trace, build_trace
from ..engine.fmt import short
from ..netfile import NetworkFileError, load_network
from ..samples import sample_names, sample_path, sample_summary
from . import cursor as moves
from .screens import GoToScreen, HelpScreen
from .widgets import NetworkDiagram, StepPanel, Tape, ValuesView


class BPDebugApp(App[None]):
    """Step through one gradient-descent iteration of a network, one value at a time."""

    CSS_PATH = "app.tcss"
    TITLE = "bpdebug"
    BINDINGS = [
        Binding("n,right,space", "step(1)", "Next", tooltip="next step"),
        Binding("p,left", "step(-1)", "Prev", tooltip="previous step"),
        Binding(
            "right_square_bracket",
            "next_layer",
            "Layer",
            tooltip="first step of the next layer (or phase)",
        ),
        Binding(
            "left_square_bracket",
            "previous_layer",
            "Layer back",
            show=False,
            tooltip="start of this layer's steps, then the one before",
        ),
        Binding("1", "phase('forward')", "Fwd", show=False, tooltip="start of the forward phase"),
        Binding("2", "phase('backward')", "Bwd", show=False, tooltip="start of the backward phase"),
        Binding("3", "phase('update')", "Upd", show=False, tooltip="start of the update phase"),
        Binding("home", "first", "First", show=False, tooltip="first step"),
        Binding("end", "last", "Last", show=False, tooltip="last step"),
        Binding("g", "go_to", "Go to", show=False, tooltip="go to a step by number"),
        Binding("b", "toggle_breakpoint", "Break", tooltip="toggle a breakpoint on this step"),
        Binding("c", "continue", "Cont", tooltip="continue to the next breakpoint (or the end)"),
        Binding(
            "C",
            "continue_back",
            "Back",
            show=False,
            tooltip="back to the previous breakpoint (or the start)",
        ),
        Binding("question_mark", "help", "Help", tooltip="this help"),
        Binding("q", "quit", "Quit", tooltip="quit"),
    ]

    cursor: reactive[int] = reactive(0, bindings=True, init=False)

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.trace: Trace = build_trace(network)
        self.breakpoints: frozenset[int] = frozenset()
        self.iteration = 0

    @property
    def network(self) -> Network:
        return self.trace.network

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tape(id="tape")
        with Vertical(id="main"):
            yield NetworkDiagram(self.trace, self.trace[0], id="diagram")
            yield StepPanel(id="step")
            yield ValuesView(id="values")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tape").border_title = "Tape"
        self.query_one("#diagram").border_title = "Network"
        self.query_one("#values").border_title = "Values"
        self.load_trace(self.trace)

    def on_resize(self) -> None:
        self.screen.set_class(self.size.height < 30, "-short")
        self.screen.set_class(self.size.width < 90, "-narrow")

    # ------------------------------------------------------------------ state → screen

    def load_trace(self, trace: Trace, cursor: int = 0) -> None:
        """Show a new trace (a new file, an edit, the next iteration) at `cursor`."""
        self.trace = trace
        self.title = trace.network.name or "bpdebug"
        self.query_one(Tape).load(trace)
        self.cursor = min(max(cursor, 0), len(trace) - 1)
        self.show_step()

    def watch_cursor(self) -> None:
        self.show_step()

    def show_step(self) -> None:
        step = self.trace[self.cursor]
        tall = self.size.height >= 30
        self.query_one(NetworkDiagram).show(self.trace, step, max_rows=6 if tall else 3)
        self.query_one(StepPanel).show(self.trace, step)
        self.query_one(ValuesView).show(step)
        self.query_one(Tape).show(self.cursor, self.breakpoints)
        self.sub_title = (
            f"iteration {self.iteration} · L = {short(self.trace.loss, 8)} · "
            f"step {self.cursor + 1}/{len(self.trace)}"
        )

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim Next/Previous in the Footer where there is nowhere to go."""
        if action == "step" and parameters:
            delta = int(parameters[0])  # type: ignore[call-overload]
            target = self.cursor + delta
            return True if 0 <= target < len(self.trace) else None
        return True

    def go(self, index: int) -> None:
        self.cursor = min(max(index, 0), len(self.trace) - 1)

    def action_step(self, delta: int) -> None:
        self.go(self.cursor + delta)

    def action_next_layer(self) -> None:
        self.go(moves.next_group(self.trace, self.cursor))

    def action_previous_layer(self) -> None:
        self.go(moves.previous_group(self.trace, self.cursor))

    def action_phase(self, phase: str) -> None:
        self.go(self.trace.phase_starts[phase])

    def action_first(self) -> None:
        self.go(0)

    def action_last(self) -> None:
        self.go(len(self.trace) - 1)

    def action_toggle_breakpoint(self) -> None:
        self.breakpoints = self.breakpoints ^ {self.cursor}
        self.query_one(Tape).show(self.cursor, self.breakpoints)

    def action_continue(self) -> None:
        self.go(moves.next_breakpoint(self.breakpoints, self.cursor, len(self.trace) - 1))

    def action_continue_back(self) -> None:
        self.go(moves.previous_breakpoint(self.breakpoints, self.cursor))

    def action_go_to(self) -> None:
        def chosen(index: int | None) -> None:
            if index is not None:
                self.go(index)

        self.push_screen(GoToScreen(len(self.trace)), chosen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(list(self.BINDINGS)))  # type: ignore[arg-type]

    def on_tape_step_selected(self, message: Tape.StepSelected) -> None:
        self.go(message.index)

    # ------------------------------------------------------------------ files

    def open_network(self, path: str) -> None:
        """Load another network; a bad file is a notification and changes nothing."""
        try:
            network = load_network(path)
        except NetworkFileError as exc:
            self.notify(str(exc), title="Not opened", severity="error", timeout=8)
            return
        self.breakpoints = frozenset()
        self.iteration = 0
        self.load_trace(build_trace(network))
        self.notify(f"Opened {network.name or path}")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)
        for phase in ("forward", "backward", "update"):
            yield SystemCommand(
                f"Go to the {phase} phase",
                f"first step of the {phase} pass",
                lambda p=phase: self.action_phase(p),
            )
        yield SystemCommand("Go to the first step", "home", self.action_first)
        yield SystemCommand("Go to the last step", "end", self.action_last)
        yield SystemCommand("Go to step …", "ask for a step number", self.action_go_to)
        for l in range(1, self.network.depth + 1):
            yield SystemCommand(
                f"Go to layer {l} (forward)",
                f"z⁽{l}⁾",
                lambda l=l: self.go(self.trace.find("z", l).index),
            )
            yield SystemCommand(
                f"Go to layer {l} (backward)",
                f"δ⁽{l}⁾",
                lambda l=l: self.go(self.trace.find("delta", l).index),
            )
        yield SystemCommand(
            "Toggle breakpoint", "on the current step", self.action_toggle_breakpoint
        )
        yield SystemCommand("Continue to the next breakpoint", "or the end", self.action_continue)
        for name in sample_names():
            yield SystemCommand(
                f"Open sample: {name}",
                sample_summary(name),
                lambda n=name: self.open_network(str(sample_path(n))),
            )


def make_app(network: Network) -> BPDebugApp:
    """The one app factory, used by the command line and the tests."""
    return BPDebugApp(network)
