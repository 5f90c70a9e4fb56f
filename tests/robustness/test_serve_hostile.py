"""`bpdebug serve` against hostile clients on 127.0.0.1 (issue 25): garbage and huge
websocket frames, a tab that claims a 4000×4000 terminal, paths that climb out of the
server's routes, ten tabs at once. Each through the real server (served.Server); the
session's size cap is also checked on its own (tui/served_driver.py)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from served import Server, Tab, in_group, serving

from bpdebug.files.samples import sample_path
from bpdebug.tui.served_driver import MAX_SIZE, capped

GARBAGE: list[str | bytes] = [
    b"\x00\xff binary junk",
    "not json {",
    "{}",
    "[]",
    '"stdin"',
    "[5]",
    '["stdin", 5]',
    '["stdin", ["n"]]',
    '["stdin", "\\ud800"]',  # a lone surrogate, valid JSON, no UTF-8 can hold it
    '["resize", {"width": "x", "height": null}]',
    '["resize", {"width": 1e308, "height": -5}]',
    '["resize", {"width": true, "height": 3}]',
    '["resize", "80x24"]',
    '["resize"]',
    '["ping", {"nested": [1, 2]}]',
    '["ping", "' + "x" * 10_000 + '"]',
    '["deliver_chunk_request", {"key": "../../etc/passwd", "size": 1}]',
    '["quit"]',
]


def session_pids(server: Server) -> set[int]:
    """The server's sessions: its process group's, and any serving its folder elsewhere."""
    return in_group(server.proc.pid) - {server.proc.pid} | serving(server.folder)


async def test_garbage_frames_are_ignored_and_the_session_goes_on(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor")
    try:
        async with Tab(server) as tab:
            await tab.wait_for("step 1 of")
            for frame in GARBAGE:
                if isinstance(frame, bytes):
                    await tab.ws.send_bytes(frame)
                else:
                    await tab.ws.send_str(frame)
            await tab.press("n")
            screen = await tab.wait_for("step 2 of")  # the same session, still answering
            assert len(session_pids(server)) == 1
            assert "Traceback" not in screen
        code, out, err = await asyncio.to_thread(server.stop)
    finally:
        server.kill()
    assert code == 0 and "Traceback" not in out + err, out + err


async def test_a_frame_over_the_limit_ends_that_tab_alone(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor")
    try:
        async with Tab(server) as calm:
            await calm.wait_for("step 1 of")
            async with Tab(server) as flood:
                await flood.wait_for("step 1 of")
                await flood.ws.send_str(json.dumps(["stdin", "n" * 200_000]))  # > 64 KiB
                await asyncio.wait_for(flood.reader, 10)  # the server closed it
                assert flood.ws.close_code == 1009  # "message too big"
                for _ in range(80):
                    if len(session_pids(server)) == 1:
                        break
                    await asyncio.sleep(0.1)
                assert len(session_pids(server)) == 1  # its session ended, the other goes on
            await calm.press("n")
            await calm.wait_for("step 2 of")
        code, out, err = await asyncio.to_thread(server.stop)
    finally:
        server.kill()
    assert code == 0 and "Traceback" not in out + err, out + err


def test_the_size_a_tab_claims_is_capped() -> None:
    assert capped(4000, 4000) == MAX_SIZE == (500, 200)
    assert capped(142, 38) == (142, 38)
    assert capped(0, -5) == (1, 1)
    for bad in [("80", 24), (80.0, 24), (True, 24), (None, None)]:
        assert capped(*bad) is None  # not a size: the tab's resize is ignored
    assert capped(10**400, 1) == (500, 1)


async def test_a_tab_claiming_4000_by_4000_gets_a_500_by_200_session(tmp_path: Path) -> None:
    """Without the cap the session laid out 16 million cells (435 MB) and sent 53 MB."""
    server = Server(tmp_path, "xor")
    try:
        async with Tab(server, size=(520, 210), claim="4000x4000") as tab:
            screen = await tab.wait_for("step 1 of")
            await asyncio.sleep(1)  # every frame of the start is in
            rows = screen.splitlines()
            assert all(not line[500:].strip() for line in rows)  # nothing right of column 500
            assert not any(line.strip() for line in rows[200:])  # nor below row 200
            assert rows[199].strip()  # the key bar sits on row 200: the whole 500×200 used
            assert tab.received < 3_000_000
            [pid] = session_pids(server)
            rss = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())[1])
            assert rss < 200_000  # kB (61 MB for a normal tab; 435 MB uncapped)
    finally:
        server.kill()


CLIMBS = [
    "/download/../../etc/passwd",
    "/download/..%2F..%2Fetc%2Fpasswd",
    "/download/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/../../../../../../etc/passwd",
    "/static/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "//etc/passwd",
    "/ws/../../etc/passwd",
    "/" + "A" * 100_000,  # a request line far over aiohttp's 8 KiB
]


async def answer(port: int, path: str, headers: str = "") -> str:
    """The server's answer to GET `path`, sent as written (a client library would tidy the
    dots away first)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n"
    writer.write(head.encode())
    await writer.drain()
    got = (await asyncio.wait_for(reader.read(), 10)).decode(errors="replace")
    writer.close()
    return got


async def test_no_path_climbs_out_of_the_servers_routes(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor")
    try:
        for path in CLIMBS:
            got = await answer(server.port, path)
            assert int(got.split()[1]) in (400, 403, 404), (path, got[:200])
            assert "root:" not in got
        for headers in ["", "Upgrade: websocket\r\nConnection: Upgrade\r\n"]:
            got = await answer(server.port, "/ws", headers)  # no websocket handshake
            assert int(got.split()[1]) == 400, got[:200]
        code, out, err = await asyncio.to_thread(server.stop)
    finally:
        server.kill()
    assert code == 0 and "Traceback" not in out + err, out + err


async def test_ten_tabs_at_once_each_with_its_own_session(tmp_path: Path) -> None:
    server = Server(tmp_path, "two_layer")
    try:
        tabs = [Tab(server, size=(90, 28)) for _ in range(10)]
        await asyncio.gather(*(tab.__aenter__() for tab in tabs))
        try:
            await asyncio.gather(*(tab.wait_for("step 1 of 20", timeout=90) for tab in tabs))
            assert len(session_pids(server)) == 10
            await tabs[0].type("+")  # one tab's edit
            await tabs[0].wait_for("1 change")
            await tabs[1].press("n")
            await tabs[1].wait_for("step 2 of 20")
            await asyncio.sleep(0.5)
            for other in tabs[2:]:
                assert "1 change" not in other.text() and "step 1 of 20" in other.text()
            assert "1 change" not in tabs[1].text()
        finally:
            await asyncio.gather(*(tab.__aexit__() for tab in tabs))
        for _ in range(300):  # every tab went: every session ends
            if not session_pids(server):
                break
            await asyncio.sleep(0.1)
        assert not session_pids(server)
        code, out, err = await asyncio.to_thread(server.stop, 20, signal.SIGINT)
    finally:
        server.kill()
    assert code == 0 and "did not end" not in out + err, out + err


@pytest.mark.parametrize("outside", ["../secret.toml", "link-out.toml", "/etc/passwd"])
async def test_o_in_a_tab_opens_nothing_outside_the_shared_folder(
    tmp_path: Path, outside: str
) -> None:
    shared = tmp_path / "class"
    shared.mkdir()
    shutil.copy(sample_path("wide"), tmp_path / "secret.toml")
    os.symlink(tmp_path / "secret.toml", shared / "link-out.toml")
    server = Server(shared, "xor")
    try:
        async with Tab(server) as tab:
            await tab.wait_for("step 1 of")
            await tab.press("o")
            await tab.wait_for("xor")  # the dialog lists the samples
            await tab.type(outside)
            await tab.press("enter")
            screen = await tab.wait_for("outside the folder this server shares (class/)")
            assert "XOR" in screen.splitlines()[0]  # the tab's network is still xor
    finally:
        server.kill()
