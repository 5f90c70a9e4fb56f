"""Run N training iterations in a thread, with progress and a way to stop.

Training always stops at the first iteration whose loss or update is nan or inf; with the
box ticked (the default) it also stops when the loss diverges: it rose 10 iterations in a
row, or passed 10× its first value.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, ProgressBar
from textual.worker import Worker, WorkerState, get_current_worker

from bpdebug.engine import Network
from bpdebug.engine.training import DIVERGING, HISTORY_ROWS, Descent, Run, StopRules
from bpdebug.notation.parse import whole_number
from bpdebug.tui.screens.dialog import Dialog, Plain

MAX_ITERATIONS = 1_000_000


class TrainResult(NamedTuple):
    run: Run
    asked: int  # the iterations asked for (the run may have stopped before)


class TrainScreen(Dialog[TrainResult | None]):
    """Asks how many iterations (default 100), runs them, returns the result (None: cancelled)."""

    BINDINGS = [Binding("escape", "stop", "Stop / cancel")]
    DEFAULT_CSS = """
    TrainScreen > .box { width: 64; }
    TrainScreen ProgressBar { display: none; }
    TrainScreen.-running ProgressBar { display: block; }
    TrainScreen.-running Input, TrainScreen.-running Checkbox, TrainScreen.-running #rules {
        display: none;
    }
    TrainScreen Checkbox { border: none; padding: 0; margin-top: 1; }
    TrainScreen #rules { color: $text-muted; padding-left: 4; }
    """

    def __init__(self, network: Network, default: int = 100) -> None:
        super().__init__()
        self.network, self.default = network, default
        self.descent: Descent | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Train"
            yield Plain("Iterations to run (enter starts, esc stops or cancels):", id="prompt")
            yield Input(value=str(self.default), id="count", select_on_focus=True)
            # a checkbox's label is one line: the short name, the rule it means below it
            yield Checkbox("stop if the loss diverges", value=True, id="diverge")
            yield Plain(
                f"it diverges when it rises {DIVERGING.rising} iterations in a row, or passes "
                f"{DIVERGING.factor:g}× its first value",
                id="rules",
            )
            yield ProgressBar(id="progress", show_eta=False)
            yield Plain("", id="error")

    def on_mount(self) -> None:
        self.query_one("#count", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        try:
            n = whole_number(event.value, 1, MAX_ITERATIONS)
        except ValueError as exc:
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        self.start(n)

    def start(self, n: int) -> Worker[TrainResult]:
        """Train n iterations in a worker, showing progress; its result closes the dialog."""
        rules = DIVERGING if self.query_one("#diverge", Checkbox).value else StopRules()
        self.descent = Descent(self.network, rules, cap=HISTORY_ROWS)
        self.add_class("-running")
        self.query_one("#progress", ProgressBar).update(total=n, progress=0)
        self.query_one("#prompt", Plain).update(f"Training {n:,} iterations… (esc stops)")
        return self.run(n)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run(self, n: int) -> TrainResult:
        """The run, in a worker thread; the dialog closes on its result once the worker has
        finished (on_worker_state_changed). A worker that closed the dialog itself would be
        cancelled with it, still running."""
        return TrainResult(self.train(n), n)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The run's result closes the dialog; an engine bug is said here and must not take
        the session down."""
        worker = event.worker
        if worker.state == WorkerState.SUCCESS:
            self.dismiss(worker.result)
        elif worker.state == WorkerState.ERROR:
            error = worker.error
            self.failed(f"{type(error).__name__}: {error}")

    def train(self, n: int) -> Run:
        """Up to n iterations; stops early when asked or when a stop rule holds. Runs in a
        worker thread."""
        worker, descent = get_current_worker(), self.descent
        assert descent is not None
        chunk = 1  # iterations between progress updates: doubled until a chunk takes ~20 ms
        while descent.done < n and not descent.stopped:
            if worker.is_cancelled:
                descent.interrupt()
                break
            started = time.perf_counter()
            descent.run(min(chunk, n - descent.done))
            if time.perf_counter() - started < 0.02:
                chunk *= 2
            self.app.call_from_thread(self.query_one(ProgressBar).update, progress=descent.done)
        return descent.finish(final_row=False)  # the app takes it from the new trace

    def failed(self, message: str) -> None:
        self.remove_class("-running")
        self.query_one("#error", Plain).update(f"✗ training stopped: {message}")

    def action_stop(self) -> None:
        if self.has_class("-running") and self.descent is not None:
            self.descent.interrupt()  # the worker finishes the iteration it is in, then returns
        else:
            self.dismiss(None)
