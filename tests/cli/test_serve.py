"""`bpdebug serve` end to end: the real command on a free loopback port, clients that connect
as textual-serve's page does (the page over HTTP, then the websocket), keys in, screens out
(read through a terminal emulator), downloads fetched from /download/KEY as the page does."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from served import Server, Tab, alive, descendants, free_port, saved_in_a_terminal

from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path


def folder_with_net(tmp_path: Path, name: str = "two_layer") -> Path:
    shutil.copy(sample_path(name), tmp_path / f"{name}.toml")
    return tmp_path / f"{name}.toml"


def bpdebugs(server: Server) -> set[int]:
    """The tabs' bpdebug processes (the server's children, started without a shell)."""
    found = set()
    for pid in descendants(server.proc.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--served-from" in cmdline:
            found.add(pid)
    return found


async def test_each_tab_steps_its_own_session_and_ctrl_c_ends_them_all(tmp_path: Path) -> None:
    net = folder_with_net(tmp_path)
    server = Server(tmp_path, str(net))
    try:
        async with Tab(server) as a, Tab(server) as b:
            assert "<title>bpdebug · Two-layer example</title>" in a.page
            await a.wait_for("step 1 of 20")
            await b.wait_for("step 1 of 20")
            await a.press("n", "n", "n")
            screen = await a.wait_for("step 4 of 20")
            assert "a⁽²⁾ = σ(z⁽²⁾)" in screen and "0.751365" in screen  # the step's value
            await asyncio.sleep(0.5)
            assert "step 1 of 20" in b.text()  # b saw none of a's keys
            await b.press("n")
            await b.wait_for("step 2 of 20")
            await a.press("p")
            await a.wait_for("step 3 of 20")
            assert "step 2 of 20" in b.text()
            sessions = bpdebugs(server)
            assert len(sessions) == 2
            every = descendants(server.proc.pid)
            # Ctrl+C with both tabs open; the tabs keep answering the server meanwhile.
            code, out, err = await asyncio.to_thread(server.stop)
        assert code == 0, err
        assert out.splitlines()[-1] == "Stopped: every session has ended."
        assert not [pid for pid in every if alive(pid)]
        with socket.socket() as s:  # the port is free again
            s.bind(("127.0.0.1", server.port))
    finally:
        server.kill()


async def test_closing_a_tab_ends_its_session_only(tmp_path: Path) -> None:
    server = Server(tmp_path, "xor")
    try:
        async with Tab(server) as a:
            await a.wait_for("step 1 of")
            [a_pid] = bpdebugs(server)
            async with Tab(server) as b:
                await b.wait_for("step 1 of")
                [b_pid] = bpdebugs(server) - {a_pid}
            deadline = asyncio.get_running_loop().time() + 20
            while alive(b_pid) and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)
            assert not alive(b_pid)  # b's tab closed: its process ended
            assert bpdebugs(server) == {a_pid}
            await a.press("n")
            await a.wait_for("step 2 of")  # a's session goes on
    finally:
        server.kill()


async def test_serve_quiz_starts_every_tab_in_quiz_mode(tmp_path: Path) -> None:
    server = Server(tmp_path, "two_layer", "--quiz", "delta")
    try:
        async with Tab(server) as tab:
            assert "<title>bpdebug · Two-layer example · quiz</title>" in tab.page
            screen = await tab.wait_for("δ⁽²⁾ = ?")
            assert "δ⁽¹⁾ = ?" in screen and "∂L/∂a⁽²⁾ = a⁽²⁾ − y" in screen  # only δ is asked
    finally:
        server.kill()


async def test_ctrl_s_downloads_exactly_what_a_terminal_session_saves(tmp_path: Path) -> None:
    net = folder_with_net(tmp_path)
    server = Server(tmp_path, str(net))
    try:
        async with Tab(server) as tab:
            await tab.wait_for("step 1 of 20")
            await tab.type("+")  # W⁽¹⁾[0,0] 0.15 → 0.25
            await tab.wait_for("1 change")
            await tab.press("ctrl+s")
            await tab.wait_for("Download network")
            await tab.press("enter")
            disposition, body, kind = await asyncio.wait_for(tab.downloads.get(), 20)
            await tab.wait_for("Downloaded two_layer-edited.toml")
            await tab.press("q")  # saved: quits without asking
            await asyncio.wait_for(tab.reader, 20)  # the server closed the session
    finally:
        server.kill()
    assert disposition == "attachment; filename=two_layer-edited.toml"
    assert kind == "text/plain"

    assert body == await saved_in_a_terminal(net, ["plus"], tmp_path)
    downloaded = tmp_path / "downloaded.toml"
    downloaded.write_bytes(body)
    assert load_network(downloaded).layers[0].W[0, 0] == pytest.approx(0.25)


async def test_x_offers_each_export_as_its_own_download(tmp_path: Path) -> None:
    net = folder_with_net(tmp_path)
    server = Server(tmp_path, str(net))
    try:
        async with Tab(server) as tab:
            await tab.wait_for("step 1 of 20")
            await tab.press("n", "x")
            screen = await tab.wait_for("Enter downloads the highlighted file")
            assert "two_layer-worked.md" in screen and "two_layer-step2.svg" in screen
            await tab.press("enter")
            disposition, worked, _ = await asyncio.wait_for(tab.downloads.get(), 20)
            await tab.press("down", "enter")
            disposition2, svg, kind = await asyncio.wait_for(tab.downloads.get(), 20)
            await tab.wait_for("✓ two_layer-step2.svg")
    finally:
        server.kill()
    assert disposition == "attachment; filename=two_layer-worked.md"
    explained = subprocess.run(
        [sys.executable, "-m", "bpdebug", "explain", str(net)], capture_output=True, check=True
    ).stdout
    assert worked == explained
    assert disposition2 == "attachment; filename=two_layer-step2.svg"
    assert kind == "image/svg+xml" and svg.startswith(b"<svg")
    assert "step 2 of 20" in svg.decode().replace("&#160;", " ")  # the screen at x
    assert not list(tmp_path.glob("*-worked.md"))  # nothing written on the server's disk


async def test_the_page_title_is_escaped_and_addresses_follow_the_browser(tmp_path: Path) -> None:
    text = sample_path("xor").read_text().replace('name = "', 'name = "<b>&\\"x\\"</b> ', 1)
    (tmp_path / "odd.toml").write_text(text)
    server = Server(tmp_path, "odd.toml")
    try:
        async with Tab(server) as tab:
            assert "<title>bpdebug · &lt;b&gt;&amp;&#34;x&#34;&lt;/b&gt;" in tab.page
            assert "<b>" not in tab.page
            headers = {"Host": "lecture-hall.example:8000"}
            async with tab.http.get(server.url + "/", headers=headers) as page:
                html = await page.text()
            assert 'data-session-websocket-url="ws://lecture-hall.example:8000/ws"' in html
            assert "fonts.googleapis" not in html  # nothing from outside this server
    finally:
        server.kill()


def run_serve(*args: str, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bpdebug", "serve", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = run_serve("--port", str(port), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert f"bpdebug serve: cannot listen on 127.0.0.1:{port}:" in proc.stderr
    assert proc.stdout == ""  # no "Serving …" for a server that never listened


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "70000"], "--port: must be from 1 to 65,535"),
        (["nosuch"], "nosuch: no such file or sample"),
        (["--public-url", "lecture-hall"], "--public-url must look like https://host"),
        (["--public-url", "https://x.org/bp/"], "not a path"),
        (["--quiz", "nope"], "--kinds: 'nope' is not a phase or a kind of step"),
        (["--quiz", "--tolerance", "2"], "--tolerance must be between 0 and 1"),
        # issue 25's hostile flags: each one line, and nothing listened (no "Serving")
        (["--host", "a" * 300], "--host must be an IP address or a host name, got 'aaa"),
        (["--host", "[bold]x[/bold]"], "--host must be an IP address or a host name"),
        (["--host", "lab\nhall"], "got 'lab\\nhall'"),
        (["--host", "nosuch.invalid"], "cannot listen on nosuch.invalid:8000:"),
        (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1:8000:"),  # not this machine's
        (["--public-url", "http://[::1"], "--public-url must look like https://host or"),
        (["--public-url", "https://a b"], "--public-url must look like"),
        (["--public-url", "https://x:99999"], "--public-url must look like"),
        (["--public-url", "http://x:abc"], "--public-url must look like"),
        (["--public-url", "https://[red]x[/red]"], "--public-url must look like"),
        (["--public-url", "https://x\x1b[31m.org"], "got 'https://x\\x1b[31m.org'"),
        (["--public-url", "https://me:pw@x.org"], "must not carry a user name or password"),
        (["--idle-timeout", "0"], "--idle-timeout: expected a time such as 600, 90s, 10m"),
        (["--idle-timeout", "soon"], "--idle-timeout: expected a time"),
    ],
)
def test_bad_arguments_are_one_line(tmp_path: Path, args: list[str], said: str) -> None:
    proc = run_serve(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and said in proc.stderr, proc.stderr
    assert "\x1b" not in proc.stderr  # an escape code is shown, never sent to the terminal
    assert proc.stdout == ""  # nothing listened: no "Serving …"


def test_without_the_extra_it_says_how_to_get_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['textual_serve'] = None\n"
        "from bpdebug.cli import main; sys.exit(main(['serve']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "bpdebug serve needs textual-serve: pip install 'bpdebug[serve]' (or '.[serve]' here)\n"
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_listening_beyond_this_machine_warns(tmp_path: Path, host: str) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "serve", "--host", host, "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "Serving Two-layer example on http://" in proc.stdout.readline()
        proc.send_signal(2)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    if host == "127.0.0.1":
        assert err == ""
    else:
        assert err.startswith("bpdebug serve: warning: listening on 0.0.0.0: anyone who can")
        assert err.count("\n") == 1
