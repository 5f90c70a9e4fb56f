"""`bpdebug serve` in a real browser: headless Chromium opens the page, a person's keys step
the debugger, the screen the browser received shows the step moving, a screenshot is taken
(set BPDEBUG_SCREENSHOTS=DIR to keep it and look at it), and ctrl+s arrives as a download
with exactly the bytes a terminal session saves."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from cdp import CTRL, SHIFT, Chromium
from served import Server, saved_in_a_terminal

from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path

pyte = pytest.importorskip("pyte", reason="the served screen is read with pyte (test extra)")


def screen_of(frames: list[bytes], cols: int, rows: int) -> str:
    """The terminal screen those bytes draw."""
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    for frame in frames:
        stream.feed(frame)
    return "\n".join(screen.display)


async def until(check, timeout: float = 30, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_browser_steps_the_debugger_and_downloads_the_edit(tmp_path: Path) -> None:
    net = tmp_path / "class" / "two_layer.toml"
    net.parent.mkdir()
    shutil.copy(sample_path("two_layer"), net)
    server = Server(net.parent, str(net))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    try:
        async with Chromium(tmp_path / "profile", downloads, (1280, 860)) as browser:
            await browser.send("Page.navigate", session=browser.page, url=server.url + "/")

            async def drawn(text: str) -> bool:
                """The screen the browser received shows `text` (read from its websocket
                frames: the canvas it paints holds no text to read)."""
                return text in screen_of(browser.frames_received(), 300, 100)

            await until(lambda: drawn("step 1 of 20"), what="the first screen")
            assert await browser.evaluate("document.title") == "bpdebug · Two-layer example"
            await browser.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
            for _ in range(3):
                await browser.press("n")
            await until(lambda: drawn("step 4 of 20"), what="step 4 after n n n")
            await asyncio.sleep(0.5)  # the canvas paints the last frame
            shot = await browser.screenshot(tmp_path / "served-step4.png")
            keep = os.environ.get("BPDEBUG_SCREENSHOTS")
            if keep:
                shutil.copy(shot, Path(keep) / shot.name)
            assert shot.stat().st_size > 20_000  # a drawn page, not a blank one

            await browser.press("+", SHIFT)  # W⁽²⁾[0,0], the weight step 4 reads: 0.4 → 0.5
            await until(lambda: drawn("1 change"), what="the edit")
            await browser.press("ctrl+s", CTRL)
            await until(lambda: drawn("Download network"), what="the download dialog")
            await browser.press("enter")
            target = downloads / "two_layer-edited.toml"

            async def arrived() -> bool:
                return "two_layer-edited.toml" in browser.downloaded() and target.exists()

            await until(arrived, what="the download")
            await until(lambda: drawn("Downloaded two_layer-edited.toml"), what="the notice")
    finally:
        server.kill()

    terminal = await saved_in_a_terminal(net, ["n", "n", "n", "plus"], tmp_path)
    assert target.read_bytes() == terminal
    assert load_network(target).layers[1].W[0, 0] == 0.5


async def test_the_page_says_why_an_idle_session_ended(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor", "--idle-timeout", "3s")
    try:
        async with Chromium(tmp_path / "profile", tmp_path, (1000, 700)) as browser:
            await browser.send("Page.navigate", session=browser.page, url=server.url + "/")
            why = "document.getElementById('why')?.textContent ?? ''"

            async def told() -> bool:  # (None while the page is still loading)
                return "nothing was typed" in (await browser.evaluate(why) or "")

            await until(told, what="the ended notice's reason")
            assert await browser.evaluate(why) == (
                "This session has ended: nothing was typed or clicked for 3 seconds."
            )
            shown = "getComputedStyle(document.querySelector('.ended')).display"
            assert await browser.evaluate(shown) == "flex"  # the notice is on screen
    finally:
        server.kill()
