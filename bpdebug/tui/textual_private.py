"""Every use of Textual's private API, in one place (written for Textual 8.2).

Textual offers no public hook for what these do; each is small, and the next upgrade has this
one file to check (the tests cover each behaviour).
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


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
