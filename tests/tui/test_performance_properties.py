"""The properties that keep every key fast (timings live in benchmarks/, not in tests)."""

from __future__ import annotations

import pytest
from dialogs import run_training

import bpdebug.session.session as session_module
from bpdebug.engine import build_trace
from bpdebug.engine.params import ParamRef
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.widgets import StepPanel, Tape, ValuesView


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the traces the app builds."""
    calls: list[int] = []

    def counting(net):  # type: ignore[no-untyped-def]
        calls.append(1)
        return build_trace(net)

    monkeypatch.setattr(session_module, "build_trace", counting)
    return calls


async def test_stepping_never_rebuilds_the_trace(counted: list[int]) -> None:
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(100, 32)) as pilot:
        counted.clear()
        trace = app.trace
        for _ in range(len(trace) + 3):
            app.action_step(1)
        app.action_previous_layer()
        app.action_phase("backward")
        await pilot.pause()
        assert counted == [] and app.trace is trace


async def test_training_builds_one_trace_not_one_per_iteration(counted: list[int]) -> None:
    app = make_app(load_network(sample_path("xor")))
    async with app.run_test(size=(100, 32)) as pilot:
        counted.clear()
        await run_training(pilot, 200)
        assert app.iteration == 200
        assert len(counted) == 1  # the trace of iteration 200, for the screen


async def test_a_step_redraws_only_the_tape_lines_whose_marks_changed() -> None:
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(100, 32)) as pilot:
        tape = app.query_one(Tape)
        app.go(3)
        await pilot.pause()
        drawn: list[int] = []
        original = tape.render_line

        def spy(y: int):  # type: ignore[no-untyped-def]
            drawn.append(y)
            return original(y)

        tape.render_line = spy  # type: ignore[method-assign]
        app.action_step(1)
        await pilot.pause()
        assert 0 < len(drawn) <= 2  # the old current line and the new one


async def test_a_step_redraws_only_the_step_panel_lines_that_changed() -> None:
    """An edit of b⁽¹⁾[3] at z⁽¹⁾ of `deep` changes one row of the result: the header, the
    formula and the rows of W⁽¹⁾ and x stay, and only the rows that differ are redrawn."""
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(160, 50)) as pilot:
        panel = app.query_one(StepPanel)
        app.go(0)
        app.select(ParamRef("b", 1, 3))
        await pilot.pause()
        before = [strip.text for strip in panel.lines]
        drawn: list[int] = []
        original = panel.render_line

        def spy(y: int):  # type: ignore[no-untyped-def]
            drawn.append(y)
            return original(y)

        panel.render_line = spy  # type: ignore[method-assign]
        app.action_nudge(1)
        await pilot.pause()
        after = [strip.text for strip in panel.lines]
        changed = {
            y for y in range(max(len(before), len(after))) if before[y : y + 1] != after[y : y + 1]
        }
        assert 0 < len(changed) < len(after) - 2  # the header and formula at least stay
        assert set(drawn) == changed


async def test_large_values_format_only_visible_cells() -> None:
    app = make_app(load_network(sample_path("wide")))
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(app.trace.find("z", 1).index)  # reads W⁽¹⁾ 32×64 and x 64×16
        await pilot.pause()
        values = app.query_one(ValuesView)
        values.cells_formatted = 0
        values.refresh()
        await pilot.pause()
        visible = values.size.height * (values.size.width // 12 + 1)
        total = sum(b.matrix.size for b in values.blocks)
        assert 0 < values.cells_formatted <= visible < total


def test_the_loss_after_the_update_is_computed_when_first_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """L′ is the next iteration's forward pass: building a trace does not pay for it."""
    from bpdebug.engine import trace as trace_module

    forwards: list[int] = []
    real_loss_of = trace_module.loss_of
    monkeypatch.setattr(
        trace_module, "loss_of", lambda net: forwards.append(1) or real_loss_of(net)
    )
    net = load_network(sample_path("two_layer"))
    trace = build_trace(net)
    assert forwards == [] and len(trace) == 20
    assert trace[5].value is trace.value(5)  # other steps do not need it either
    assert not trace[5].value.flags.writeable  # handed out read-only
    assert forwards == []
    last = trace[-1]
    assert last is trace[19] and last.kind == "loss_after"
    assert last.value == trace.loss_after == real_loss_of(trace.updated)
    assert forwards == [1]  # once, then kept
    with pytest.raises(IndexError):
        trace[20]
