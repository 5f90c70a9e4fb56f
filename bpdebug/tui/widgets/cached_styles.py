"""Rich styles looked up once per theme, not once per line drawn."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..textual_private import Guarded


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


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Resize a scroll view's content, redrawing only the scrollbar whose length changed.

    Assigning `virtual_size` asks for a layout pass and redraws both scrollbars, which costs
    more than the rest of a step; a layout pass is needed only if a scrollbar appears or goes.
    """
    old = view.virtual_size
    if size == old:
        return
    bars = (view.show_vertical_scrollbar, view.show_horizontal_scrollbar)
    view.set_reactive(ScrollView.virtual_size, size)
    view._refresh_scrollbars()
    if (view.show_vertical_scrollbar, view.show_horizontal_scrollbar) != bars:
        view._scroll_update(size)
        view.refresh(layout=True)
        return
    width, height = view.container_size
    # The bars' reactive attributes redraw a bar when, and only when, its numbers change.
    if view.show_vertical_scrollbar and view.styles.scrollbar_size_vertical:
        view.vertical_scrollbar.window_virtual_size = size.height
        view.vertical_scrollbar.window_size = height - view.scrollbar_size_horizontal
    if view.show_horizontal_scrollbar and view.styles.scrollbar_size_horizontal:
        view.horizontal_scrollbar.window_virtual_size = size.width
        view.horizontal_scrollbar.window_size = width - view.scrollbar_size_vertical
    view.scroll_x = view.validate_scroll_x(view.scroll_x)
    view.scroll_y = view.validate_scroll_y(view.scroll_y)
