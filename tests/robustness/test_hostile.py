"""Hostile network files through the real command line, and opened inside the app."""

from __future__ import annotations

import subprocess
import sys

import pytest
from bad_files import BAD_FILES
from paths import BAD_NETS as BAD
from paths import ROOT

from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.screens import OpenScreen
from bpdebug.tui.textual_private import notifications


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_hostile_file_through_the_real_command_line(name: str) -> None:
    flags = ["--max-examples", "1000"] if name == "too_many_examples.toml" else []
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "trace", f"tests/bad_nets/{name}", *flags],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"bpdebug: tests/bad_nets/{name}: {BAD_FILES[name]}\n"


async def test_the_app_keeps_its_state_when_a_hostile_file_is_opened() -> None:
    app = make_app(load_network(sample_path("two_layer")))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("2", "n", "plus", "b")  # a step, an unsaved edit, a breakpoint
        network, trace, cursor = app.network, app.trace, app.cursor
        undo, breakpoints = list(app.undo_stack), app.breakpoints
        for name in sorted(BAD_FILES):
            if name == "too_many_examples.toml":
                continue  # within the default limit: a valid file
            app.open_network(str(BAD / name))
            await pilot.pause()
            assert app.network is network and app.trace is trace and app.cursor == cursor
            assert app.undo_stack == undo and app.breakpoints == breakpoints and app.dirty
            assert notifications(app), name
            last = notifications(app)[-1]
            assert last.message == f"{BAD / name}: {BAD_FILES[name]}"
            app.clear_notifications()


async def test_the_open_dialog_refuses_a_bad_file_inline() -> None:
    app = make_app(load_network(sample_path("xor")))
    async with app.run_test(size=(100, 32)) as pilot:
        network = app.network
        await pilot.press("o")
        assert isinstance(app.screen, OpenScreen)
        for name in ("syntax_error.toml", "softmax_hidden.toml", "binary_garbage.toml"):
            app.screen.query_one("#path").value = str(BAD / name)
            await pilot.press("enter")
            assert isinstance(app.screen, OpenScreen)
            error = str(app.screen.query_one("#error").render())
            assert error == f"✗ {BAD / name}: {BAD_FILES[name]}"
        app.screen.query_one("#path").value = "no/such/file.toml"
        await pilot.press("enter")
        assert "no/such/file.toml: no such file" in str(app.screen.query_one("#error").render())
        app.screen.query_one("#path").value = "deep"
        await pilot.press("enter")
        assert not isinstance(app.screen, OpenScreen)
        assert app.network is not network and app.network.name == "Deep relu/tanh"


def test_a_bad_file_leaves_the_process_collecting_garbage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Start-up pauses the garbage collector; a file that fails to load must not leave it off."""
    import gc

    from bpdebug.cli import main

    bad = str(ROOT / "tests/bad_nets/binary_garbage.toml")
    assert main([bad]) == 2
    assert gc.isenabled()
    assert capsys.readouterr().err.startswith(f"bpdebug: {bad}: ")
