"""The step-debugger: a cursor over a session's trace. The session (session/session.py)
holds the work, the view state (view_state.py) where the screen is and how it shows the work;
the App turns keys into calls on them and hands each panel what it draws (views/panels.py).
Its controllers (controllers/) are parts of it for one job each, typed against one Protocol
(debugger.py). Nothing here computes a gradient: an edit or a new file makes a new trace.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Static

from bpdebug.engine import Network, Step, Trace
from bpdebug.engine.gradcheck import check_gradients
from bpdebug.files.netfile import Limits
from bpdebug.notation import DIGITS
from bpdebug.session import cursor as moves
from bpdebug.session.outbox import Folder
from bpdebug.session.quiz import Quiz
from bpdebug.session.selection import follow, weight_to_explain
from bpdebug.session.session import Session
from bpdebug.tui import screens
from bpdebug.tui.controllers.crashes import SafetyNet
from bpdebug.tui.controllers.editing import EditActions
from bpdebug.tui.controllers.quizzing import QuizActions
from bpdebug.tui.controllers.saving import FileActions
from bpdebug.tui.controllers.stopping import StopActions
from bpdebug.tui.controllers.training import TrainActions
from bpdebug.tui.keys import KEYS, keys_for
from bpdebug.tui.palette import DebuggerCommands
from bpdebug.tui.screens.dialog import Dialog
from bpdebug.tui.textual_private import Guarded, take_notifications
from bpdebug.tui.view_state import ViewState
from bpdebug.tui.views import panels
from bpdebug.tui.views.checking import gradient_check
from bpdebug.tui.views.phases import colours
from bpdebug.tui.views.value_blocks import Block
from bpdebug.tui.widgets import (
    EditBar,
    KeyBar,
    LossPlot,
    NetworkDiagram,
    StepPanel,
    Tape,
    TitleBar,
    ValuesView,
)
from bpdebug.tui.widgets.key_bar import key_hints

MIN_SIZE = (50, 14)  # below this the layout gives way to a notice
CHECK_MAX_PARAMS = 5_000  # finite differences in the app: 2 forward passes per parameter
PHASE_COLOURS = {  # theme variables: (on dark themes, on light ones)
    "phase-forward": ("#5b9bf0", "#1864ab"),
    "phase-backward": ("#e8575a", "#c92a2a"),
    "phase-update": ("#43b581", "#2b8a3e"),
}


class MainScreen(Guarded, Screen):  # type: ignore[type-arg]
    """The debugger's screen; its handlers' errors reach the crash dialog too."""

    def on_screen_resume(self) -> None:
        self.app.show_held()  # type: ignore[attr-defined]


class BPDebugApp(
    QuizActions, TrainActions, StopActions, EditActions, FileActions, SafetyNet, Guarded, App[None]
):
    """Step through one gradient-descent iteration of a network, one value at a time."""

    CSS_PATH = "app.tcss"
    TITLE = "bpdebug"
    BINDINGS: ClassVar[list[BindingType]] = [*KEYS]
    COMMANDS = App.COMMANDS | {DebuggerCommands}

    def __init__(
        self, network: Network, limits: Limits | None = None, offer_recovered: bool = False
    ) -> None:
        super().__init__()
        self.animation_level = "none"  # a debugger jumps: no scrolling animations to wait for
        self.limits = limits or Limits()
        self.offer_recovered = offer_recovered  # look for work kept by an earlier session
        self.ready = False
        self.session = Session(network)  # the work
        self.view = ViewState()  # where the screen is and how it shows the work
        self.held: list[tuple[str, str, SeverityLevel, float | None]] = []  # see notify
        self.said, self._said_at = "", 0.0  # the last message `say` showed, and when

    # The session's state, read where the screen needs it.
    trace = property(lambda self: self.session.trace)
    network = property(lambda self: self.session.network)
    iteration = property(lambda self: self.session.iteration)
    losses = property(lambda self: self.session.losses)
    undo_stack = property(lambda self: self.session.undo_stack)
    before = property(lambda self: self.session.before)
    breakpoints = property(lambda self: self.session.breakpoints)
    conditions = property(lambda self: self.session.conditions)
    dirty = property(lambda self: self.session.dirty)

    # The view state, read where the screen is asked about (tests, the command line).
    cursor = property(lambda self: self.view.cursor)
    selected = property(lambda self: self.view.selected)
    digits = property(lambda self: self.view.digits)
    example = property(lambda self: self.view.example)

    # ------------------------------------------------------------------ layout

    def get_default_screen(self) -> Screen:  # type: ignore[type-arg]
        return MainScreen(id="_default")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The phases' colours, darker on a light theme so they keep their contrast."""
        dark = self.current_theme.dark if self.current_theme is not None else True
        return {name: pair[0] if dark else pair[1] for name, pair in PHASE_COLOURS.items()}

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title")
        with Vertical(id="side"):
            yield Tape(id="tape")
            yield LossPlot(id="loss")
        with Vertical(id="main"):
            yield NetworkDiagram(panels.diagram_shown(self.session, self.view, True), id="diagram")
            yield StepPanel(id="step")
            yield ValuesView(id="values")
            yield EditBar(id="editbar")
        yield Static(id="too-small")
        yield KeyBar(key_hints(keys_for(self.downloads)), id="keys")

    def on_mount(self) -> None:
        self.query_one("#tape").border_title = "Tape"
        self.query_one("#values").border_title = "Values"
        self.load_trace(self.trace)
        self.ready = True
        self.watch_signals()
        if self.offer_recovered:
            self.call_after_refresh(self.offer_recovery)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification shown as written: messages carry names from files and typed
        text, never meant as markup (Textual's default reads [ ] as markup). While a dialog
        is open it waits (a dialog has no toasts, so none covers it or squeezes it) and is
        shown when the debugger's screen is back."""
        if self.screen_stack and isinstance(self.screen_stack[-1], Dialog):
            self.held.append((message, title, severity, timeout))
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def hold_toasts(self, shown_too: bool = True) -> None:
        """As a dialog opens, the toasts on screen (which it would cover) wait with what is
        notified while it is open; `shown_too` False: only those raised as it opened."""
        taken = take_notifications(self, shown_too)
        self.held[:0] = [(n.message, n.title, n.severity, n.timeout) for n in taken]

    def show_held(self) -> None:
        """The debugger's screen is back: what waited, each toast for its full time."""
        self.hold_toasts(shown_too=False)  # raised as the dialog opened, and never shown
        held, self.held = self.held, []
        for message, title, severity, timeout in held:
            self.notify(message, title=title, severity=severity, timeout=timeout)

    def say(self, message: str, severity: SeverityLevel = "information") -> None:
        """A notification, unless the same one is still on screen (a key held down)."""
        now = time.monotonic()
        if self.said == message and now - self._said_at < self.NOTIFICATION_TIMEOUT:
            return
        self.said, self._said_at = message, now
        self.notify(message, severity=severity)

    def on_resize(self, event: events.Resize) -> None:
        """Fit the layout to the terminal: shrink, then drop panels, then say it is too small.

        The event's size, not `self.size`: Textual updates the app's size a moment later.
        """
        width, height = event.size
        main = self.screen_stack[0] if self.screen_stack else self.screen
        main.set_class(height >= 48, "-tall")
        main.set_class(height < 30, "-short")
        main.set_class(height < 22, "-cramped")
        main.set_class(width < 90, "-narrow")
        main.set_class(width < 70, "-slim")
        tiny = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        main.set_class(tiny, "-tiny")
        self.fit_side(width)
        if tiny:
            self.query_one("#too-small", Static).update(
                f"bpdebug needs a terminal of at least {MIN_SIZE[0]}×{MIN_SIZE[1]}; this one "
                f"is {width}×{height}. Enlarge it (keys still work; q quits)."
            )

    # ------------------------------------------------------------------ session → screen

    def fit_side(self, width: int) -> None:
        """The tape's column as wide as its formulas need, within a share of the terminal:
        26 or 36 columns below 120, up to 30% of a wider one."""
        base = 26 if width < 90 else 36
        most = base if width < 120 else max(base, width * 3 // 10)
        need = self.query_one(Tape).natural_width + 2  # its border
        side = min(max(need, 24), most)
        styles = self.query_one("#side").styles
        if styles.width is None or styles.width.value != side:
            styles.width = side

    def load_trace(self, trace: Trace, cursor: int = 0, keep_scroll: bool = False) -> None:
        """Show the session's trace (a new file, an edit, the next iteration) at `cursor`."""
        self.title = trace.network.name or "bpdebug"
        self.query_one(Tape).load(trace)
        self.fit_side(self.size.width)  # a new file's formulas may need another width
        cursor = min(max(cursor, 0), len(trace) - 1)
        if cursor != self.view.cursor:
            self.move_to(cursor)
        else:
            self.show_step(keep_scroll)
        self.show_losses()

    def reload(self) -> None:
        """The session changed (an edit, undo, training): show its trace where we are."""
        self.load_trace(self.trace, self.view.cursor, keep_scroll=True)

    def move_to(self, index: int) -> None:
        """The cursor on another step: the selection follows it (onto the tensor the step is
        about), and every panel shows the step. Next/Prev are not dimmed at the ends:
        re-checking bindings costs more than a whole step (the step panel says where)."""
        self.view.cursor = index
        self.view.selected = follow(self.trace[index], self.view.selected, self.network)
        self.show_step()

    def show_step(self, keep_scroll: bool = False) -> None:
        """Every panel at the cursor; a quiz's hidden values (`veil`) written ? on each."""
        view = self.view
        step = self.trace[view.cursor]
        self.veil(view.example)
        if self.loss_hidden() != view.plot_hides_loss:  # L is shown now (L′'s step writes it)
            self.show_losses()
        hints = self.quiz_hints(step)  # None unless a quiz hides this step's value
        tall = self.size.height >= 30
        self.query_one(NetworkDiagram).show(panels.diagram_shown(self.session, view, tall))
        check_blocks, check_line = self.gradient_check_view(step)
        colour = colours(self)[step.phase]
        shown = panels.step_shown(self.session, view, check_line, hints, colour)
        self.query_one(StepPanel).show(shown)
        values = panels.values_shown(self.session, view, check_blocks)
        self.query_one(ValuesView).show(values, keep_scroll)
        tape = self.query_one(Tape)
        tape.mask(self.quiz_masked())
        tape.show(view.cursor, self.breakpoints)
        self.show_edit_state()
        self.maybe_show_score()

    def show_edit_state(self) -> None:
        """The header's iteration and loss (from the baseline's → now's, and which baseline:
        "(edit)", "(undo)", "(since the file)"); the edit bar."""
        self.view.status = panels.status_line(self.session, self.view, self.loss_hidden())
        self.query_one(TitleBar).show(self.trace.network.name or "bpdebug", self.view.status)
        self.query_one(EditBar).show(panels.edit_shown(self.session, self.view))

    def gradient_check_view(self, step: Step) -> tuple[tuple[Block, ...], str]:
        """At a dW/db step with the check on: ĝ and the relative error, and the cost line."""
        view = self.view
        if not view.checking or step.kind not in ("dW", "db") or step.index in view.veiled:
            return (), ""  # (ĝ beside a gradient a quiz asks for would give it away)
        if self.network.n_params > CHECK_MAX_PARAMS:
            return (), (
                f"gradient check: {self.network.n_params:,} parameters are more than "
                f"{CHECK_MAX_PARAMS:,}; run bpdebug check on the file"
            )
        if view.check is None or view.check[0] is not self.trace:  # once per trace
            view.check = (self.trace, check_gradients(self.network))
        return gradient_check(view.check[1], step, view.digits)

    # ------------------------------------------------------------------ moving

    def go(self, index: int) -> None:
        """The cursor on step `index` (within the trace); nothing is redrawn if it is there."""
        index = min(max(index, 0), len(self.trace) - 1)
        if index != self.view.cursor:
            self.move_to(index)

    def action_step(self, delta: int) -> None:
        last = len(self.trace) - 1
        if delta > 0 and self.cursor == last:
            self.say(
                f"Step {last + 1} is the last of iteration {self.iteration}: t applies the "
                "update and starts the next iteration, T trains many"
            )
        elif delta < 0 and self.cursor == 0:
            self.say("Step 1 is the first of the iteration: n steps on")
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

    def on_tape_step_selected(self, message: Tape.StepSelected) -> None:
        self.go(message.index)

    def action_go_to(self) -> None:
        self.push_screen(screens.GoToScreen(len(self.trace)), self.go_if_chosen)

    def go_if_chosen(self, index: int | None) -> None:
        if index is not None:
            self.go(index)

    # ------------------------------------------------------------------ what to show

    def action_toggle_check(self) -> None:
        self.view.checking = checking = not self.view.checking
        self.show_step(keep_scroll=True)
        state = "on: ∂L/∂W and ∂L/∂b steps show central differences" if checking else "off"
        self.notify(f"Gradient check {state}")

    def action_toggle_digits(self) -> None:
        self.set_digits(None if self.digits is not None else DIGITS)

    def set_digits(self, digits: int | None) -> None:
        """Show every number to `digits` significant figures (None: every digit)."""
        self.view.digits = digits
        self.show_step(keep_scroll=True)
        self.show_losses()
        said = "every digit" if digits is None else f"{digits} significant digits"
        self.notify(f"Numbers: {said}")

    def action_example(self, delta: int) -> None:
        """Follow the next (previous) example of the batch; past either end, the whole batch."""
        m = self.network.batch_size
        if m == 1:
            self.notify("This network's batch has one example: there is no other to follow")
            return
        k = (-1 if delta > 0 else m) if self.example is None else self.example
        k += delta
        self.follow_example(k if 0 <= k < m else None)

    def follow_example(self, k: int | None) -> None:
        self.view.example = k
        self.show_step(keep_scroll=True)

    def action_why(self) -> None:
        from bpdebug.engine.chain import chain_for

        ref = weight_to_explain(self.trace[self.cursor], self.selected, self.network)
        step = self.trace.find("dW" if ref.tensor == "W" else "db", ref.layer)
        chain = chain_for(self.trace, ref, self.example if self.example is not None else 0)
        symbol = f"∂L/∂{ref.label()}"
        used = {step.index, self.trace.find("delta", ref.layer).index}
        used |= {f.step for path in chain.paths for f in path.factors if f.step is not None}
        veiled = self.view.veiled
        secret = bool(used & veiled)  # a product or sum would give an asked value away
        # the gradient is on the values panel from its step on; before, it could give a factor
        hidden = step.index in veiled or (secret and self.cursor < step.index)
        dialog = screens.ChainScreen(
            chain,
            symbol,
            step.index,
            self.digits,
            veiled,
            secret,
            hidden,
            lambda k: chain_for(self.trace, ref, k),
        )
        self.push_screen(dialog, lambda chosen: self.after_why(dialog, chosen))

    def after_why(self, dialog: screens.ChainScreen, chosen: int | None) -> None:
        """Follow the example the dialog was left on, if , or . chose another; then go to
        the step chosen (enter on a factor)."""
        if self.network.batch_size > 1 and dialog.chain.example != (self.example or 0):
            self.follow_example(dialog.chain.example)
        self.go_if_chosen(chosen)

    def action_help(self) -> None:
        self.push_screen(screens.HelpScreen(keys_for(self.downloads)))

    # ------------------------------------------------------------------ views

    def action_toggle_graph(self) -> None:
        """The diagram: units ⇄ the computational graph."""
        self.view.graph = graph = not self.view.graph
        diagram = self.query_one(NetworkDiagram)
        diagram.show(diagram.shown._replace(graph=graph))
        self.say(
            "Diagram: the computational graph (m: units)"
            if graph
            else "Diagram: units (m: the graph)"
        )

    def replace_network(self, network: Network, saved: bool = True) -> None:
        """Start afresh on another network: no breakpoints, history or edits carry over, and
        a quiz starts again (the same questions, no answers yet)."""
        self.session.replace(network, saved)
        self.view.start_afresh()
        self.renew_quiz()
        self.load_trace(self.trace)
        if saved:
            self.notify(f"Opened {network.name or network.source}")


def make_app(
    network: Network,
    limits: Limits | None = None,
    offer_recovered: bool = False,
    quiz: Quiz | None = None,
    served: Folder | None = None,
) -> BPDebugApp:
    """The one app factory, used by the command line and the tests (`quiz`: start in it;
    `served`: a browser tab's session of `bpdebug serve`, sharing that folder)."""
    app = BPDebugApp(network, limits, offer_recovered and served is None)
    app.quiz, app.served = quiz, served
    return app
