"""The loss history as a braille curve, and a pinned run (P) drawn beside it as a second
curve, in another colour and with its own mark (•; ∗ where both pass), the legend naming both.

The title says what the axes are: the loss, on a linear or a log scale (a history spanning
more than two decades, a loss falling from 1 to 1e-4, is drawn on a log scale, or all but its
first iterations would be one flat line), against the iterations 0–N. The border's foot gives
the first and latest loss at the precision setting (`d`), shortened with … only where the
panel is too narrow for every digit.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widget import Widget

from bpdebug.notation import DIGITS
from bpdebug.output.plot import MARKS, SERIES_STYLES, Series, fitted, plot, styled_rows
from bpdebug.session.session import Pinned
from bpdebug.tui.textual_private import Guarded
from bpdebug.tui.views.panels import LossShown

BORDER = 4  # beyond the content: a rule and a space each side of a title (corners aside)


class LossPlot(Guarded, Widget):
    log_scale = False

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.losses = np.array([])
        self.pinned: Pinned | None = None
        self.network_name = ""
        self.iteration = 0
        self.digits: int | None = DIGITS
        self.hidden = False  # a quiz asks for the latest loss: the foot says L = ?

    def show(self, shown: LossShown) -> None:
        self.losses, self.pinned = np.asarray(shown.losses, dtype=float), shown.pinned
        self.network_name, self.iteration, self.digits = (
            shown.network_name,
            shown.iteration,
            shown.digits,
        )
        self.hidden = shown.hidden
        series = self._series()
        self.log_scale = plot(series, 1, 1).log if series else False
        self.label()
        self.refresh()

    def on_resize(self) -> None:
        self.label()  # refitted to the new width

    def label(self) -> None:
        """The border's title (the axes) and foot (the ends, the legend, or L = ? while a
        quiz asks for the loss), fitted."""
        room = max(8, self.size.width - BORDER)
        self.border_title = self._title(room)
        if self.hidden:
            self.border_subtitle = "L = ?"
        else:
            self.border_subtitle = self._ends(room) if self.pinned is None else self._legend(room)

    def _title(self, room: int) -> str:
        if not self._series():
            return f"Loss · iteration {self.iteration:,}"
        last = max(len(self.losses), len(self.pinned.losses) if self.pinned else 0) - 1
        scale = "log" if self.log_scale else "linear"
        for title in (
            f"Loss ({scale} scale) · iterations 0–{last:,}",
            f"Loss ({scale}) · iterations 0–{last:,}",
            f"Loss ({scale}) · iter. 0–{last:,}",
            f"Loss ({scale}) · 0–{last:,}",
        ):
            if len(title) <= room:
                break
        return title

    def _ends(self, room: int) -> str:
        """'L₀ → Lₙ' (or L₀ alone) at the precision setting; each shortened (…) to share a
        narrow border."""
        losses = [float(v) for v in self.losses]
        if not losses:
            return ""
        if len(losses) == 1:
            return fitted(losses[0], self.digits, room)
        each = (room - 3) // 2
        return f"{fitted(losses[0], self.digits, each)} → {fitted(losses[-1], self.digits, each)}"

    def _legend(self, room: int) -> str:
        """Textual markup: '⣿ now  • pinned NAME', each in its curve's colour, the name cut
        with … to fit."""
        assert self.pinned is not None
        now, then = SERIES_STYLES
        name = self.pinned.name
        if self.pinned.network != self.network_name:
            name = f"{self.pinned.network}, {name}"
        left = room - len(f"{MARKS[0]} now  {MARKS[1]} pinned ")
        if len(name) > left:
            name = name[: max(1, left - 1)] + "…"
        name = name.replace("[", r"\[")
        return f"[{now}]{MARKS[0]} now[/]  [{then}]{MARKS[1]} pinned {name}[/]"

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
