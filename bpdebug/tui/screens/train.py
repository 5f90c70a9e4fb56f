"""Run N training iterations in a thread, with progress and a way to stop."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, ProgressBar
from textual.worker import get_current_worker

from ...engine import Network
from ...engine.flat import Descent
from ...notation.parse import whole_number
from .dialog import Dialog, Plain

MAX_ITERATIONS = 1_000_000


@dataclass(frozen=True)
class TrainResult:
    network: Network
    losses: list[float]  # the loss before each iteration, then the loss after the last
    stopped: bool  # the user stopped it before the count was reached


class TrainScreen(Dialog[TrainResult | None]):
    """Asks how many iterations (default 100), runs them, returns the result (None: cancelled)."""

    BINDINGS = [Binding("escape", "stop", "Stop / cancel")]
    DEFAULT_CSS = """
    TrainScreen > .box { width: 60; }
    TrainScreen ProgressBar { display: none; }
    TrainScreen.-running ProgressBar { display: block; }
    TrainScreen.-running Input { display: none; }
    """

    def __init__(self, network: Network, default: int = 100) -> None:
        super().__init__()
        self.network, self.default = network, default
        self.stopping = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Train"
            yield Plain("Iterations to run (enter starts, esc stops or cancels):", id="prompt")
            yield Input(value=str(self.default), id="count", select_on_focus=True)
            yield ProgressBar(id="progress", show_eta=False)
            yield Plain("", id="error")

    @on(Input.Submitted)
    def start(self, event: Input.Submitted) -> None:
        try:
            n = whole_number(event.value, 1, MAX_ITERATIONS)
        except ValueError as exc:
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        self.add_class("-running")
        self.query_one("#progress", ProgressBar).update(total=n, progress=0)
        self.query_one("#prompt", Plain).update(f"Training {n:,} iterations… (esc stops)")
        self.run(n)

    @work(thread=True, exclusive=True)
    def run(self, n: int) -> None:
        try:
            result = self.train(n)
        except Exception as exc:  # an engine bug must not take the session down
            self.app.call_from_thread(self.failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self.dismiss, result)

    def train(self, n: int) -> TrainResult:
        """Up to n iterations; stops early when asked. Runs in a worker thread."""
        worker = get_current_worker()
        descent = Descent(self.network)
        losses: list[float] = []
        chunk = 1  # iterations between progress updates: doubled until a chunk takes ~20 ms
        while len(losses) < n and not (self.stopping or worker.is_cancelled):
            started = time.perf_counter()
            losses += descent.run(min(chunk, n - len(losses)))
            if time.perf_counter() - started < 0.02:
                chunk *= 2
            self.app.call_from_thread(self.query_one(ProgressBar).update, progress=len(losses))
        losses.append(descent.loss())
        net = descent.network()
        return TrainResult(net, losses, stopped=len(losses) - 1 < n)

    def failed(self, message: str) -> None:
        self.remove_class("-running")
        self.query_one("#error", Plain).update(f"✗ training stopped: {message}")

    def action_stop(self) -> None:
        if self.has_class("-running"):
            self.stopping = True  # the worker finishes the iteration it is in, then returns
        else:
            self.dismiss(None)
