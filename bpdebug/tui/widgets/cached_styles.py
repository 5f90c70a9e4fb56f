"""Rich styles looked up once per theme, not once per line drawn."""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


class CachedStyles(Widget):
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


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Resize a scroll view's content; ask for a layout pass only if a scrollbar appears or
    goes (assigning `virtual_size` always asks, which costs more than the rest of a step)."""
    if size == view.virtual_size:
        return
    bars = (view.show_vertical_scrollbar, view.show_horizontal_scrollbar)
    view.set_reactive(ScrollView.virtual_size, size)
    view._refresh_scrollbars()
    view._scroll_update(size)
    if (view.show_vertical_scrollbar, view.show_horizontal_scrollbar) != bars:
        view.refresh(layout=True)
