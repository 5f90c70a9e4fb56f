"""The step-debugger: a cursor over a trace. The App owns the trace and the cursor; the
widgets show them. Nothing here computes a gradient: an edit or a new file makes a new trace.
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static

from ..engine import Network, Step, Trace, build_trace
from ..engine.gradcheck import CheckReport, check_gradients
from ..engine.params import EditError, ParamRef, all_refs, get_value, parse_value, set_value
from ..netfile import Limits, NetworkFileError, first_nonfinite, load_network, save_network
from ..notation import DIGITS, num
from ..samples import SAMPLES_DIR, resolve, sample_names, sample_path, sample_summary
from . import cursor as moves
from . import screens
from .conditions import Condition, ConditionError, next_stop, parse_condition, previous_stop
from .textual_private import Guarded
from .widgets import (
    EditBar,
    KeyBar,
    LossPlot,
    NetworkDiagram,
    StepPanel,
    Tape,
    TitleBar,
    ValuesView,
)
from .widgets.key_bar import key_hints
from .widgets.values import Block, make_block

MIN_SIZE = (50, 14)  # below this the layout gives way to a notice
CHECK_MAX_PARAMS = 5_000  # finite differences in the app: 2 forward passes per parameter


@dataclass(frozen=True)
class Snapshot:
    """What undo restores: the network, the iteration it is at, and the loss history."""

    network: Network
    iteration: int
    losses: tuple[float, ...]


class MainScreen(Guarded, Screen):  # type: ignore[type-arg]
    """The debugger's screen; its handlers' errors reach the crash dialog too."""


class BPDebugApp(Guarded, App[None]):
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
        Binding(
            "B",
            "breakpoints",
            "Breakpoints",
            show=False,
            tooltip="breakpoints panel: list, remove, add conditions",
        ),
        Binding(
            "c",
            "continue",
            "Cont",
            show=False,
            tooltip="continue to the next breakpoint (or the end)",
        ),
        Binding(
            "C",
            "continue_back",
            "Back",
            show=False,
            tooltip="back to the previous breakpoint (or the start)",
        ),
        Binding("e", "edit", "Edit", tooltip="type a new value for the selected parameter"),
        Binding(
            "plus,equals_sign",
            "nudge(1)",
            "+",
            show=False,
            tooltip="nudge the selected parameter up by the nudge step",
        ),
        Binding(
            "minus",
            "nudge(-1)",
            "−",
            show=False,
            tooltip="nudge the selected parameter down by the nudge step",
        ),
        Binding(
            "asterisk",
            "scale_nudge(10)",
            "×10",
            show=False,
            tooltip="make the nudge step 10× larger",
        ),
        Binding(
            "slash",
            "scale_nudge(0.1)",
            "÷10",
            show=False,
            tooltip="make the nudge step 10× smaller",
        ),
        Binding(
            "w",
            "why",
            "Why",
            show=False,
            tooltip="why this gradient: the chain rule along every path (a W or b)",
        ),
        Binding(
            "f",
            "toggle_check",
            "Check",
            show=False,
            tooltip="gradient check: central differences beside ∂L/∂W and ∂L/∂b",
        ),
        Binding(
            "d",
            "toggle_digits",
            "Digits",
            show=False,
            tooltip="numbers to 6 significant digits, or every digit (full precision)",
        ),
        Binding(
            "full_stop,greater_than_sign",
            "example(1)",
            "Example",
            show=False,
            tooltip="follow the next example (column) of a batch, then all of it",
        ),
        Binding(
            "comma,less_than_sign",
            "example(-1)",
            "Example back",
            show=False,
            tooltip="follow the previous example (column) of a batch",
        ),
        Binding("u", "undo", "Undo", tooltip="undo the last edit or training"),
        Binding("U,ctrl+r", "redo", "Redo", show=False, tooltip="redo what was undone"),
        Binding("t", "train_one", "Train", tooltip="apply this update: the next iteration"),
        Binding(
            "T",
            "train_many",
            "Train N",
            show=False,
            tooltip="train N iterations (asks N, default 100; esc stops)",
        ),
        Binding("ctrl+s", "save", "Save", tooltip="save the network to a new file"),
        Binding("o", "open", "Open", show=False, tooltip="open a network file or sample by name"),
        Binding(
            "x",
            "export",
            "Export",
            show=False,
            tooltip="export a worked solution (markdown) and an SVG of this screen, here",
        ),
        Binding("question_mark", "help", "Help", tooltip="this help"),
        Binding("q", "quit", "Quit", tooltip="quit (asks first if there are unsaved changes)"),
    ]

    cursor: var[int] = var(0, init=False)  # a var: no full-screen repaint, the widgets redraw

    def __init__(
        self, network: Network, limits: Limits | None = None, offer_recovered: bool = False
    ) -> None:
        super().__init__()
        self.offer_recovered = offer_recovered  # look for work kept by an earlier session
        self.recovered_to: Path | None = None  # where this session's unsaved work was kept
        self.recovered_network: Network | None = None  # the network written there
        self.recovery_error = ""  # why it could not be written
        self.ended_by = ""  # the signal that ended the session
        self.signals_watched = False
        self.animation_level = "none"  # a debugger jumps: no scrolling animations to wait for
        self.limits = limits or Limits()
        self.crashes = 0  # unexpected errors reported in a dialog instead of a traceback
        self.ready = False
        self.trace: Trace = build_trace(network)
        self.breakpoints: frozenset[int] = frozenset()
        self.conditions: tuple[Condition, ...] = ()
        self.iteration = 0
        self.losses: list[float] = [self.trace.loss]
        self.undo_stack: list[Snapshot] = []
        self.redo_stack: list[Snapshot] = []
        self.saved: Network | None = network  # as last loaded or saved (None: never saved)
        self.origin = network.source  # the file it was opened from ("" for none)
        self.before: Trace | None = None  # the trace before the latest edit, for differences
        self.selected = ParamRef("W", 1, 0, 0)
        self.nudge = 0.1
        self.checking = False  # show finite differences beside ∂L/∂W and ∂L/∂b
        self.digits: int | None = DIGITS  # significant digits shown; None: every digit
        self.example: int | None = None  # the example (column) of a batch being followed
        self._report: tuple[Trace, CheckReport] | None = None
        self.status = ""  # the title bar's "iteration k · L = …"

    @property
    def network(self) -> Network:
        return self.trace.network

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title")
        with Vertical(id="side"):
            yield Tape(id="tape")
            yield LossPlot(id="loss")
        with Vertical(id="main"):
            yield NetworkDiagram(self.trace, self.trace[0], id="diagram")
            yield StepPanel(id="step")
            yield ValuesView(id="values")
            yield EditBar(id="editbar")
        yield Static(id="too-small")
        yield KeyBar(key_hints(self.BINDINGS), id="keys")  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query_one("#tape").border_title = "Tape"
        self.query_one("#diagram").border_title = "Network"
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
        text, never meant as markup (Textual's default reads [ ] as markup)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ------------------------------------------------------------------ unexpected errors

    def get_default_screen(self) -> Screen:  # type: ignore[type-arg]
        return MainScreen(id="_default")

    def report_unexpected(self, error: Exception) -> bool:
        """An unexpected error in any handler (the app's, a dialog's, a widget's): keep the
        work in a recovery file and say so in a dialog that offers to save, instead of exiting.

        Textual's default prints a traceback and quits, which would take unsaved edits with
        it. Errors before the screen exists, or a storm of them, still end the app (with the
        recovery file written first: see _handle_exception).
        """
        if not self.ready or self.crashes >= 10 or isinstance(self.screen, screens.CrashScreen):
            return False
        self.crashes += 1
        details = "".join(traceback.format_exception(error))[-5000:]
        kept = self.keep_recovery(f"an unexpected error, {type(error).__name__}")
        self.call_later(self.report_crash, f"{type(error).__name__}: {error}", details, kept)
        return True

    def _handle_exception(self, error: Exception) -> None:
        """The last resort (Textual exits from here): keep the unsaved work first."""
        self.keep_recovery(f"an unexpected error, {type(error).__name__}")
        super()._handle_exception(error)

    def report_crash(self, summary: str, details: str, kept: Path | None = None) -> None:
        def answered(choice: str | None) -> None:
            if choice == "save":
                self.action_save()
            elif choice == "quit":
                self.exit(return_code=1, message=details)

        self.push_screen(screens.CrashScreen(summary, details, kept), answered)

    def keep_recovery(self, why: str) -> Path | None:
        """Write unsaved work to a recovery file (a newer one replaces this session's older
        one); None if there is nothing unsaved or it cannot be written (said on exit)."""
        if not self.dirty:
            return None
        if self.recovered_to is not None and self.recovered_network is self.network:
            return self.recovered_to
        from ..recovery import write_recovery

        try:
            path = write_recovery(*self.keepable(why))
        except (OSError, ValueError) as exc:
            self.recovery_error = str(exc)
            return None
        self.drop_recovery()
        self.recovered_to, self.recovered_network = path, self.network
        return path

    def keepable(self, why: str) -> tuple[Network, str]:
        """The network a recovery file can hold: the current one, or, if it holds nan or inf
        (no file could), the newest earlier one that does not."""
        if not first_nonfinite(self.network):
            return self.network, why
        for snapshot in reversed(self.undo_stack):
            if not first_nonfinite(snapshot.network):
                return snapshot.network, f"{why}; the newest network without nan or inf"
        raise ValueError("every network of this session holds nan or inf")

    def drop_recovery(self) -> None:
        """The work is saved (or kept anew): this session's recovery file is not needed."""
        if self.recovered_to is not None:
            self.recovered_to.unlink(missing_ok=True)
        self.recovered_to = self.recovered_network = None

    def exit_notes(self) -> list[str]:
        """What the terminal is told once the app has ended: how, and where the work is."""
        notes = [f"bpdebug: ended by {self.ended_by}"] if self.ended_by else []
        if self.recovered_to is not None:
            notes.append(
                f"bpdebug: the unsaved network is in {self.recovered_to} "
                "(the next bpdebug offers to open it)"
            )
        elif self.recovery_error:
            notes.append(f"bpdebug: the unsaved network could not be kept: {self.recovery_error}")
        return notes

    def watch_signals(self) -> None:
        """SIGTERM, SIGHUP and SIGINT end the session cleanly: the terminal is restored and
        unsaved work goes to a recovery file (Textual handles none of them itself)."""
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.add_signal_handler(sig, self.end_by_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            return
        self.signals_watched = True

    def end_by_signal(self, sig: int) -> None:
        self.ended_by = signal.Signals(sig).name
        self.keep_recovery(f"it received {self.ended_by}")
        self.exit(return_code=128 + sig)

    def on_unmount(self) -> None:
        if self.signals_watched:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def offer_recovery(self) -> None:
        """Unsaved work kept by an earlier session: offer to open it."""
        from ..recovery import ended_why, pending

        found = pending()
        if not found:
            return
        newest = found[0]

        def answered(choice: str | None) -> None:
            if choice == "open":
                self.open_recovered(newest)
            elif choice == "delete":
                newest.unlink(missing_ok=True)
                self.notify(f"Deleted {newest}")

        more = f" ({len(found) - 1} older ones are in the same folder)" if len(found) > 1 else ""
        question = (
            f"{ended_why(newest) or 'An earlier session left unsaved work'}.\n"
            f"It was kept in {newest}{more}. Open it now?"
        )
        # the last answer is what escape means: keeping the file for later
        answers = [("open", "Open it"), ("delete", "Delete it"), ("keep", "Later")]
        self.push_screen(screens.ConfirmScreen(question, answers), answered)

    def open_recovered(self, path: Path) -> None:
        """Open a recovery file as unsaved work (the file is removed: the work is here now)."""
        from ..recovery import LIMITS

        try:
            network = load_network(path, LIMITS)
        except NetworkFileError as exc:
            self.notify(str(exc), title="Not opened", severity="error", timeout=8)
            return
        self.replace_network(network)
        self.saved, self.origin = None, ""  # nothing on disk holds it now: unsaved work
        path.unlink(missing_ok=True)
        self.show_edit_state()
        self.notify("Recovered the unsaved network: ctrl+s saves it")

    def on_resize(self, event: events.Resize) -> None:
        """Fit the layout to the terminal: shrink, then drop panels, then say it is too small.

        The event's size, not `self.size`: Textual updates the app's size a moment later.
        """
        width, height = event.size
        main = self.screen_stack[0] if self.screen_stack else self.screen
        main.set_class(height < 30, "-short")
        main.set_class(height < 22, "-cramped")
        main.set_class(width < 90, "-narrow")
        main.set_class(width < 70, "-slim")
        tiny = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        main.set_class(tiny, "-tiny")
        if tiny:
            self.query_one("#too-small", Static).update(
                f"bpdebug needs a terminal of at least {MIN_SIZE[0]}×{MIN_SIZE[1]}; this one "
                f"is {width}×{height}. Enlarge it (keys still work; q quits)."
            )

    # ------------------------------------------------------------------ state → screen

    def load_trace(self, trace: Trace, cursor: int = 0, keep_scroll: bool = False) -> None:
        """Show a new trace (a new file, an edit, the next iteration) at `cursor`."""
        self.trace = trace
        self.title = trace.network.name or "bpdebug"
        self.query_one(Tape).load(trace)
        cursor = min(max(cursor, 0), len(trace) - 1)
        if cursor != self.cursor:
            self.cursor = cursor  # the watcher shows the step
        else:
            self.show_step(keep_scroll)
        self.query_one(LossPlot).show(self.losses, self.iteration)

    def watch_cursor(self) -> None:
        # Next/Prev are not dimmed at the ends: re-checking bindings rebuilds the Footer,
        # which costs more than a whole step. The step panel's "step k of N" says where.
        self.show_step()

    def show_step(self, keep_scroll: bool = False) -> None:
        step = self.trace[self.cursor]
        before = self.before[self.cursor] if self.before is not None else None
        tall = self.size.height >= 30
        self.query_one(NetworkDiagram).show(self.trace, step, max_rows=6 if tall else 3)
        extra_blocks, extra_line = self.gradient_check_view(step)
        digits, example = self.digits, self.example
        self.query_one(StepPanel).show(self.trace, step, before, extra_line, digits, example)
        self.query_one(ValuesView).show(
            step, before, self.selected, keep_scroll, extra_blocks, digits, example
        )
        self.query_one(Tape).show(self.cursor, self.breakpoints)
        self.show_edit_state()

    # ------------------------------------------------------------------ gradient check

    def action_toggle_check(self) -> None:
        self.checking = not self.checking
        self.show_step(keep_scroll=True)
        state = "on: ∂L/∂W and ∂L/∂b steps show central differences" if self.checking else "off"
        self.notify(f"Gradient check {state}")

    def gradient_report(self) -> CheckReport | None:
        """The finite-difference check of this trace's network, made once per trace."""
        if self.network.n_params > CHECK_MAX_PARAMS:
            return None
        if self._report is None or self._report[0] is not self.trace:
            self._report = (self.trace, check_gradients(self.network))
        return self._report[1]

    def gradient_check_view(self, step: Step) -> tuple[tuple[Block, ...], str]:
        """At a dW/db step with the check on: ĝ and the relative error, and the cost line."""
        if not self.checking or step.kind not in ("dW", "db"):
            return (), ""
        report = self.gradient_report()
        if report is None:
            return (), (
                f"gradient check: {self.network.n_params:,} parameters are more than "
                f"{CHECK_MAX_PARAMS:,}; run bpdebug check on the file"
            )
        name = f"{'W' if step.kind == 'dW' else 'b'}{step.layer}"
        tensor = next(t for t in report.tensors if t.name == name)
        blocks = (
            make_block(
                f"≈ ĝ = (L(θ+h) − L(θ−h)) / 2h  {tensor.numeric.size} entries",
                "numeric",
                tensor.numeric,
                self.digits,
            ),
            make_block(
                "  relative error |g − ĝ| / max(|g|, |ĝ|, 1e-4·max(1, |L|))",
                "error",
                tensor.error,
                self.digits,
            ),
        )
        line = (
            f"✓ finite differences agree: max relative error {tensor.max_error:.1e}. "
            f"Backprop: 1 forward + 1 backward pass ({report.backprop_seconds * 1e3:.2f} ms);"
            f" differences: {report.forward_passes:,} forward passes "
            f"({report.numeric_seconds * 1e3:.1f} ms)"
        )
        if not tensor.max_error <= 1e-6:
            line = "✗" + line[1:].replace("agree", "disagree")
        return blocks, line

    def show_edit_state(self) -> None:
        """The header's iteration, loss (before → after an edit) and step; the edit bar."""
        loss = num(self.trace.loss, self.digits)
        if self.before is not None and self.before.loss != self.trace.loss:
            loss = f"{num(self.before.loss, self.digits)} → {loss} (edit)"
        self.status = f"iteration {self.iteration} · L = {loss}"  # the step is in its panel
        self.query_one(TitleBar).show(self.trace.network.name or "bpdebug", self.status)
        value = get_value(self.network, self.selected)
        self.query_one(EditBar).show(
            self.selected.label(),
            value,
            self.nudge,
            len(self.undo_stack),
            self.dirty,
            self.digits,
        )

    def action_toggle_digits(self) -> None:
        self.set_digits(None if self.digits is not None else DIGITS)

    def set_digits(self, digits: int | None) -> None:
        """Show every number to `digits` significant figures (None: every digit)."""
        self.digits = digits
        self.show_step(keep_scroll=True)
        self.notify(
            f"Numbers: {'every digit' if digits is None else f'{digits} significant digits'}"
        )

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
        self.example = k
        self.show_step(keep_scroll=True)

    @property
    def dirty(self) -> bool:
        """Whether the network differs from the file it was loaded from or last saved to."""
        return self.network is not self.saved

    # ------------------------------------------------------------------ actions

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
        self.go(next_stop(self.trace, self.cursor, self.breakpoints, self.conditions))

    def action_continue_back(self) -> None:
        self.go(previous_stop(self.trace, self.cursor, self.breakpoints, self.conditions))

    def add_condition(self, text: str) -> None:
        """Add a conditional breakpoint (from the palette); a bad one is said, not added."""
        try:
            condition = parse_condition(text, self.network.depth)
        except ConditionError as exc:
            self.notify(str(exc), title="No breakpoint", severity="error")
            return
        if condition.text not in {c.text for c in self.conditions}:
            self.conditions = (*self.conditions, condition)
        self.notify(f"Breaks when {condition.text}: c continues to it")

    def action_why(self) -> None:
        from ..engine.chain import chain_for

        ref = self.selected
        if ref.tensor not in ("W", "b"):
            self.notify(
                f"{ref.label()} is not a weight or a bias: select one (tab, arrows)",
                title="No chain",
                severity="warning",
            )
            return
        step = self.trace.find("dW" if ref.tensor == "W" else "db", ref.layer)
        symbol = f"∂L/∂{ref.label()}"

        def chosen(index: int | None) -> None:
            if index is not None:
                self.go(index)

        example = self.example if self.example is not None else 0
        chain = chain_for(self.trace, ref, example)
        self.push_screen(screens.ChainScreen(chain, symbol, step.index, self.digits), chosen)

    def action_breakpoints(self) -> None:
        def closed(result: tuple[frozenset[int], tuple[Condition, ...]] | None) -> None:
            if result is not None:
                self.breakpoints, self.conditions = result
                self.query_one(Tape).show(self.cursor, self.breakpoints)

        dialog = screens.BreakpointsScreen(
            self.trace,
            self.breakpoints,
            self.conditions,
            lambda text: parse_condition(text, self.network.depth),
        )
        self.push_screen(dialog, closed)

    def action_go_to(self) -> None:
        def chosen(index: int | None) -> None:
            if index is not None:
                self.go(index)

        self.push_screen(screens.GoToScreen(len(self.trace)), chosen)

    def action_help(self) -> None:
        self.push_screen(screens.HelpScreen(list(self.BINDINGS)))

    def on_tape_step_selected(self, message: Tape.StepSelected) -> None:
        self.go(message.index)

    def on_values_view_cell_selected(self, message: ValuesView.CellSelected) -> None:
        self.select(message.ref)

    def select(self, ref: ParamRef) -> None:
        """Choose the parameter that edit and nudge change."""
        self.selected = ref
        values = self.query_one(ValuesView)
        values.selected = ref
        values.refresh()
        self.show_edit_state()

    # ------------------------------------------------------------------ what-if edits

    def snapshot(self) -> Snapshot:
        return Snapshot(self.network, self.iteration, tuple(self.losses))

    def change_network(self, network: Network) -> None:
        """An edit: remember how to undo it, trace the new network, stay on the same step."""
        trace = build_trace(network)  # first: if anything fails, nothing has changed yet
        self.undo_stack.append(self.snapshot())
        self.redo_stack.clear()
        self.before = self.trace
        self.losses[-1] = trace.loss
        self.load_trace(trace, self.cursor, keep_scroll=True)

    def restore(self, snapshot: Snapshot) -> None:
        # Undoing an edit shows what it changed; across training there is no "before" to
        # compare a value with (another iteration's numbers are not this one's edit).
        self.before = self.trace if snapshot.iteration == self.iteration else None
        self.iteration, self.losses = snapshot.iteration, list(snapshot.losses)
        self.load_trace(build_trace(snapshot.network), self.cursor, keep_scroll=True)

    def apply_text(self, text: str) -> Network:
        """The network with the selected parameter set to the typed value (or EditError)."""
        return set_value(self.network, self.selected, parse_value(text))

    def action_edit(self) -> None:
        def edited(network: Network | None) -> None:
            if network is not None:
                self.change_network(network)

        current = num(get_value(self.network, self.selected), None)  # every digit: enter keeps it
        self.push_screen(
            screens.EditScreen(self.selected.label(), current, self.apply_text), edited
        )

    def action_nudge(self, sign: int) -> None:
        value = get_value(self.network, self.selected) + sign * self.nudge
        try:
            network = set_value(self.network, self.selected, value)
        except EditError as exc:
            self.notify(f"{self.selected.label()}: {exc}", title="Not changed", severity="error")
            return
        self.change_network(network)

    def action_scale_nudge(self, factor: float) -> None:
        self.nudge = min(max(self.nudge * factor, 1e-12), 1e6)
        self.show_edit_state()

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo")
            return
        self.redo_stack.append(self.snapshot())
        self.restore(self.undo_stack.pop())

    def action_redo(self) -> None:
        if not self.redo_stack:
            self.notify("Nothing to redo")
            return
        self.undo_stack.append(self.snapshot())
        self.restore(self.redo_stack.pop())

    # ------------------------------------------------------------------ training

    def advance(self, network: Network, losses: list[float]) -> None:
        """Training moved on by len(losses) − 1 iterations: show the new iteration's trace."""
        self.undo_stack.append(self.snapshot())
        self.redo_stack.clear()
        self.before = None
        self.iteration += len(losses) - 1
        self.losses[-1:] = losses
        self.load_trace(build_trace(network), self.cursor, keep_scroll=True)

    def action_train_one(self) -> None:
        self.advance(self.trace.updated, [self.trace.loss, self.trace.loss_after])

    def action_train_many(self) -> None:
        def trained(result: screens.TrainResult | None) -> None:
            if result is None:
                return
            self.advance(result.network, result.losses)
            n = len(result.losses) - 1
            stopped = " (stopped)" if result.stopped else ""
            first, last = num(result.losses[0], self.digits), num(result.losses[-1], self.digits)
            self.notify(f"Trained {n:,} iterations{stopped}: L {first} → {last}")

        self.push_screen(screens.TrainScreen(self.network), trained)

    # ------------------------------------------------------------------ saving and quitting

    @property
    def source(self) -> Path | None:
        """The user's own file this network came from (None for a shipped sample)."""
        src = self.origin
        if not src or Path(src).resolve().parent == SAMPLES_DIR.resolve():
            return None
        return Path(src)

    def save_suggestion(self) -> Path:
        """NAME-edited.toml beside the original (else here, else the home folder: a folder
        that exists); never an existing file."""
        src = Path(self.origin) if self.origin else Path("network.toml")
        folder = self.source.parent if self.source and self.source.parent.is_dir() else here()
        stem, suffix = src.stem.removesuffix("-edited"), src.suffix or ".toml"
        return _free_name(folder / f"{stem}-edited{suffix}")

    def write_network(self, path: Path, overwrite: bool) -> Path:
        origin = f", from {self.origin}" if self.origin else ""
        comment = f"Saved by bpdebug at iteration {self.iteration}{origin}"
        return save_network(
            self.network, path, overwrite=overwrite, comment=comment, limits=self.limits
        )

    def action_save(self, then: Callable[[], None] | None = None) -> None:
        def saved(path: Path | None) -> None:
            if path is None:
                return
            self.saved = self.network
            self.drop_recovery()
            self.show_edit_state()
            self.notify(f"Saved to {path}")
            if then is not None:
                then()

        screen = screens.SaveScreen(self.save_suggestion(), self.source, self.write_network)
        self.push_screen(screen, saved)

    def ask_to_discard(self, question: str, proceed: Callable[[], None]) -> None:
        """Run `proceed` now if nothing is unsaved; else ask: save first, discard, or cancel."""
        if not self.dirty:
            proceed()
            return

        def answered(choice: str | None) -> None:
            if choice == "save":
                self.action_save(then=proceed)
            elif choice == "discard":
                proceed()

        answers = [("save", "Save first"), ("discard", "Discard changes"), ("cancel", "Cancel")]
        self.push_screen(screens.ConfirmScreen(question, answers), answered)

    async def action_quit(self) -> None:
        self.ask_to_discard("There are unsaved changes. Save them before quitting?", self.exit)

    # ------------------------------------------------------------------ files

    def open_network(self, path: str) -> None:
        """Load another network; a bad file is a notification and changes nothing."""
        try:
            network = load_network(path, self.limits)
        except NetworkFileError as exc:
            self.notify(str(exc), title="Not opened", severity="error", timeout=8)
            return
        question = f"There are unsaved changes. Save them before opening {network.name or path}?"
        self.ask_to_discard(question, lambda: self.replace_network(network))

    def action_export(self) -> None:
        """Write NAME-worked.md (the whole iteration) and NAME-stepK.svg (this screen) here."""
        from ..atomic import write_atomically
        from ..explain import explain_markdown

        stem = Path(self.origin).stem if self.origin else "network"
        folder = here()
        written = []
        for name, text in (
            (f"{stem}-worked.md", explain_markdown(self.trace, self.digits)),
            (f"{stem}-step{self.cursor + 1}.svg", self.export_screenshot()),
        ):
            path = _free_name(folder / name)
            try:
                write_atomically(path, text)
            except OSError as exc:
                self.notify(
                    f"{path}: {exc.strerror or exc}", title="Not exported", severity="error"
                )
                return
            written.append(path.name)
        self.notify(f"Exported {' and '.join(written)} to {folder}")

    def action_open(self) -> None:
        def opened(network: Network | None) -> None:
            if network is not None:
                question = f"There are unsaved changes. Save them before opening {network.name}?"
                self.ask_to_discard(question, lambda: self.replace_network(network))

        self.push_screen(
            screens.OpenScreen(lambda text: load_network(resolve(text), self.limits)), opened
        )

    def replace_network(self, network: Network) -> None:
        """Start afresh on another network: no breakpoints, history or edits carry over."""
        trace = build_trace(network)
        self.breakpoints = frozenset()
        self.conditions = ()
        self.iteration = 0
        self.losses = [trace.loss]
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.saved, self.origin = network, network.source
        self.drop_recovery()
        self.before = None
        self.selected = ParamRef("W", 1, 0, 0)
        self.example = None
        self.load_trace(trace)
        self.notify(f"Opened {network.name or network.source}")

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
        yield SystemCommand("Breakpoints…", "list, remove, add conditions", self.action_breakpoints)
        for text, help_text in (
            ("nonfinite", "the first nan or inf"),
            ("vanishing delta 1e-6", "max |δ| below 1e-6"),
            ("vanishing dW 1e-6", "max |∂L/∂W| below 1e-6"),
            ("exploding delta 1e3", "max |δ| above 1e3"),
            ("exploding dW 1e3", "max |∂L/∂W| above 1e3"),
            ("dead relu", "a relu unit with z ≤ 0 for the whole batch"),
            *((f"phase {p}", f"any {p} step") for p in ("forward", "backward", "update")),
            *((f"layer {l}", f"any step of layer {l}") for l in range(1, self.network.depth + 1)),
        ):
            yield SystemCommand(
                f"Break when: {text}", help_text, lambda t=text: self.add_condition(t)
            )
        for name in sample_names():
            yield SystemCommand(
                f"Open sample: {name}",
                sample_summary(name),
                lambda n=name: self.open_network(str(sample_path(n))),
            )
        yield SystemCommand(
            "Numbers: every digit", "full precision everywhere", lambda: self.set_digits(None)
        )
        yield SystemCommand(
            "Numbers: 6 significant digits", "the default", lambda: self.set_digits(DIGITS)
        )
        m = self.network.batch_size
        if m > 1:
            yield SystemCommand(
                "Follow the whole batch", "every example at once", lambda: self.follow_example(None)
            )
            for k in range(min(m, 64)):
                yield SystemCommand(
                    f"Follow example {k}",
                    f"column {k} of {m}: its own products, then the batch mean",
                    lambda k=k: self.follow_example(k),
                )
        yield SystemCommand("Edit the selected parameter", self.selected.label(), self.action_edit)
        yield SystemCommand("Undo", "the last edit or training", self.action_undo)
        yield SystemCommand("Redo", "what was undone", self.action_redo)
        yield SystemCommand("Train one iteration", "apply the update", self.action_train_one)
        yield SystemCommand("Train N iterations…", "default 100", self.action_train_many)
        yield SystemCommand("Save network…", "to a new file", self.action_save)
        yield SystemCommand("Open network file…", "a .toml or .json file", self.action_open)
        if self.network.n_params <= 500:
            for ref in all_refs(self.network):
                yield SystemCommand(
                    f"Select {ref.label()}",
                    "the parameter to edit or nudge",
                    lambda r=ref: self.select(r),
                )


def _free_name(path: Path) -> Path:
    """`path`, or `path` with -2, -3, … before the suffix: never an existing file."""
    candidate, n = path, 2
    while _exists(candidate):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _exists(path: Path) -> bool:
    """Whether something is at `path` (a name the system refuses counts as nothing there)."""
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return False


def here() -> Path:
    """The working folder, or the home folder, or the temporary folder: one that exists
    (the working folder may have been deleted while bpdebug ran)."""
    for folder in (Path.cwd, Path.home, lambda: Path(tempfile.gettempdir())):
        try:
            found = folder()
        except (OSError, RuntimeError):
            continue
        if found.is_dir():
            return found
    return Path("/")


def make_app(
    network: Network, limits: Limits | None = None, offer_recovered: bool = False
) -> BPDebugApp:
    """The one app factory, used by the command line and the tests."""
    return BPDebugApp(network, limits, offer_recovered)
