"""The loss history as a sparkline, with the first and latest loss in its border.

A history spanning more than two decades (a loss falling from 1 to 1e-4) is drawn on a log
scale, or all but its first iterations would be one flat line; the border says "log".
"""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline

from ...notation import num
from ..textual_private import Guarded

DECADES = 2  # a history wider than this many powers of ten is drawn on a log scale


def plotted(losses: list[float]) -> tuple[list[float], bool]:
    """The points to draw (finite ones) and whether they are log₁₀ of the losses."""
    finite = [v for v in losses if math.isfinite(v)]
    if len(finite) < 2:
        return [], False
    low, high = min(finite), max(finite)
    if low > 0 and high / low > 10**DECADES:
        return [math.log10(v) for v in finite], True
    return finite, False


class LossPlot(Guarded, Vertical):
    DEFAULT_CSS = """
    LossPlot { height: 5; }
    LossPlot Sparkline { height: 1fr; }
    """

    log_scale = False

    def compose(self) -> ComposeResult:
        yield Sparkline([], summary_function=max)

    def show(self, losses: list[float], iteration: int) -> None:
        points, self.log_scale = plotted(losses)
        self.query_one(Sparkline).data = points
        scale = " (log)" if self.log_scale else ""
        self.border_title = f"Loss{scale} · iteration {iteration}"
        if len(losses) > 1:
            self.border_subtitle = f"{num(losses[0], 4)} → {num(losses[-1], 4)}"
        else:
            self.border_subtitle = num(losses[-1]) if losses else ""
