"""textual-serve's Server as `bpdebug serve` runs it (imported only when textual-serve is
installed: serving.py says how to get it otherwise)."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.server import Server

PAGE = Path(__file__).parent / "page"  # our app_index.html: the tab's title, no outside fonts


class ClassroomServer(Server):
    """One bpdebug per browser tab, with the page's addresses taken from the browser's own
    request (unless a public URL is fixed) and every session ended at once on Ctrl+C."""

    def __init__(self, command: str, *, banner: str, fixed_url: bool, **options: Any) -> None:
        super().__init__(command, templates_path=PAGE, **options)
        self.banner, self.fixed_url = banner, fixed_url
        self.tabs: set[asyncio.Task[Any]] = set()

    def initialize_logging(self) -> None:
        logging.basicConfig(level=logging.WARNING, format="%(message)s")

    async def on_startup(self, app: Any) -> None:
        """Quiet: the banner is printed once the port is open (serve)."""

    def serve(self, debug: bool = False) -> None:
        """As textual-serve's, but the banner is printed only once the server listens (a port
        in use then says so alone), and each run has an event loop of its own."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda *_: print(self.banner, flush=True),
        )

    async def handle_index(self, request: Any) -> Any:
        """Without a fixed public URL, the page's script, websocket and font addresses are
        the ones the browser used to reach it (a student types this machine's address, not
        the 0.0.0.0 it listens on). The page is rendered without awaiting in between."""
        if not self.fixed_url:
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: Any) -> Any:
        tab = asyncio.current_task()
        assert tab is not None
        self.tabs.add(tab)
        try:
            return await super().handle_websocket(request)
        finally:
            self.tabs.discard(tab)

    async def on_shutdown(self, app: Any) -> None:
        """End every tab's session now: aiohttp would wait a minute for open websockets.
        Cancelled, textual-serve tells each process to quit and closes its socket."""
        for tab in self.tabs:
            tab.cancel()
        await asyncio.gather(*self.tabs, return_exceptions=True)
