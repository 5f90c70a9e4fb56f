"""Rich styles looked up once per theme, not once per line drawn."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from bpdebug.tui.textual_private import Guarded


class CachedStyles(Guarded, Widget):
    """`style_of("")` is the widget's own style, `style_of("values--read")` a component's.

    Looking a style up walks the DOM; a Line API widget asks for one per line and per cell,
    so the answers are kept until the styles change (a theme switch, a pseudo-class).
    """

    _style_cache: dict[str, Style]

    def style_of(self, component: str = "") -> Style:
        cache = self.__dict__.setdefault("_style_cache", {})
        style: Style | None = cache.get(component)
        if style is None:
            style = self.get_component_rich_style(component) if component else self.rich_style
            cache[component] = style
        return style

    def notify_style_update(self) -> None:
        self.__dict__.pop("_style_cache", None)
        super().notify_style_update()

    def text_strip(self, line: Text) -> Strip:
        """One line of Rich text, drawn over this widget's own style."""
        return Strip(line.render(self.app.console), line.cell_len).apply_style(self.style_of())

    def fit(self, strip: Strip | None) -> Strip:
        """A line exactly as wide as the widget (blank for None)."""
        width = self.size.width
        if strip is None:
            return Strip.blank(width, self.style_of())
        return strip.extend_cell_length(width, self.style_of()).crop(0, width)
