"""Every use of Textual's private API, in one place (written for Textual 8.2).

Textual offers no public hook for what these do; each is small, and the next upgrade has this
one file to check (the tests cover each behaviour):
- Guarded: MessagePump._dispatch_message (crash dialog)
- LastResort: App._handle_exception (unsaved work kept before Textual exits)
- set_virtual_size: ScrollView._refresh_scrollbars and _scroll_update (a step redraws no
  scrollbar that did not change)
- character_to_key: textual.keys._character_to_key (snapshot --keys)
- screen_strips: Screen._compositor (snapshot --text)
- WithoutToasts, take_notifications, notifications: Screen._extend_compose,
  App._notifications and the toasts' widgets (a dialog has no toasts; what is notified
  meanwhile, and what was showing as it opened, waits for the debugger's screen)
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.keys import _character_to_key
from textual.message import Message
from textual.notifications import Notification
from textual.scroll_view import ScrollView
from textual.widgets._toast import Toast, ToastHolder, ToastRack


class Guarded:
    """A message pump (the app, a screen, a widget) whose handlers' unexpected errors go to
    the app's crash dialog instead of ending the app.

    Textual sends such an error to App._handle_exception, which exits, and stops the failing
    pump's message loop; catching it in `_dispatch_message` keeps the loop going.
    """

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as error:
            app: Any = getattr(self, "app", None)
            report = getattr(app, "report_unexpected", None)
            if report is None or not report(error):
                raise


class LastResort:
    """An app whose `keep_work(error)` runs before Textual exits on an unhandled error (from
    App._handle_exception, which every message pump's unhandled error reaches)."""

    def keep_work(self, error: Exception) -> None:  # pragma: no cover - overridden
        """What to save before exiting."""

    def _handle_exception(self, error: Exception) -> None:
        self.keep_work(error)
        super()._handle_exception(error)  # type: ignore[misc]


def character_to_key(character: str) -> str:
    """Textual's name for the key that types `character` ('+' → 'plus')."""
    return _character_to_key(character)


def screen_strips(screen: Any) -> Any:
    """The whole screen as the compositor last drew it (for a text snapshot)."""
    return screen._compositor.render_update(full=True)


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


class WithoutToasts:
    """A screen with no toast rack (Screen._extend_compose adds one to every screen): no
    toast is laid over it or squeezes it; a notification raised while it is on top waits
    (`take_notifications`)."""

    def _extend_compose(self, widgets: list[Any]) -> None:
        super()._extend_compose(widgets)  # type: ignore[misc]
        widgets[:] = [w for w in widgets if not isinstance(w, ToastRack)]


def notifications(app: Any) -> list[Notification]:
    """The notifications the app holds now, on screen or waiting, oldest first
    (App._notifications)."""
    return list(app._notifications)


def take_notifications(app: Any, shown_too: bool) -> list[Notification]:
    """Notifications taken out of App._notifications, to be raised again later for their
    full time: those no screen shows as a toast (raised as a screen without toasts opened)
    and, with `shown_too`, those shown too, whose toasts are removed."""
    toasts = [t for s in app.screen_stack for t in s.query(Toast)]
    shown = {t._notification.identity for t in toasts}
    taken = [n for n in app._notifications if shown_too or n.identity not in shown]
    for n in taken:
        del app._notifications[n]
    if shown_too:
        for t in toasts:
            (t.parent if isinstance(t.parent, ToastHolder) else t).remove()
    return taken
