"""Tabs that go in the middle of the handshake, one after another, against one `bpdebug serve`
(issue 25): each opens the websocket with one size, sends the page's resize with another and
closes at once, as headless Chromium's screenshot mode did when a session first spun forever.

    python benchmarks/serve_churn.py          # 50 tabs; run.py includes it
    python benchmarks/serve_churn.py -n 200

Prints how many sessions are left once the tabs have gone (none: each ended by itself, no
signal needed), the CPU the leftovers used, and the server's memory (RSS) after 10 tabs
(the first ones load what serving a tab needs, ~2 MiB) and after the rest: flat, since
nothing of a tab stays behind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from served import free_port, start  # noqa: E402


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sessions(server_pid: int) -> set[int]:
    """The server's live children (its tabs' bpdebugs)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server_pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def leave(port: int) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"http://127.0.0.1:{port}/ws?width=142&height=31")
        await ws.send_json(["resize", {"width": 142, "height": 38}])
        await ws.close()


async def drained(server_pid: int, within: float) -> set[int]:
    """The sessions still there after `within` seconds (none as soon as all have gone)."""
    deadline = time.monotonic() + within
    while sessions(server_pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return sessions(server_pid)


def serving(folder: str) -> set[int]:
    """Any process still serving `folder` (a session the server lost track of included)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and folder.encode() in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except OSError:
            continue
    return found


WARM_UP = 10  # tabs before the memory is read: the first ones load what serving a tab needs


async def churn(server_pid: int, port: int, tabs: int) -> dict[str, float]:
    before = rss_kib(server_pid)
    for _ in range(WARM_UP):
        await leave(port)
        await drained(server_pid, 30)
    first = rss_kib(server_pid)
    t0 = time.monotonic()
    for _ in range(tabs):
        await leave(port)
        await drained(server_pid, 30)  # one at a time: each must end by itself
    left = await drained(server_pid, 10)
    spent = sum(cpu_seconds(pid) for pid in left)
    return {
        "tabs": tabs,
        "seconds": time.monotonic() - t0,
        "left": len(left),
        "left_cpu": spent,
        "rss_before": before,
        "rss_first": first,
        "rss_last": rss_kib(server_pid),
    }


def measure(tabs: int = 50) -> dict[str, float]:
    """One server, `tabs` mid-handshake closes; what was left and the server's memory."""
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        argv = [sys.executable, "-m", "bpdebug", "serve", "xor", "--port", str(port)]
        server = start(argv, port, Path(folder))
        try:
            figures = asyncio.run(churn(server.pid, port, tabs))
        finally:
            server.send_signal(signal.SIGINT)
            _, err = server.communicate(timeout=60)
        figures["escalated"] = err.decode().count("did not end")  # a signal was needed
        figures["after_stop"] = len(serving(str(Path(folder).resolve())))
    return figures


def report(f: dict[str, float]) -> str:
    return (
        f"{f['tabs']:.0f} tabs gone mid-handshake in {f['seconds']:.0f} s (after {WARM_UP}): "
        f"{f['left']:.0f} sessions left ({f['left_cpu']:.1f} CPU s), "
        f"{f['escalated']:.0f} needed a signal, {f['after_stop']:.0f} left once the server "
        f"stopped; server RSS {f['rss_before'] / 1024:.1f} MiB before any tab, "
        f"{f['rss_first'] / 1024:.1f} after {WARM_UP}, {f['rss_last'] / 1024:.1f} after "
        f"{f['tabs']:.0f} more"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="tabs (default 50)")
    print(report(measure(parser.parse_args().n)))


if __name__ == "__main__":
    main()
