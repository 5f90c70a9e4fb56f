"""Conditional breakpoints stop exactly at the first step that satisfies them, nowhere else."""

from __future__ import annotations

import numpy as np
import pytest
from small_nets import net

from bpdebug.engine import build_trace
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.session.conditions import ConditionError, next_stop, parse_condition, previous_stop
from bpdebug.tui.app import make_app
from bpdebug.tui.screens import BreakpointsScreen


def first_match(trace, text: str) -> int:  # type: ignore[no-untyped-def]
    """Where the condition should stop, found the slow, obvious way."""
    condition = parse_condition(text, trace.network.depth)
    return next(i for i in range(1, len(trace)) if condition.matches(trace, trace[i]))


def stops(trace, text: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Every stop `c` makes from the start with only this condition set."""
    condition = parse_condition(text, trace.network.depth)
    out: list[int] = []
    i: int | None = 0
    while (i := next_stop(trace, i, frozenset(), (condition,))) is not None:
        out.append(i)
    return out


def test_nonfinite_stops_at_the_first_overflow() -> None:
    trace = build_trace(
        net([("identity", [[1e200]], [0.0]), ("identity", [[1e200]], [0.0])], [[1e9]], [[0.0]])
    )
    assert stops(trace, "nonfinite")[0] == min(trace.nonfinite_steps) == 2  # z⁽²⁾


def test_vanishing_delta_stops_where_the_sigmoid_saturates() -> None:
    # layer 1 saturates (z = 30): σ′ ≈ 1e-13, so δ⁽¹⁾ vanishes while δ⁽²⁾ does not
    trace = build_trace(
        net([("sigmoid", [[30.0]], [0.0]), ("identity", [[1.0]], [0.0])], [[1.0]], [[0.0]])
    )
    where = stops(trace, "vanishing delta 1e-6")
    assert where[0] == trace.find("delta", 1).index
    assert trace.find("delta", 2).index not in where
    assert abs(trace.find("delta", 2).value[0, 0]) > 1e-6


def test_exploding_dw_stops_only_at_the_large_gradient() -> None:
    trace = build_trace(
        net([("identity", [[1.0]], [0.0]), ("identity", [[1.0]], [0.0])], [[1e3]], [[0.0]])
    )
    where = stops(trace, "exploding dW 1e5")
    # ∂L/∂W⁽¹⁾ = 2·a·w·x = 2e6 and ∂L/∂W⁽²⁾ = 2·a·a⁽¹⁾ = 2e6: both; ∂L/∂b are 2e3: neither
    assert where[:2] == [trace.find("dW", 2).index, trace.find("dW", 1).index]
    assert trace.find("db", 1).index not in where


def test_dead_relu_stops_at_the_layer_with_a_unit_off_for_the_whole_batch() -> None:
    layers = [
        ("relu", [[1.0], [1.0]], [0.0, 0.0]),
        ("relu", [[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0]),
        ("identity", [[1.0, 1.0]], [0.0]),
    ]
    trace = build_trace(net(layers, [[1.0, 2.0, 3.0]], [[0.0, 0.0, 0.0]]))
    # unit 1 of layer 2 has z = −a⁽¹⁾ < 0 for every example: its z and a steps stop
    assert stops(trace, "dead relu") == [trace.find("z", 2).index, trace.find("a", 2).index]
    reason = parse_condition("dead relu", 3).why(trace, trace.find("a", 2))
    assert reason == "layer 2: unit 1 is dead (1 of 2: z ≤ 0 for all 3 examples)"
    assert first_match(trace, "dead relu") == trace.find("z", 2).index


@pytest.mark.parametrize(
    "text,kind", [("layer 2", "z"), ("phase backward", "dL_da"), ("phase update", "W_new")]
)
def test_layer_and_phase_conditions(text: str, kind: str) -> None:
    trace = build_trace(load_network(sample_path("deep")))
    stop = stops(trace, text)[0]
    assert trace[stop].kind == kind
    assert stop == first_match(trace, text)


def test_going_back_finds_the_previous_match() -> None:
    trace = build_trace(load_network(sample_path("two_layer")))
    condition = parse_condition("layer 1", 2)
    assert (
        previous_stop(trace, len(trace) - 1, frozenset(), (condition,))
        == trace.find("b_new", 1).index
    )


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "type a condition"),
        ("vanishing gamma 1e-6", "vanishing applies to delta or dW, not 'gamma'"),
        ("exploding dW -3", "the threshold must be a positive number, got -3"),
        ("exploding dW lots", "'lots' is not a number"),
        ("layer 9", "is not a layer from 1 to 4"),
        ("layer ²", "is not a layer from 1 to 4"),
        ("phase sideways", "phase must be forward, backward or update"),
        ("whenever", "unknown condition 'whenever'"),
    ],
)
def test_bad_conditions_say_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(ConditionError, match=message):
        parse_condition(text, 4)


async def test_conditions_from_the_panel_and_the_continue_key() -> None:
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("B")
        assert isinstance(app.screen, BreakpointsScreen)
        app.screen.query_one("#condition").value = "bogus"
        await pilot.press("enter")
        assert "unknown condition" in str(app.screen.query_one("#error").render())
        app.screen.query_one("#condition").value = "phase update"
        await pilot.press("enter")
        await pilot.press("escape")
        assert [c.text for c in app.conditions] == ["phase update"]
        await pilot.press("c")
        assert app.cursor == app.trace.phase_starts["update"]
        await pilot.press("B", "tab")  # focus the list and remove the condition
        await pilot.press("delete", "escape")
        assert app.conditions == ()
        await pilot.press("home", "c")
        assert app.cursor == len(app.trace) - 1


async def test_palette_condition_and_an_edit_keep_conditions() -> None:
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(100, 32)) as pilot:
        app.add_condition("layer 3")
        await pilot.press("plus", "home", "c")  # an edit keeps the conditions
        assert app.trace[app.cursor].layer == 3
        app.add_condition("layer 99")
        await pilot.pause()
        assert [c.text for c in app.conditions] == ["layer 3"]
        assert np.isfinite(app.trace.loss)
