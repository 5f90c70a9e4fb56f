"""The loss history as a sparkline, with the first and latest loss in its border."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline

from ...notation import num
from ..textual_private import Guarded


class LossPlot(Guarded, Vertical):
    DEFAULT_CSS = """
    LossPlot { height: 5; }
    LossPlot Sparkline { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Sparkline([], summary_function=max)

    def show(self, losses: list[float], iteration: int) -> None:
        finite = [v for v in losses if v == v and abs(v) != float("inf")]
        self.query_one(Sparkline).data = finite if len(finite) > 1 else []
        self.border_title = f"Loss · iteration {iteration}"
        if len(losses) > 1:
            self.border_subtitle = f"{num(losses[0], 4)} → {num(losses[-1], 4)}"
        else:
            self.border_subtitle = num(losses[-1]) if losses else ""
