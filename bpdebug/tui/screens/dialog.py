"""The base of every dialog: a ModalScreen that can be dismissed once, and only from the top,
whose handlers' unexpected errors open the crash dialog (`Guarded`), and which has no toasts
(`WithoutToasts`): a dialog keeps its size and nothing covers it; the toasts showing as one
opens and what is notified while it is open are shown, each for its full time, when the
debugger's screen is back (App.notify).

Textual's `dismiss` pops whatever screen is on top and calls the result callback each time it
is called. Two quick keys (escape twice, enter then escape) can both reach a dialog before it
is gone; without this guard the second would apply the result again and pop the debugger's
own screen.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen
from textual.widgets import Label

from bpdebug.tui.textual_private import Guarded, WithoutToasts

ResultType = TypeVar("ResultType")


class Dialog(WithoutToasts, Guarded, ModalScreen[ResultType]):
    """Every dialog is a box in the middle of the screen; a dialog's own CSS sets only what
    differs (its width, its border's colour)."""

    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > .box {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
        overflow-y: auto;  /* a small terminal scrolls a long dialog rather than cut it */
    }
    Dialog #error { color: $text-error; }
    Dialog OptionList { height: auto; }
    /* the buttons stay in view at the foot of a box too tall for the screen: the rest scrolls */
    Dialog .buttons { height: auto; margin-top: 1; dock: bottom; }
    Dialog Button { margin-right: 1; }
    """

    _dismissed = False

    def on_mount(self) -> None:
        hold = getattr(self.app, "hold_toasts", None)  # the debugger's: see App.notify
        if hold is not None:
            hold()

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self._dismissed or self.app.screen is not self:
            return AwaitComplete()
        self._dismissed = True
        return super().dismiss(result)


class Plain(Label):
    """A label whose text is shown as written: a file name or a typed value holding [ ] is
    never read as Textual markup (which would style it, or fail to parse). It wraps to the
    dialog's width instead of running past its edge."""

    DEFAULT_CSS = "Plain { width: 1fr; }"

    def __init__(self, content: str = "", **kwargs: Any) -> None:
        super().__init__(content, markup=False, **kwargs)
