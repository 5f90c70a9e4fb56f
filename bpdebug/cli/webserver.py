"""textual-serve's Server as `bpdebug serve` runs it (imported only when textual-serve is
installed: serve.py says how to get it otherwise). Written for textual-serve 1.1: its
Server's routes and page, and its AppService's packets to and from a session's process.

No session outlives its tab. Each tab's bpdebug is the server's child (started without a
shell, so signals reach it, and in the server's process group) with bpdebug's driver
(tui/served_driver.py). It ends when its tab goes, at any point of the handshake (asked
to quit; SIGTERM QUIT_GRACE seconds later if it has not, SIGKILL GRACE seconds after that),
when its tab has sent nothing for the idle timeout (the same), and when the server stops
(SIGTERM, which keeps unsaved work in a recovery file, then SIGKILL); the server waits for
every one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import signal
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

PAGE = Path(__file__).parent / "page"  # our app_index.html: the tab's title, no outside fonts
DRIVER = "bpdebug.tui.served_driver:ServedDriver"
QUIT_GRACE = 10.0  # seconds a session whose tab went has to quit (its start-up included)
GRACE = 5.0  # seconds from SIGTERM to SIGKILL
MAX_FRAME = 64 * 1024  # bytes in one message from a tab (keys, a paste, a resize)
ENDED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


def spoken(seconds: float) -> str:
    """A time as the page says it: '10 minutes', '1 hour', '90 seconds'."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count:g} {unit}" + "s" * (count != 1)
    return f"{seconds:g} second" + "s" * (seconds != 1)


def no_bad_requests(record: logging.LogRecord) -> bool:
    """aiohttp logs a malformed request (a 100 KB line, a broken header) with a traceback;
    the client has had its 400, and the server's terminal needs nothing from it."""
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, HttpProcessingError)


class TabSession(AppService):
    """One tab's bpdebug process, and how it is ended."""

    def __init__(self, argv: list[str], **options: Any) -> None:
        super().__init__(shlex.join(argv), **options)
        self.argv, self.stopped = argv, False

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return {**super()._build_environment(width, height), "TEXTUAL_DRIVER": DRIVER}

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        """The session's bpdebug itself, not a shell running it: signals must reach it."""
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width, height),
        )
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """The tab went: ask the session to quit, then insist; its output is read to the end."""
        if self._process is None or self.stopped:
            return
        self.stopped = True
        try:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            await self.end(None, signal.SIGTERM, signal.SIGKILL)
            if self._task is not None:
                await self._task
        finally:  # also when the server, stopping, cancels this (its sessions ended first)
            # asyncio's Process has no close of its own: left to the garbage collector, its
            # transport closes itself after the event loop has (a traceback at the exit).
            self._process._transport.close()  # type: ignore[attr-defined]

    async def end(self, *signals: signal.Signals | None) -> None:
        """Each of `signals` in turn (None: wait QUIT_GRACE for it to quit; SIGTERM: wait
        GRACE) until the process has exited; a signal beyond the first is logged (it should
        not be needed)."""
        process = self._process
        if process is None:
            return
        for step, sig in enumerate(signals):
            if sig is not None and process.returncode is None:
                if step:
                    logging.warning(
                        f"bpdebug serve: a session (process {process.pid}) did not end when "
                        f"asked: sending {sig.name}"
                    )
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(sig)
            waits = {None: QUIT_GRACE, signal.SIGTERM: GRACE, signal.SIGKILL: None}
            if await exited(process, waits[sig]):
                return


async def exited(process: Any, within: float | None) -> bool:
    """Whether `process` exits within `within` seconds (None: however long it takes).
    Its return code is read, not awaited with wait(), which also waits for the pipes to
    close: the server's end of standard input stays open until the end."""
    deadline = None if within is None else asyncio.get_running_loop().time() + within
    while process.returncode is None:
        if deadline is not None and asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


class ClassroomServer(Server):
    """One bpdebug per browser tab, with the page's addresses taken from the browser's own
    request (unless a public URL is fixed), every session bounded in time and ended with
    the server, and the tabs' messages read defensively."""

    def __init__(
        self,
        argv: list[str],
        *,
        banner: str,
        warning: str,
        fixed_url: bool,
        idle_timeout: float,
        **options: Any,
    ) -> None:
        super().__init__(shlex.join(argv), templates_path=PAGE, **options)
        self.argv, self.banner, self.warning = argv, banner, warning
        self.fixed_url, self.idle_timeout = fixed_url, idle_timeout
        self.tabs: set[asyncio.Task[Any]] = set()
        self.sessions: set[TabSession] = set()
        self.stopping = False

    def initialize_logging(self) -> None:
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        logging.getLogger("aiohttp.server").addFilter(no_bad_requests)

    async def on_startup(self, app: Any) -> None:
        """Quiet: the banner is printed once the port is open (serve)."""

    def serve(self, debug: bool = False) -> None:
        """As textual-serve's, but the warning and the banner are printed only once the
        server listens (a port in use then says so alone), SIGHUP stops it as SIGINT and
        SIGTERM do, and each run has an event loop of its own."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda *_: self.listening(),
        )

    def request_exit(self) -> None:
        """Stop the server (once: a second Ctrl+C while the sessions end changes nothing)."""
        if not self.stopping:
            self.stopping = True
            super().request_exit()

    def listening(self) -> None:
        if self.warning:
            logging.warning(self.warning)
        print(self.banner, flush=True)

    async def handle_index(self, request: Any) -> Any:
        """Without a fixed public URL, the page's script, websocket and font addresses are
        the ones the browser used to reach it (a student types this machine's address, not
        the 0.0.0.0 it listens on). The page is rendered without awaiting in between."""
        if not self.fixed_url:
            self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A tab: its own session, fed the tab's messages until the tab goes or idles."""
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_FRAME)
        width = to_int(request.query.get("width", "80"), 80)  # the session caps the size
        height = to_int(request.query.get("height", "24"), 24)
        try:  # a request that is no websocket handshake: aiohttp answers 400
            await websocket.prepare(request)
        except ConnectionError:
            raise web.HTTPBadRequest(text="the tab went during its handshake") from None
        tab = asyncio.current_task()
        assert tab is not None
        self.tabs.add(tab)
        session = TabSession(
            self.argv,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        try:
            self.sessions.add(session)
            await session.start(width, height)
            await self.relay(websocket, session)
        except asyncio.CancelledError:
            pass  # the server is stopping: on_shutdown ends the sessions
        except ConnectionError:
            pass  # the tab went mid-handshake
        except OSError as exc:  # no process could be started: the machine's limits
            logging.warning(f"bpdebug serve: a tab's session could not start: {exc}")
        finally:
            await session.stop()
            self.sessions.discard(session)
            self.tabs.discard(tab)
            await websocket.close()
        return websocket

    async def relay(self, websocket: web.WebSocketResponse, session: TabSession) -> None:
        """The tab's messages to its session, until the tab closes or has sent nothing (no
        key, click, mouse movement or resize) for the idle timeout."""
        while True:
            try:
                message = await websocket.receive(timeout=self.idle_timeout)
            except TimeoutError:
                idle = f"nothing was typed or clicked for {spoken(self.idle_timeout)}"
                await websocket.close(message=idle.encode())
                return
            if message.type in ENDED:
                return
            if message.type == WSMsgType.TEXT:
                await self.forward(message.data, session, websocket)

    async def forward(self, text: str, session: TabSession, websocket: Any) -> None:
        """One message of textual-serve's page (["stdin", keys], ["resize", {width,
        height}], ["ping", x], ["focus"], ["blur"]) to the session; anything else is
        ignored: a tab can send the server garbage, never a traceback."""
        try:
            envelope = json.loads(text)
        except ValueError:
            return
        if not isinstance(envelope, list) or not envelope:
            return
        kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(data, str):
            keys = data.encode("utf-8", "ignore")  # a lone surrogate is no key
            if keys:  # an empty packet would throw the session's reading out of step
                await session.send_bytes(keys)
        elif kind == "resize" and isinstance(data, dict):
            width, height = data.get("width"), data.get("height")
            if type(width) is int and type(height) is int:
                await session.set_terminal_size(width, height)
        elif kind == "ping" and isinstance(data, str):
            await websocket.send_json(["pong", data[:64]])
        elif kind == "focus":
            await session.focus()
        elif kind == "blur":
            await session.blur()

    async def on_shutdown(self, app: Any) -> None:
        """End every session now, all at once: SIGTERM (each keeps its unsaved work in a
        recovery file and exits), SIGKILL for any still there GRACE seconds later; then the
        tabs (aiohttp would wait a minute for open websockets)."""
        await asyncio.gather(*(s.end(signal.SIGTERM, signal.SIGKILL) for s in self.sessions))
        tabs = list(self.tabs)
        for tab in tabs:
            tab.cancel()
        await asyncio.gather(*tabs, return_exceptions=True)
