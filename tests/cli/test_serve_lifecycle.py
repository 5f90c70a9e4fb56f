"""No served session outlives its tab (issue 25): a tab that goes at any point of the
handshake, headless Chromium's screenshot mode (the tab that first showed it), the server
stopped by SIGTERM or SIGHUP with tabs open, the server killed outright, and a tab left idle.
Each runs the real `bpdebug serve`, which leads its own process group (served.Server): a
session left behind is a process of that group, and one that spins shows in its CPU time."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser import run as run_chromium
from served import Server, Tab, aiohttp, cpu_seconds, in_group, serving

from bpdebug.files.netfile import load_network
from bpdebug.files.recovery import LIMITS

ENDED_WITHIN = 30.0  # seconds: generous for a loaded machine; the server's log says if a
# session needed a signal (stopped_cleanly), and the recovery files say how each one ended
SPIN = 6.0  # CPU seconds: a session starts and quits in about 1; a spinning one uses a core


def sessions(server: Server) -> set[int]:
    """The server's sessions: its process group's, and any serving its folder elsewhere."""
    return in_group(server.proc.pid) - {server.proc.pid} | serving(server.folder)


async def none_left(server: Server, within: float = ENDED_WITHIN) -> None:
    """Every session of the server ends within `within` seconds, none having spun (used
    SPIN seconds of CPU) before it did."""
    used: dict[int, float] = {}
    deadline = time.monotonic() + within
    while left := sessions(server):
        used |= {pid: cpu_seconds(pid) for pid in left}
        if time.monotonic() > deadline:
            spent = {pid: round(used[pid], 1) for pid in left}
            raise AssertionError(f"sessions left after {within} s (pid: CPU seconds): {spent}")
        await asyncio.sleep(0.1)
    spun = {pid: round(cpu, 1) for pid, cpu in used.items() if cpu > SPIN}
    assert not spun, f"sessions that spun before they ended (pid: CPU seconds): {spun}"


def stopped_cleanly(server: Server, sig: int = signal.SIGINT) -> str:
    """Stop the server; what it printed, once it and its whole group have gone."""
    code, out, err = server.stop(sig=sig)
    assert code == 0, err
    assert out.splitlines()[-1] == "Stopped: every session has ended."
    assert not in_group(server.proc.pid) and not serving(server.folder)
    assert "did not end" not in out + err, out + err  # no session needed a signal or a kill
    assert "Traceback" not in out + err, err
    return out + err


async def leave(url: str, moment: str) -> None:
    """A tab that goes at `moment` of its handshake (as the page does it: the websocket with
    the size it measured, then a resize with the size it fitted)."""
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{url}/ws?width=142&height=31")
        if moment != "at once":
            await ws.send_json(["resize", {"width": 142, "height": 38}])
        if moment == "after two sizes":
            await ws.send_json(["resize", {"width": 80, "height": 24}])
        if moment == "at the first frame":
            message = await ws.receive(timeout=30)
            assert message.type == aiohttp.WSMsgType.BINARY
        await ws.close()


async def test_a_tab_that_goes_mid_handshake_leaves_no_session(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor")
    try:
        for moment in ("at once", "after a resize", "after two sizes", "at the first frame"):
            await leave(server.url, moment)
            try:
                await none_left(server)
            except AssertionError as exc:
                raise AssertionError(f"a tab gone {moment}: {exc}") from None
        stopped_cleanly(server)
    finally:
        server.kill()


async def test_chromiums_screenshot_of_the_page_leaves_no_session(tmp_path: Path) -> None:
    """The command that first showed it: Chromium takes its screenshot while the session
    starts, and goes."""
    server = Server(tmp_path, "xor")
    try:
        for attempt in range(2):
            shot = tmp_path / f"shot{attempt}.png"
            args = ["--virtual-time-budget=8000", "--window-size=1280,800"]
            run_chromium([*args, f"--screenshot={shot}", server.url], tmp_path / f"p{attempt}")
            assert shot.exists()
            await none_left(server)
        stopped_cleanly(server)
    finally:
        server.kill()


async def test_sigterm_to_the_server_ends_every_tab_and_keeps_unsaved_work(
    tmp_path: Path,
) -> None:
    server = Server(tmp_path, "two_layer")
    try:
        async with Tab(server) as edited, Tab(server) as other:
            await edited.wait_for("step 1 of 20")
            await other.wait_for("step 1 of 20")
            await edited.type("+")  # W⁽¹⁾[0,0] 0.15 → 0.25, not saved
            await edited.wait_for("1 change")
            assert len(sessions(server)) == 2
            out = await asyncio.to_thread(stopped_cleanly, server, signal.SIGTERM)
    finally:
        server.kill()
    [kept] = (tmp_path / ".recovery").iterdir()  # the edited tab's; the other had nothing
    assert load_network(kept, LIMITS).layers[0].W[0, 0] == pytest.approx(0.25)
    assert f"the unsaved network is in {kept}" in out  # the session said where, the server shows it


async def test_sighup_to_the_server_ends_the_tabs_too(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor")
    try:
        async with Tab(server) as tab:
            await tab.wait_for("step 1 of")
            await asyncio.to_thread(stopped_cleanly, server, signal.SIGHUP)
    finally:
        server.kill()


async def test_a_session_whose_server_was_killed_ends_by_itself(tmp_path: Path) -> None:
    """SIGKILL gives the server no time to end anything: each session finds its standard
    input closed, keeps its unsaved work as a hung-up terminal session does, and exits."""
    server = Server(tmp_path, "two_layer")
    try:
        async with Tab(server) as tab:
            await tab.wait_for("step 1 of 20")
            await tab.type("+")
            await tab.wait_for("1 change")
            [session] = sessions(server)
            os.kill(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
            await none_left(server)
    finally:
        server.kill()
    [kept] = (tmp_path / ".recovery").iterdir()
    assert load_network(kept, LIMITS).layers[0].W[0, 0] == pytest.approx(0.25)


async def test_a_tab_left_idle_is_ended_and_told_why(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor", "--idle-timeout", "2s")
    try:
        async with Tab(server) as idle:
            await idle.wait_for("step 1 of")
            [idle_pid] = sessions(server)
            async with Tab(server) as busy:
                await busy.wait_for("step 1 of")
                for _ in range(8):  # a key every 0.4 s for 3.2 s: never idle for 2 s
                    await busy.press("n")
                    await asyncio.sleep(0.25)
                await asyncio.wait_for(idle.reader, 10)  # the server closed the idle one
                assert idle.closed_why == "nothing was typed or clicked for 2 seconds"
                assert not busy.ws.closed
                deadline = time.monotonic() + ENDED_WITHIN
                while idle_pid in sessions(server) and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                assert idle_pid not in sessions(server) and len(sessions(server)) == 1
                await busy.wait_for("step 9 of")  # the busy tab's session goes on
        await none_left(server)
        stopped_cleanly(server)
    finally:
        server.kill()


def test_a_session_asked_to_end_that_never_does_exits_anyway() -> None:
    """The last guard: an app that never carries out the end (its main thread spinning, as
    the sessions of issue 25 did) still exits, GRACE seconds after it was asked."""
    code = (
        "from bpdebug.tui import served_driver as d\n"
        "d.GRACE = 0.5\n"
        "class Stuck:\n"
        "    def call_after_refresh(self, how): pass  # never done\n"
        "driver = d.ServedDriver.__new__(d.ServedDriver)  # no terminal, no event loop\n"
        "driver._app, driver.ending = Stuck(), False\n"
        "driver.end(lambda: None)\n"
        "while True: pass\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr == "bpdebug: the served session did not end when asked; exiting\n"


def packet(kind: bytes, payload: bytes) -> bytes:
    """A packet as textual-serve sends it to a session: type, 4-byte size, payload."""
    return kind + len(payload).to_bytes(4, "big") + payload


def read_until(fd: int, wanted: bytes, timeout: float = 30) -> bytes:
    got, deadline = b"", time.monotonic() + timeout
    while wanted not in got and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            got += os.read(fd, 1 << 16)
    assert wanted in got, f"never sent {wanted!r}"
    return got


def test_a_session_whose_output_is_gone_hangs_up(tmp_path: Path) -> None:
    """A session writing to a server that went (a broken pipe, before it notices its input
    closed) ends as a hung-up terminal session does, its work kept: no crash dialog."""
    recovery = tmp_path / ".recovery"
    env = {
        **os.environ,
        "TEXTUAL_DRIVER": "bpdebug.tui.served_driver:ServedDriver",
        "BPDEBUG_RECOVERY_DIR": str(recovery),
    }
    argv = [sys.executable, "-m", "bpdebug", "two_layer", "--served-from", str(tmp_path)]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    session = subprocess.Popen(argv, env=env, **pipes)  # type: ignore[call-overload]
    try:
        assert session.stdin is not None and session.stdout is not None
        read_until(session.stdout.fileno(), b"step 1 of 20")
        session.stdin.write(packet(b"D", b"+"))  # an edit: W⁽¹⁾[0,0] 0.15 → 0.25
        session.stdin.flush()
        read_until(session.stdout.fileno(), b"1 change")
        session.stdout.close()  # the server's end of the session's output is gone
        resize = json.dumps({"type": "resize", "width": 90, "height": 30}).encode()
        session.stdin.write(packet(b"M", resize))  # a new frame to write: a broken pipe
        session.stdin.flush()
        code = session.wait(timeout=20)
        err = session.stderr.read().decode() if session.stderr else ""
    finally:
        session.kill()
    assert code == 128 + signal.SIGHUP, err
    assert err.startswith("bpdebug: ended by SIGHUP\n"), err
    [kept] = recovery.iterdir()
    assert load_network(kept, LIMITS).layers[0].W[0, 0] == pytest.approx(0.25)
