"""Nothing crashes, nothing is lost: random networks, invalid edits, key storms, any size,
numerical blow-ups, and unexpected errors inside the app."""

from __future__ import annotations

import math
import os
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import random_network, valid_pairs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events

from bpdebug.engine import build_trace
from bpdebug.engine.gradcheck import check_gradients
from bpdebug.engine.params import EditError, ParamRef, all_refs, parse_value, set_value
from bpdebug.files.netfile import first_nonfinite, load_network, save_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import CrashScreen, SaveScreen
from bpdebug.tui.widgets import StepPanel, Tape


def same_trace(a, b) -> bool:  # type: ignore[no-untyped-def]
    return len(a) == len(b) and all(
        np.asarray(s.value).tobytes() == np.asarray(t.value).tobytes()
        for s, t in zip(a.steps, b.steps, strict=True)
    )


# ---------------------------------------------------------------- property-based


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 2**31),
    pair=st.sampled_from(valid_pairs()),
    depth=st.integers(1, 4),
    m=st.integers(1, 4),
    scale=st.sampled_from([1.0, 1e-8, 30.0, 1e4]),
)
def test_random_valid_networks_never_raise(
    seed: int, pair: tuple[str, str], depth: int, m: int, scale: float, tmp_path: Path
) -> None:
    net = random_network(seed, depth, m, *pair)
    net = net.with_layers(
        tuple(
            type(layer)(layer.activation, layer.W * scale, layer.b, layer.alpha)
            for layer in net.layers
        )
    )
    trace = build_trace(net)
    assert len(trace) == 2 * depth + 1 + 5 * depth + 2 * depth + 1
    check_gradients(net)
    path = save_network(net, tmp_path / f"n{seed}.toml", overwrite=True)
    assert load_network(path).same_as(net)


INVALID_TEXT = st.one_of(
    st.just(""),
    st.just("   "),
    st.just("nan"),
    st.just("-inf"),
    st.just("1e999"),
    st.just("1e10"),
    st.just("--1"),
    st.just("0x10"),
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), min_size=1, max_size=8),
)


@settings(max_examples=150, deadline=None)
@given(text=INVALID_TEXT, pick=st.integers(0, 10**6))
def test_random_invalid_edits_never_change_the_session(text: str, pick: int) -> None:
    """Every one of these texts is refused with a reason, as the edit dialog shows it, and
    the session (network, trace, undo history) is exactly as it was."""
    from bpdebug.session.session import Session

    session = Session(random_network(pick % 97, 2, 3, "softmax", "cross_entropy"))
    network, trace, undo = session.network, session.trace, list(session.undo_stack)
    ref = all_refs(session.network)[pick % len(all_refs(session.network))]
    with pytest.raises(EditError) as refused:
        session.edit(set_value(session.network, ref, parse_value(text)))
    assert str(refused.value)  # says why
    assert session.network is network and session.trace is trace
    assert session.undo_stack == undo and not session.dirty


@settings(max_examples=100, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True), pick=st.integers(0, 10**6))
def test_any_float_edit_either_applies_exactly_or_is_refused(value: float, pick: int) -> None:
    net = random_network(pick % 31, 2, 2, "sigmoid", "binary_cross_entropy")
    ref = all_refs(net)[pick % len(all_refs(net))]
    try:
        edited = set_value(net, ref, value)
    except EditError:
        return
    assert math.isfinite(value)
    from bpdebug.engine.params import get_value

    assert get_value(edited, ref) == value
    assert len(build_trace(edited)) == len(build_trace(net))


# ---------------------------------------------------------------- the key storm

NEVER = {"q", "ctrl+q", "ctrl+c", "ctrl+p"}  # quitting or the palette would end the storm
JUNK = [
    "x",
    "z",
    "9",
    "0",
    ".",
    "e",
    "1",
    "enter",
    "escape",
    "tab",
    "shift+tab",
    "backspace",
    "up",
    "down",
    "left",
    "right",
    "pageup",
    "pagedown",
    "home",
    "end",
    "ctrl+a",
    "ctrl+k",
    "f5",
    "delete",
    "exclamation_mark",
    "comma",
    "space",
]


def storm_keys(app: BPDebugApp) -> list[str]:
    keys = {k.strip() for b in app.BINDINGS for k in b.key.split(",")}  # type: ignore[union-attr]
    return sorted((keys | set(JUNK)) - NEVER)


def send(app: BPDebugApp, key: str) -> None:
    """Post a key as the terminal would, without waiting for idle after it (pilot.press does)."""
    char = (
        key
        if len(key) == 1
        else {"space": " ", "comma": ",", "exclamation_mark": "!", "enter": "\r"}.get(key)
    )
    event = events.Key(key, char)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


STORM_TOTAL = int(os.environ.get("BPDEBUG_STORM_KEYS", "2000"))  # e.g. 200000 for a long run
SIZES = [(100, 32), (80, 24), (60, 18), (40, 12), (300, 100), (120, 40)]


@pytest.mark.parametrize(
    "name,seed", [("two_layer", 1), ("xor", 2), ("softmax_classifier", 3), ("deep", 4)]
)
async def test_key_storm(
    name: str, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random keys from every binding plus junk, with resizes: no crash, state always sound."""
    monkeypatch.chdir(tmp_path)  # a stray ctrl+s / enter saves here, not in the repository
    rng = random.Random(seed)
    app = make_app(load_network(sample_path(name)))
    keys_total = STORM_TOTAL // 4
    async with app.run_test(size=(100, 32)) as pilot:
        keys = storm_keys(app)
        for batch in range(keys_total // 50):
            if batch % 3 == 0:
                await pilot.resize_terminal(*rng.choice(SIZES))
            for _ in range(50):
                send(app, rng.choice(keys))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running
            assert app.crashes == 0
            assert 0 <= app.cursor < len(app.trace)
            assert same_trace(app.trace, build_trace(app.network))
            assert app.query_one(Tape).current == app.cursor


# ---------------------------------------------------------------- numerical faults


async def test_a_huge_learning_rate_drives_the_net_to_nan_and_undo_recovers() -> None:
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(100, 32)) as pilot:
        app.select(ParamRef("lr"))
        app.change_network(set_value(app.network, ParamRef("lr"), 1e6))
        await pilot.press("T", "tab", "space", "shift+tab")  # untick "stop if it diverges"
        await pilot.press("home", "ctrl+k", "6", "0", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.iteration < 60  # training stopped where it broke
        assert app.trace.nonfinite_steps, "expected nan/inf after training at η = 1e6"
        assert app.cursor == min(app.trace.nonfinite_steps)  # shown where it first appears
        assert not first_nonfinite(app.network)  # the last finite network is kept
        panel = app.query_one(StepPanel).text.plain
        assert "⚠ step" in panel and "is the first non-finite value" in panel
        assert min(app.trace.nonfinite_steps) in app.query_one(Tape).nonfinite
        await pilot.press("u")  # the training
        assert not app.trace.nonfinite_steps
        assert app.iteration == 0


async def test_editing_the_offending_weight_back_recovers(tmp_path: Path) -> None:
    f = tmp_path / "blow.toml"
    f.write_text(
        'loss = "mse"\nlearning_rate = 0.1\n[data]\nx = [1e9]\ny = [0.0]\n'
        + '[[layers]]\nactivation = "identity"\nW = [[1e9]]\nb = [0.0]\n' * 3
    )
    app = make_app(load_network(f))
    async with app.run_test(size=(100, 32)) as pilot:
        assert app.trace.nonfinite_steps
        tape = app.query_one(Tape)
        first_bad = min(app.trace.nonfinite_steps)
        app.go(first_bad)  # the tape scrolls to show it
        await pilot.pause()
        y = tape.line_of_step[first_bad] - tape.scroll_offset.y
        drawn = "".join(segment.text for segment in tape.render_line(y))
        assert drawn.startswith("▶ !"), drawn  # the current step, marked non-finite
        app.select(ParamRef("W", 3, 0, 0))
        await pilot.press("e")
        await pilot.press("home", "ctrl+k", "1", "enter")
        assert not app.trace.nonfinite_steps
        assert math.isfinite(app.trace.loss_after)


# ---------------------------------------------------------------- sizes


LAYOUTS = [  # terminal size, panels shown, panels hidden
    ((40, 12), ["#too-small"], ["#main", "#side"]),
    ((50, 14), ["#step", "#values"], ["#side", "#diagram", "#too-small"]),
    ((80, 24), ["#side", "#diagram", "#step", "#values"], ["#too-small"]),
    ((300, 100), ["#side", "#diagram", "#step", "#values", "#loss"], ["#too-small"]),
]


def assert_layout(app: BPDebugApp, shown: list[str], hidden: list[str]) -> None:
    for selector in shown:
        assert app.query_one(selector).display, selector
        assert app.query_one(selector).region.area > 0, selector
    for selector in hidden:
        assert not app.query_one(selector).region.area, selector


@pytest.mark.parametrize("size,shown,hidden", LAYOUTS)
async def test_every_size_has_a_sensible_layout(
    size: tuple[int, int], shown: list[str], hidden: list[str]
) -> None:
    app = make_app(load_network(sample_path("xor")))
    async with app.run_test(size=size) as pilot:
        await pilot.press("n", "2", "n")
        assert_layout(app, shown, hidden)
        assert app.cursor == 6  # n, then the backward phase (step 6), then n


async def test_resizing_lays_the_screen_out_for_the_new_size() -> None:
    """A terminal resized while bpdebug runs gets the layout it would have had from the start
    (the app used to fit itself to the size before the resize)."""
    app = make_app(load_network(sample_path("xor")))
    async with app.run_test(size=(100, 32)) as pilot:
        for size, shown, hidden in [*LAYOUTS, *reversed(LAYOUTS)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.05)
            assert app.size == size
            assert_layout(app, shown, hidden)
        await pilot.resize_terminal(85, 30)
        await pilot.pause(0.05)
        assert app.query_one("#side").size.width == 26  # narrow: the tape gives way


async def test_resizing_in_the_middle_of_a_session() -> None:
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("2", "n", "plus")
        edited, cursor = app.network, app.cursor
        for size in [(40, 12), (300, 100), (60, 18), (81, 25), (100, 32)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.network is edited and app.cursor == cursor
        await pilot.press("e")  # a dialog survives a resize too
        await pilot.resize_terminal(45, 13)
        await pilot.resize_terminal(100, 32)
        await pilot.press("escape")
        assert app.network is edited and app.crashes == 0


# ---------------------------------------------------------------- unexpected errors


async def test_an_unexpected_error_is_a_dialog_that_offers_to_save(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(self: BPDebugApp) -> None:
        raise RuntimeError("a bug in a key handler")

    monkeypatch.setattr(BPDebugApp, "action_next_layer", broken)
    monkeypatch.chdir(tmp_path)
    app = make_app(load_network(sample_path("two_layer")))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus")
        edited = app.network
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert isinstance(app.screen, CrashScreen)
        assert "RuntimeError: a bug in a key handler" in app.screen.summary
        assert app.network is edited and app.dirty
        await pilot.click("#save")
        assert isinstance(app.screen, SaveScreen)
        await pilot.press("enter")
        saved = tmp_path / "two_layer-edited.toml"
        assert load_network(saved).same_as(edited)
        assert app.is_running
    assert app.return_code in (0, None)
