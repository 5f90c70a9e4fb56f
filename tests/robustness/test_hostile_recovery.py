"""Hostile recovery files at start, and signals when no recovery folder can be written: the
app starts in bounded memory and time, offers only what it can read, opens nothing it
shouldn't, keeps what it can't open, and says where unsaved work went, or that it could not
be kept."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from readonly import read_only
from terminal import in_a_terminal

from bpdebug.files.netfile import load_network
from bpdebug.files.recovery import pending
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import make_app

NET = sample_path("two_layer")
KEPT = "recovered-20250101-000000-1.toml"

# The app started as `bpdebug` starts it (offering kept work), driven by run_test: prints what
# it offered, what opening said, whether the network changed, and its peak memory.
START = """
import asyncio, json, resource, sys
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.textual_private import notifications

async def main():
    app = make_app(load_network(sample_path("two_layer")), offer_recovered=True)
    said = {"offered": None, "notes": []}
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        network = app.network
        said["offered"] = getattr(app.screen, "question", None)
        if said["offered"] is not None:
            await pilot.click("#open")
            await pilot.pause()
        said["notes"] = [n.message for n in notifications(app)]
        said["same"] = app.network is network
    # VmHWM, this program's own peak: ru_maxrss would count pytest's, kept across exec
    status = open("/proc/self/status").read()
    said["peak_mib"] = int(status.split("VmHWM:")[1].split()[0]) // 1024
    print(json.dumps(said))

asyncio.run(main())
"""


def start(folder: Path) -> dict[str, object]:
    """Start the app with `folder` as the recovery folder, in 3 GiB of address space (the old
    reading of a 2 GiB line took 6 GB), within 60 seconds."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    proc = subprocess.run(
        [sys.executable, "-c", START],
        capture_output=True,
        text=True,
        timeout=60,
        env={  # no recovery file of this machine's own is looked at
            **os.environ,
            "BPDEBUG_RECOVERY_DIR": str(folder),
            "XDG_STATE_HOME": str(folder / "state"),
            "HOME": str(folder / "home"),
        },
        preexec_fn=cap_memory,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    said: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return said


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A folder with a short path: a note names a file of up to 100 characters in full, and
    pytest's own (longer under xdist: …/popen-gw1/…) would be shortened with an ellipsis."""
    with tempfile.TemporaryDirectory(prefix="bpd-") as folder:
        yield Path(folder)


def test_a_2_gib_recovery_file_with_no_line_end_is_not_read_at_start(short_tmp: Path) -> None:
    tmp_path = short_tmp
    kept = tmp_path / KEPT
    with kept.open("wb") as fh:  # sparse: no disk used
        fh.truncate(2 << 30)
    said = start(tmp_path)
    assert said["offered"] == (
        f"An earlier session left unsaved work.\nIt was kept in {kept}. Open it now?"
    )
    assert said["notes"] == [
        f"{kept}: file is 2,147,483,648 bytes; the limit is 67,108,864 (raise it with "
        "--max-file-bytes) (the file is kept)"
    ]
    assert said["same"] and kept.stat().st_size == 2 << 30
    assert isinstance(said["peak_mib"], int) and said["peak_mib"] < 400


@pytest.mark.parametrize(
    ("content", "first", "note"),
    [
        (b"", "An earlier session left unsaved work", "the file is empty"),
        (b"# Unsaved work of a session\nname = [[[\n", "Unsaved work of a session", "TOML syntax"),
        (b"# Unsaved\n\xff\xfe\x00junk", "Unsaved", "not UTF-8 text (byte 0xff at offset 10)"),
        (
            b"# \x1b[2J\x1b]0;pwned\x07 end\n",
            " [2J ]0;pwned  end",
            "Found invalid character '\\x1b'",
        ),
    ],
)
def test_a_corrupt_recovery_file_is_offered_refused_and_kept(
    short_tmp: Path, content: bytes, first: str, note: str
) -> None:
    tmp_path = short_tmp
    kept = tmp_path / KEPT
    kept.write_bytes(content)
    said = start(tmp_path)
    offered = str(said["offered"])
    assert offered == f"{first}.\nIt was kept in {kept}. Open it now?"  # the first line only
    assert all(c.isprintable() or c == "\n" for c in offered), offered  # no escape codes
    (said_note,) = said["notes"]  # type: ignore[misc]
    assert said_note.startswith(f"{kept}: ") and note in said_note, said_note
    assert said_note.endswith("(the file is kept)")
    assert said["same"] and kept.read_bytes() == content


@pytest.mark.parametrize("kind", ["named pipe", "link to /dev/zero", "dangling link", "folder"])
def test_what_is_not_a_regular_file_is_never_offered_nor_opened(tmp_path: Path, kind: str) -> None:
    kept = tmp_path / KEPT
    if kind == "named pipe":
        os.mkfifo(kept)
    elif kind == "link to /dev/zero":
        kept.symlink_to("/dev/zero")
    elif kind == "dangling link":
        kept.symlink_to(tmp_path / "gone.toml")
    else:
        kept.mkdir()
    said = start(tmp_path)
    assert said["offered"] is None and said["notes"] == [] and said["same"]
    assert os.path.lexists(kept)


def test_sigterm_with_the_recovery_folder_read_only_keeps_the_work_in_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BPDEBUG_RECOVERY_DIR refuses the write: the work goes to $XDG_STATE_HOME/bpdebug, the
    terminal is told where, and the next start finds it there."""
    locked, state = tmp_path / "locked", tmp_path / "state"
    with read_only(locked):
        env = {
            **os.environ,
            "BPDEBUG_RECOVERY_DIR": str(locked),
            "XDG_STATE_HOME": str(state),
            "HOME": str(tmp_path / "home"),  # no recovery file of the machine's own is offered
            "TERM": "xterm-256color",
        }
        code, out = in_a_terminal(["two_layer"], env, b"+", signal.SIGTERM)
        assert code == 128 + signal.SIGTERM, out[-500:]
        assert list(locked.iterdir()) == []
        (kept,) = (state / "bpdebug").glob("recovered-*.toml")
        assert f"the unsaved network is in {kept}" in out.replace("\r\n", "")
        monkeypatch.setenv("BPDEBUG_RECOVERY_DIR", str(locked))
        monkeypatch.setenv("XDG_STATE_HOME", str(state))
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert pending() == [kept]  # the next bpdebug offers it
    edited = load_network(kept)
    assert float(edited.layers[0].W[0, 0]) == float(load_network(NET).layers[0].W[0, 0]) + 0.1


async def test_sigterm_with_no_folder_writable_says_the_work_could_not_be_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = [tmp_path / "a", tmp_path / "b"]
    monkeypatch.setattr("bpdebug.files.recovery.candidates", lambda: folders)
    with read_only(folders[0]), read_only(folders[1]):
        app = make_app(load_network(NET))
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("plus")
            assert app.dirty
            app.end_by_signal(signal.SIGTERM)
            await pilot.pause()
        assert app.return_code == 128 + signal.SIGTERM
        assert app.exit_notes() == [
            "bpdebug: ended by SIGTERM",
            "bpdebug: the unsaved network could not be kept: no folder for a recovery file "
            f"can be written (tried {folders[0]}, {folders[1]})",
        ]
        assert [list(f.iterdir()) for f in folders] == [[], []]


def test_a_writable_recovery_folder_hides_the_ones_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folders after the one work now goes to are not looked in: a test's (or a class's)
    own BPDEBUG_RECOVERY_DIR is never offered the user's files."""
    own, state = tmp_path / "own", tmp_path / "state"
    (state / "bpdebug").mkdir(parents=True)
    (state / "bpdebug" / KEPT).write_text("# someone else's\n")
    own.mkdir()
    monkeypatch.setenv("BPDEBUG_RECOVERY_DIR", str(own))
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert pending() == []
    (own / KEPT).write_text("# mine\n")
    assert pending() == [own / KEPT]
