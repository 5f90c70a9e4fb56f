"""Key to screen update in a browser's terms: a client connected as textual-serve's page is
(the websocket, a 100×32 terminal) sends a key and times the screen bytes it causes, for
`bpdebug serve` and, side by side, for the bare Textual app (bare_app.py) served the same way.

    python benchmarks/served.py            # prints the figures; run.py includes them

The time is to the last frame of the update (no new frame for 40 ms), as run.py measures in
process; the first frame's time is printed too. Both servers run here, on loopback.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

HERE = Path(__file__).parent
QUIET = 0.04  # no new frame for this long: the update is done
SIZE = (100, 32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(argv: list[str], port: int, cwd: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"no server on port {port}: {proc.stderr.read() if proc.stderr else ''}")


def serve_bpdebug(net: str, port: int, cwd: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "bpdebug", "serve", net, "--port", str(port)]
    return start(argv, port, cwd)


def serve_bare(port: int, cwd: Path) -> subprocess.Popen[bytes]:
    """The bare app behind textual-serve's own Server, as bpdebug serve does it."""
    command = f"{sys.executable} {HERE / 'bare_app.py'}"
    code = (
        "from textual_serve.server import Server; "
        f"Server({command!r}, host='127.0.0.1', port={port}).serve()"
    )
    return start([sys.executable, "-c", code], port, cwd)


async def key_to_update(port: int, keys: list[str], presses: int) -> tuple[float, float]:
    """Median seconds from a key sent over the websocket to the first and to the last frame
    of the screen update it causes."""
    w, h = SIZE
    frames: list[float] = []
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"http://127.0.0.1:{port}/ws?width={w}&height={h}") as ws,
    ):

        async def read() -> None:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    frames.append(time.perf_counter())

        reader = asyncio.create_task(read())
        await ws.send_json(["resize", {"width": w, "height": h}])
        await settle(frames, first_wait=30)
        await asyncio.sleep(0.5)
        firsts, lasts = [], []
        for k in range(presses):
            frames.clear()
            t0 = time.perf_counter()
            await ws.send_json(["stdin", keys[k % len(keys)]])
            await settle(frames, first_wait=2)
            if frames:
                firsts.append(frames[0] - t0)
                lasts.append(frames[-1] - t0)
            await asyncio.sleep(0.05)
        reader.cancel()
    return statistics.median(firsts), statistics.median(lasts)


async def settle(frames: list[float], first_wait: float) -> None:
    """Until a frame has come and none followed for QUIET seconds (or first_wait passes)."""
    deadline = time.perf_counter() + first_wait
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.002)
        if frames and time.perf_counter() - frames[-1] > QUIET:
            return


def served(presses: int, nets: dict[str, str]) -> list[tuple[str, float, float, float, float]]:
    """(net, bpdebug first, bpdebug last, bare first, bare last) in seconds, each net beside
    the bare app measured just before it."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        for name, net in nets.items():
            port_bare, port_bp = free_port(), free_port()
            bare, bp = serve_bare(port_bare, cwd), serve_bpdebug(net, port_bp, cwd)
            try:
                bare_first, bare_last = asyncio.run(key_to_update(port_bare, ["n"], presses))
                first, last = asyncio.run(key_to_update(port_bp, ["n", "p"], presses))
            finally:
                for proc in (bare, bp):
                    proc.send_signal(2)
                    proc.wait(30)
            rows.append((name, first, last, bare_first, bare_last))
    return rows


def big_net_file(folder: Path) -> str:
    """The 784-128-10 benchmark net as a file a server can open."""
    sys.path.insert(0, str(HERE))
    from nets import NETS

    from bpdebug.files.netfile import save_network

    path = folder / "mnist.toml"
    save_network(NETS["784-128-10"](), path, overwrite=True)
    return str(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        nets = {"2-2-2": "two_layer", "784-128-10": big_net_file(Path(folder))}
        for name, first, last, bare_first, bare_last in served(20, nets):
            print(
                f"{name}: bpdebug {first * 1e3:.1f} / {last * 1e3:.1f} ms, bare "
                f"{bare_first * 1e3:.1f} / {bare_last * 1e3:.1f} ms (first / last frame): "
                f"{last / bare_last:.2f}×"
            )


if __name__ == "__main__":
    main()
