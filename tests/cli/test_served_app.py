"""A served session (`bpdebug serve` gives each browser tab one): what it may open, and saves
that become downloads, done only when the browser has the file. Driven headless; Textual's
delivery is recorded here (test_serve.py runs the real server and its downloads)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, OptionList

from bpdebug.files.netfile import NetworkFileError, load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.session.outbox import Folder
from bpdebug.session.quiz import Quiz, parse_kinds
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import DownloadsScreen, OpenScreen, SaveScreen


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A class's folder: nets at two depths, a hidden folder, and links out of it."""
    root = tmp_path / "class"
    (root / "week2").mkdir(parents=True)
    (root / ".git").mkdir()
    shutil.copy(sample_path("xor"), root / "mine.toml")
    shutil.copy(sample_path("deep"), root / "week2" / "deep.json.toml")
    shutil.copy(sample_path("xor"), root / ".git" / "hidden.toml")
    (root / "notes.txt").write_text("not a network")
    outside = tmp_path / "secret.toml"
    shutil.copy(sample_path("wide"), outside)
    os.symlink(outside, root / "link-out.toml")
    os.symlink(tmp_path, root / "up")
    return root


def test_the_folder_offers_samples_then_its_own_networks(shared: Path) -> None:
    choices = Folder(shared).choices()
    assert choices[: len(sample_names())] == sample_names()
    assert choices[len(sample_names()) :] == ["mine.toml", "week2/deep.json.toml"]


@pytest.mark.parametrize("inside", ["mine.toml", "week2/deep.json.toml", "week2/../mine.toml"])
def test_the_folder_opens_what_is_under_it(shared: Path, inside: str) -> None:
    assert Folder(shared).resolve(inside).is_relative_to(shared)
    assert Folder(shared).resolve(str(shared / "mine.toml")) == shared / "mine.toml"
    assert Folder(shared).resolve("xor") == sample_path("xor")


@pytest.mark.parametrize(
    "outside", ["../secret.toml", "link-out.toml", "up/secret.toml", "/etc/passwd", "~/x.toml"]
)
def test_the_folder_refuses_what_is_outside_it(shared: Path, outside: str) -> None:
    if outside.startswith("~"):  # no home folder expansion: a file literally named so
        assert Folder(shared).resolve(outside) == shared / "~" / "x.toml"
        return
    with pytest.raises(NetworkFileError, match="outside the folder this server shares"):
        Folder(shared).resolve(outside)


def served(root: Path, net: str = "two_layer") -> BPDebugApp:
    app = make_app(load_network(sample_path(net)), served=Folder(root))
    app.sent = []  # type: ignore[attr-defined]

    def deliver_text(file, *, save_filename=None, **_):  # type: ignore[no-untyped-def]
        app.sent.append((save_filename, file.read()))  # type: ignore[attr-defined]
        return f"key{len(app.sent)}"  # type: ignore[attr-defined]

    app.deliver_text = deliver_text  # type: ignore[method-assign]
    return app


async def test_o_lists_the_choices_and_refuses_a_path_out(shared: Path) -> None:
    app = served(shared)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OpenScreen)
        listed = dialog.query_one(OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert prompts == Folder(shared).choices()
        dialog.query_one(Input).value = "../secret.toml"
        await pilot.press("enter")
        await pilot.pause()
        assert "outside the folder this server shares (class/)" in str(
            dialog.query_one("#error").render()
        )
        assert app.network.name == "Two-layer example"
        dialog.query_one(Input).value = "week2"  # filters the list to one; enter opens it
        await pilot.pause()
        assert listed.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not dialog
        assert app.session.origin == str(shared / "week2" / "deep.json.toml")


async def test_ctrl_s_is_a_download_and_saved_only_once_the_browser_has_it(
    shared: Path,
) -> None:
    app = served(shared)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SaveScreen) and dialog.download
        field = dialog.query_one(Input)
        assert field.value == "two_layer-edited.toml"
        field.value = "../up/x.toml"
        await pilot.press("enter")
        await pilot.pause()
        assert "a file name only" in str(dialog.query_one("#error").render())
        field.value = "my net (v2).TOML"
        await pilot.press("enter")
        await pilot.pause()
        [(name, text)] = app.sent  # type: ignore[attr-defined]
        assert name == "my_net_v2.toml"
        saved = shared / "downloaded.toml"
        saved.write_text(text)
        assert load_network(saved).layers[0].W[0, 0] == pytest.approx(0.25)
        assert app.dirty  # not yet: the browser has not fetched it
        app.post_message(events.DeliveryFailed(key="key1", exception=OSError("gone")))
        await pilot.pause()
        assert app.dirty
        await pilot.press("ctrl+s", "enter")
        await pilot.pause()
        assert len(app.sent) == 2  # type: ignore[attr-defined]
        app.post_message(events.DeliveryComplete(key="key2"))
        await pilot.pause()
        assert not app.dirty
        assert not list(Path.cwd().glob("two_layer-edited*.toml"))


async def test_quitting_with_unsaved_work_waits_for_the_download(shared: Path) -> None:
    app = served(shared)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "q")
        await pilot.pause()
        await pilot.click("#save")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and len(app.sent) == 1  # type: ignore[attr-defined]
        app.post_message(events.DeliveryComplete(key="key1"))
        await pilot.pause()
        await pilot.pause()
        assert not app.is_running


async def test_x_offers_one_download_per_choice(shared: Path) -> None:
    app = served(shared)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("n", "x")
        await pilot.pause()
        assert isinstance(app.screen, DownloadsScreen)
        assert app.sent == []  # type: ignore[attr-defined]
        await pilot.press("down", "enter")
        await pilot.pause()
        [(name, svg)] = app.sent  # type: ignore[attr-defined]
        assert name == "two_layer-step2.svg" and "highlighted" not in svg  # the screen behind
        assert "step&#160;2&#160;of&#160;20" in svg


async def test_the_quiz_score_is_a_download(shared: Path) -> None:
    app = served(shared)
    app.quiz = Quiz(parse_kinds("delta"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("S")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        [(name, text)] = app.sent  # type: ignore[attr-defined]
        assert name == "Two-layer_example-quiz.md" and text.startswith("#")
        assert "sent Two-layer_example-quiz.md to your browser's downloads" in str(
            app.screen.query_one("#error").render()
        )


async def test_the_key_bar_and_help_say_download(shared: Path) -> None:
    app = served(shared)
    async with app.run_test(size=(120, 32)) as pilot:
        assert "^s Download" in str(app.query_one("#keys").render())
        await pilot.press("question_mark")
        await pilot.pause()
        said = " ".join(b.tooltip for b in app.screen.app_bindings)  # the help's table
        assert "download the network to your browser" in said
        assert "save the network to a new file" not in said
    app = make_app(load_network(sample_path("two_layer")))
    async with app.run_test(size=(120, 32)):
        assert "^s Save" in str(app.query_one("#keys").render())


def test_the_listing_is_shallow_first_and_stops_at_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bpdebug.session import outbox

    (tmp_path / "a").mkdir()
    shutil.copy(sample_path("xor"), tmp_path / "a" / "x.toml")
    shutil.copy(sample_path("xor"), tmp_path / "b.toml")
    assert Folder(tmp_path).files() == ["b.toml", "a/x.toml"]
    for k in range(10):
        (tmp_path / f"c{k}.txt").write_text("")
    monkeypatch.setattr(outbox, "MAX_SCANNED", 5)  # only the first folder's first entries
    assert Folder(tmp_path).files() == ["b.toml"]
    assert Folder(tmp_path).resolve("a/x.toml") == tmp_path / "a" / "x.toml"  # still typed


async def test_a_served_session_never_offers_another_sessions_recovery(shared: Path) -> None:
    from bpdebug.engine.params import ParamRef, set_value
    from bpdebug.files.recovery import write_recovery
    from bpdebug.tui.screens import ConfirmScreen

    net = load_network(sample_path("two_layer"))
    kept = write_recovery(set_value(net, ParamRef("lr"), 0.25), "a test")
    for app in (
        make_app(net, offer_recovered=True, served=Folder(shared)),
        make_app(net, offer_recovered=True),
    ):
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            await pilot.pause()
            offered = isinstance(app.screen, ConfirmScreen)
        assert offered == (app.served is None)  # a terminal session offers it; a tab does not
    assert kept.exists()


def test_a_name_no_file_can_have_is_one_line(shared: Path) -> None:
    with pytest.raises(NetworkFileError, match="not a file name here"):
        Folder(shared).resolve("a\0b.toml")
    os.symlink(shared / "loop2", shared / "loop1")
    os.symlink(shared / "loop1", shared / "loop2")
    with pytest.raises(NetworkFileError, match="not a file name here|outside the folder"):
        Folder(shared).resolve("loop1")
    assert "loop1" not in Folder(shared).choices()
