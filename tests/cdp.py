"""Headless Chromium driven over the Chrome DevTools Protocol (a websocket, through aiohttp):
enough to open a page, type keys as a person does, watch the page's own websocket traffic,
take a screenshot and catch downloads. Skipped, with the reason, where Chromium cannot start."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from browser import FLAGS, chromium

aiohttp = pytest.importorskip("aiohttp", reason="the browser tests need the [serve] extra")

# A key as Chromium's Input.dispatchKeyEvent takes it: (key, code, virtual key code, text).
KEYS = {
    "n": ("n", "KeyN", 78, "n"),
    "+": ("+", "Equal", 187, "+"),
    "enter": ("Enter", "Enter", 13, "\r"),
    "ctrl+s": ("s", "KeyS", 83, ""),
}
CTRL, SHIFT = 2, 8


class Chromium:
    """One browser; `page` is the tab the test drives (its CDP session)."""

    def __init__(self, profile: Path, downloads: Path, size: tuple[int, int]) -> None:
        self.profile, self.downloads, self.size = profile, downloads, size
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []

    async def __aenter__(self) -> Chromium:
        w, h = self.size
        args = [
            *FLAGS,
            f"--user-data-dir={self.profile}",
            f"--window-size={w},{h}",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        try:
            self.proc = await asyncio.create_subprocess_exec(
                chromium(), *args, stderr=asyncio.subprocess.PIPE
            )
        except OSError as exc:
            pytest.skip(f"Chromium could not run here: {exc}")
        url = await self._devtools_url()
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        self.reader = asyncio.create_task(self._read())
        await self.send(
            "Browser.setDownloadBehavior",
            behavior="allow",
            downloadPath=str(self.downloads),
            eventsEnabled=True,
        )
        target = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send(
            "Target.attachToTarget", targetId=target["targetId"], flatten=True
        )
        self.page = attached["sessionId"]
        await self.send("Network.enable", session=self.page)
        await self.send("Page.enable", session=self.page)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.reader.cancel()
        await self.ws.close()
        await self.http.close()
        self.proc.kill()
        await self.proc.wait()

    async def _devtools_url(self) -> str:
        assert self.proc.stderr is not None
        said = []
        try:
            async with asyncio.timeout(60):
                while line := (await self.proc.stderr.readline()).decode():
                    said.append(line)
                    if line.startswith("DevTools listening on "):
                        return line.split(" on ", 1)[1].strip()
        except TimeoutError:
            pass
        self.proc.kill()
        pytest.skip(f"Chromium could not start: {''.join(said)[-300:]}")

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.waiting:
                self.waiting.pop(data["id"]).set_result(data)
            else:
                self.events.append(data)

    async def send(self, method: str, session: str | None = None, **params: Any) -> Any:
        n = next(self.ids)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[n] = reply
        message: dict[str, Any] = {"id": n, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.ws.send_json(message)
        data = await asyncio.wait_for(reply, 60)
        if "error" in data:
            raise RuntimeError(f"{method}: {data['error']}")
        return data.get("result", {})

    async def press(self, name: str, modifiers: int = 0) -> None:
        """A key down and up on the page, as a person's keyboard sends it."""
        key, code, vk, text = KEYS[name]
        common = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers}
        down = {"type": "keyDown", **common, **({"text": text} if text else {})}
        await self.send("Input.dispatchKeyEvent", session=self.page, **down)
        await self.send("Input.dispatchKeyEvent", session=self.page, type="keyUp", **common)

    async def evaluate(self, expression: str) -> Any:
        got = await self.send(
            "Runtime.evaluate", session=self.page, expression=expression, returnByValue=True
        )
        return got["result"].get("value")

    def frames_received(self) -> list[bytes]:
        """The binary websocket frames the page has received so far (its terminal's bytes)."""
        return [
            base64.b64decode(e["params"]["response"]["payloadData"])
            for e in self.events
            if e.get("method") == "Network.webSocketFrameReceived"
            and e["params"]["response"]["opcode"] == 2
        ]

    def downloaded(self) -> list[str]:
        """The file names of the downloads that completed."""
        done = {
            e["params"]["guid"]
            for e in self.events
            if e.get("method") == "Browser.downloadProgress" and e["params"]["state"] == "completed"
        }
        return [
            e["params"]["suggestedFilename"]
            for e in self.events
            if e.get("method") == "Browser.downloadWillBegin" and e["params"]["guid"] in done
        ]

    async def screenshot(self, path: Path) -> Path:
        shot = await self.send("Page.captureScreenshot", session=self.page, format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
