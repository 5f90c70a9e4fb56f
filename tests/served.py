"""`bpdebug serve` as the tests use it: the real command on a free loopback port, and a client
that does what textual-serve's page does in a browser (fetch the page, open the websocket
with the terminal's size, send keys as ["stdin", text]) and keeps the screen the bytes draw,
through pyte, a terminal emulator, so a test reads the screen a student would see."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("textual_serve", reason="bpdebug serve needs the [serve] extra")
aiohttp = pytest.importorskip("aiohttp", reason="bpdebug serve needs the [serve] extra")
pyte = pytest.importorskip("pyte", reason="the served screen is read with pyte (test extra)")

KEYS = {  # what a terminal sends for a key, as the page's xterm.js does
    "ctrl+s": "\x13",
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "down": "\x1b[B",
    "up": "\x1b[A",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (read from /proc: the tabs' shells and bpdebugs)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def in_group(pgid: int) -> set[int]:
    """The live processes of process group `pgid` (the server's: it leads its own)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def serving(folder: Path) -> set[int]:
    """The live sessions serving `folder` (`--served-from FOLDER`), wherever they are."""
    wanted = b"\0--served-from\0" + bytes(folder) + b"\0"
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and wanted in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except OSError:
            continue
    return {pid for pid in found if alive(pid)}


def cpu_seconds(pid: int) -> float:
    """The CPU time `pid` has used (user and system), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Server:
    """`bpdebug serve ARGS --port P` started in `folder`; `stop()` is Ctrl+C."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.folder, self.port = folder.resolve(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "BPDEBUG_RECOVERY_DIR": str(folder / ".recovery")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bpdebug", "serve", *args, "--port", str(self.port)],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a stray process group never outlives the test run
        )
        assert self.proc.stdout is not None
        self.first_line = self.proc.stdout.readline()
        if "Serving" not in self.first_line:
            self.proc.kill()
            raise AssertionError(f"no server: {self.first_line!r} {self.proc.stderr.read()!r}")
        self.wait_listening()

    def wait_listening(self, timeout: float = 30) -> None:
        """textual-serve says "Serving" as it starts, a moment before the port is open."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"nothing listens on port {self.port}")

    def stop(self, timeout: float = 20, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        """Ctrl+C (or `sig`), as the person who started it would; the exit code and what it
        printed."""
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, self.first_line + out, err

    def kill(self) -> None:
        """The server and whatever is left of its sessions (its process group's, and any
        that left it)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in serving(self.folder):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()


class Tab:
    """One browser tab: its websocket, the screen it shows, the downloads it was sent."""

    def __init__(self, server: Server, size: tuple[int, int] = (100, 32), claim: str = "") -> None:
        """`claim`: the size the tab tells the server, if not its own (as WxH)."""
        self.server, self.size, self.claim = server, size, claim or "{}x{}".format(*size)
        self.screen = pyte.Screen(*size)
        self.stream = pyte.ByteStream(self.screen)
        self.updates = 0  # binary frames received
        self.received = 0  # bytes of them
        self.closed_why = ""
        self.downloads: asyncio.Queue[tuple[str, bytes, str]] = asyncio.Queue()

    async def __aenter__(self) -> Tab:
        self.http = aiohttp.ClientSession()
        async with self.http.get(self.server.url + "/") as page:
            assert page.status == 200
            self.page = await page.text()
        w, h = (int(n) for n in self.claim.split("x"))
        self.ws = await self.http.ws_connect(f"{self.server.url}/ws?width={w}&height={h}")
        await self.ws.send_json(["resize", {"width": w, "height": h}])
        self.reader = asyncio.create_task(self.read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)
        await self.http.close()

    async def read(self) -> None:
        while True:
            message = await self.ws.receive()
            if message.type == aiohttp.WSMsgType.CLOSE:
                self.closed_why = message.extra  # the reason the server gave
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
                self.updates += 1
                self.received += len(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                kind, *rest = json.loads(message.data)
                if kind == "deliver_file_start":
                    asyncio.create_task(self.fetch(rest[0]))

    async def fetch(self, key: str) -> None:
        """What the page does with a delivery: open /download/KEY."""
        async with self.http.get(f"{self.server.url}/download/{key}") as got:
            disposition = got.headers.get("Content-Disposition", "")
            await self.downloads.put((disposition, await got.read(), got.content_type))

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, wanted: str, timeout: float = 30) -> str:
        """The screen once it shows `wanted` (AssertionError with the screen if it never does)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wanted in self.text():
                return self.text()
            await asyncio.sleep(0.05)
        raise AssertionError(f"never showed {wanted!r}; the screen:\n{self.text()}")

    async def press(self, *keys: str) -> None:
        for key in keys:
            await self.ws.send_json(["stdin", KEYS.get(key, key)])
            await asyncio.sleep(0.15)  # a person's pace: a dialog mounts before the next key

    async def type(self, text: str) -> None:
        await self.ws.send_json(["stdin", text])


async def saved_in_a_terminal(net: Path, keys: list[str], folder: Path) -> bytes:
    """What a terminal session on `net` saves after `keys` then ctrl+s: what a served tab's
    download must equal."""
    from bpdebug.files.netfile import load_network
    from bpdebug.tui.app import make_app

    app = make_app(load_network(net))
    saved = folder / "terminal.toml"
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press(*keys, "ctrl+s")
        await pilot.pause()
        app.screen.query_one("#path").value = str(saved)
        await pilot.press("enter")
        await pilot.pause()
    return saved.read_bytes()
