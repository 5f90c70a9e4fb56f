"""The loss history as a braille curve, with the first and latest loss in its border, and a
pinned run (P) drawn beside it as a second curve, the legend naming both.

A history spanning more than two decades (a loss falling from 1 to 1e-4) is drawn on a log
scale, or all but its first iterations would be one flat line; the border says "log".
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widget import Widget

from ...notation import num
from ...plot import SERIES_STYLES, Series, plot, styled_rows
from ..session import Pinned
from ..textual_private import Guarded


class LossPlot(Guarded, Widget):
    log_scale = False

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.losses = np.array([])
        self.pinned: Pinned | None = None
        self.network_name = ""

    def show(
        self,
        losses: list[float],
        iteration: int,
        pinned: Pinned | None = None,
        network_name: str = "",
    ) -> None:
        self.losses, self.pinned = np.asarray(losses, dtype=float), pinned
        self.network_name = network_name
        series = self._series()
        self.log_scale = plot(series, 1, 1).log if series else False
        scale = " (log)" if self.log_scale else ""
        self.border_title = f"Loss{scale} · iteration {iteration}"
        ends = f"{num(losses[0], 4)} → {num(losses[-1], 4)}" if len(losses) > 1 else ""
        if pinned is None:
            self.border_subtitle = ends if ends else (num(losses[-1]) if losses else "")
        else:
            now, then = SERIES_STYLES
            name = pinned.name
            if pinned.network != self.network_name:
                name = f"{pinned.network}, {name}"
            name = name.replace("[", r"\[")
            self.border_subtitle = f"[{now}]⣿ now[/] [{then}]⣿ pinned {name}[/]"
        self.refresh()

    def _series(self) -> list[Series]:
        if len(self.losses) < 2 and self.pinned is None:
            return []  # one loss is not yet a curve (the border says its value)
        series = [Series("now", np.arange(len(self.losses), dtype=float), self.losses)]
        if self.pinned is not None:
            p = self.pinned.losses
            series.append(Series("pinned", np.arange(len(p), dtype=float), p))
        return series if any(np.isfinite(s.y).any() for s in series) else []

    def render(self) -> Text:
        series = self._series()
        width, height = self.content_region.width, self.content_region.height
        if not series or width < 1 or height < 1:
            return Text("")
        drawn = plot(series, width, height, log=self.log_scale)
        return Text("\n").join(styled_rows(drawn, color=True))
