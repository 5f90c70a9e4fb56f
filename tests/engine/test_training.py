"""Training you can trust: it stops where it breaks, records the gradient flow the traces
would give, draws it, pins a run to compare, and whatever it leads to saves and loads back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import random_network
from dialogs import type_into
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trained import by_trace, identical

from bpdebug.engine import Network, build_trace
from bpdebug.engine.params import ParamRef, set_value
from bpdebug.engine.training import (
    DIVERGING,
    Descent,
    Flow,
    Recorder,
    StopRules,
    flow_of_trace,
    train,
)
from bpdebug.files.netfile import Limits, load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.screens import ConfirmScreen, SaveScreen
from bpdebug.tui.screens.flow import FlowGrid, FlowScreen
from bpdebug.tui.widgets import LossPlot, StepPanel


def sample(name: str, lr: float | None = None) -> Network:
    net = load_network(sample_path(name))
    return net if lr is None else set_value(net, ParamRef("lr"), lr)


# ---------------------------------------------------------------- the gradient flow


def independent_flow(net: Network, iterations: int) -> dict[str, np.ndarray]:
    """The flow of each iteration from its trace, with NumPy's own norm (not ours)."""
    rows: dict[str, list[list[float]]] = {"loss": [], "delta": [], "dW": [], "W": [], "dead": []}
    for _ in range(iterations + 1):
        trace = build_trace(net)
        L = net.depth
        rows["loss"].append([trace.loss])
        rows["delta"].append(
            [np.linalg.norm(trace.find("delta", l).value) for l in range(1, L + 1)]
        )
        rows["dW"].append([np.linalg.norm(trace.find("dW", l).value) for l in range(1, L + 1)])
        rows["W"].append([np.linalg.norm(layer.W) for layer in net.layers])
        rows["dead"].append(
            [
                float((np.asarray(trace.find("z", l).value) <= 0).all(axis=1).sum())
                if net.layers[l - 1].activation == "relu"
                else -1.0
                for l in range(1, L + 1)
            ]
        )
        net = trace.updated
    return {k: np.array(v) for k, v in rows.items()}


@pytest.mark.parametrize("seed", range(6))
def test_the_recorded_flow_equals_the_norms_of_each_iterations_trace(seed: int) -> None:
    net = random_network(
        seed, 2 + seed % 3, 3, "identity", "mse", hidden="relu" if seed % 2 else None
    )
    run = train(net, 12)
    expected = independent_flow(net, 12)
    assert run.flow.rows == 13 and list(run.flow.iteration) == list(range(13))
    assert np.array_equal(run.flow.loss, expected["loss"][:, 0])  # the trace's own bits
    for q in ("delta", "dW", "W"):
        np.testing.assert_allclose(getattr(run.flow, q), expected[q], rtol=1e-12, atol=0)
    assert np.array_equal(run.flow.dead, expected["dead"])


def test_flow_of_a_trace_is_the_row_training_records() -> None:
    net = sample("deep")
    run = train(net, 5)
    trace = build_trace(by_trace(net, 3))
    row = flow_of_trace(trace, 3)
    for field in ("loss", "delta", "dW", "W", "dead"):
        assert np.array_equal(getattr(row, field)[0], getattr(run.flow, field)[3]), field


def test_every_k_records_every_kth_iteration_and_the_last() -> None:
    run = train(sample("xor"), 95, every=10)
    assert list(run.flow.iteration) == [*range(0, 95, 10), 95]
    full = train(sample("xor"), 95)
    assert np.array_equal(run.flow.delta, full.flow.delta[run.flow.iteration])


def test_a_capped_recorder_keeps_an_evenly_spaced_history() -> None:
    descent = Descent(sample("xor"), cap=64)
    run = descent.run_all(1000)
    it = run.flow.iteration
    assert run.flow.rows <= 64 and it[0] == 0 and it[-1] == 1000
    gaps = np.diff(it[:-1])
    assert (gaps == gaps[0]).all()  # evenly spaced, but for the last row, always kept


def test_a_recorder_doubles_its_spacing_when_full() -> None:
    r = Recorder(depth=1, cap=4)
    for k in range(9):
        if r.wants(k):
            r.add(k, float(k), {"delta": [0.0], "dW": [0.0], "W": [0.0]}, [-1])
    assert list(r.flow().iteration) == [0, 4, 8]


# ---------------------------------------------------------------- stopping where it breaks


def test_training_stops_at_the_first_nonfinite_loss_keeping_the_last_finite_network() -> None:
    net = sample("deep", lr=5.0)
    run = train(net, 300)
    assert run.stopped == "nonfinite" and run.iterations == 256
    assert "iteration 256: the loss is inf" in run.reason
    assert np.isfinite(run.losses[:-1]).all() and not np.isfinite(run.losses[-1])
    assert identical(run.network, by_trace(net, 256))  # the last finite parameters
    assert all(np.isfinite(la.W).all() and np.isfinite(la.b).all() for la in run.network.layers)
    assert build_trace(run.network).diagnosis()  # its trace shows where the inf appears
    assert run.flow.iteration[-1] == 256 and not np.isfinite(run.flow.loss[-1])


def test_a_nonfinite_update_stops_before_it_is_applied() -> None:
    net = random_network(3, 2, 3, "identity", "mse", hidden="relu", lr=1e6)
    run = train(net, 30)
    assert run.stopped == "nonfinite"
    trace = build_trace(run.network)
    assert all(np.isfinite(la.W).all() for la in run.network.layers)
    assert trace.nonfinite_steps  # the loss or the update of this iteration is not finite


def test_the_divergence_rules_stop_a_rising_loss() -> None:
    by_factor = train(sample("diverging"), 500, DIVERGING)
    assert by_factor.stopped == "factor" and by_factor.iterations == 2
    assert by_factor.losses[-1] > 10 * by_factor.losses[0]
    rising = train(sample("deep", lr=0.2), 500, StopRules(rising=10))
    assert rising.stopped == "rising"
    assert (np.diff(rising.losses[-11:]) > 0).all()  # ten rises in a row, then it stopped
    assert not (np.diff(rising.losses[-12:-1]) > 0).all()  # and not one iteration later
    assert train(sample("diverging"), 5).stopped == ""  # no rules: runs on


def test_progress_returning_false_interrupts_after_the_chunk() -> None:
    net = sample("xor")
    run = train(net, 1000, progress=lambda descent: False)
    assert run.stopped == "interrupted" and run.iterations == 64
    assert identical(run.network, by_trace(net, 64))


@pytest.mark.parametrize("bad", [{"rising": 0}, {"factor": 1.0}, {"factor": float("nan")}])
def test_stop_rules_refuse_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        StopRules(**bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the pathology samples


def test_vanishing_first_layers_barely_learn() -> None:
    net = sample("vanishing")
    run = train(net, 500)
    assert run.flow.delta[0, 0] < 0.01 * run.flow.delta[0, -1]  # δ shrinks toward layer 1
    moved = [
        np.linalg.norm(b.W - a.W) / np.linalg.norm(a.W)
        for a, b in zip(net.layers, run.network.layers, strict=True)
    ]
    assert moved[0] < 0.01 and moved[-1] > 0.3  # W⁽¹⁾ moves < 1%, W⁽⁶⁾ > 30%
    assert run.losses[-1] < 0.05 * run.losses[0]


def test_dead_relu_units_never_learn() -> None:
    net = sample("dead_relu")
    run = train(net, 500)
    assert (run.flow.dead[:, 0] == 3).all()
    for row in (2, 4, 5):
        assert run.network.layers[0].W[row].tobytes() == net.layers[0].W[row].tobytes()
    assert run.network.layers[0].W[0].tobytes() != net.layers[0].W[0].tobytes()


def test_the_same_net_diverges_at_one_learning_rate_and_learns_at_a_smaller() -> None:
    diverging, converging = sample("diverging"), sample("converging")
    assert identical(set_value(diverging, ParamRef("lr"), 0.1), converging)
    assert train(diverging, 500, DIVERGING).stopped in ("factor", "rising", "nonfinite")
    run = train(converging, 500, DIVERGING)
    assert run.stopped == "" and run.losses[-1] < 0.01 * run.losses[0]


# ---------------------------------------------------------------- in the app


async def press_train(pilot, count: str, diverge_box: bool = True) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("T")
    if not diverge_box:
        await pilot.press("tab", "space", "shift+tab")
    await type_into(pilot, count)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_T_at_eta_5_on_deep_stops_at_the_first_nonfinite_iteration_and_undo_returns() -> None:
    start = sample("deep", lr=5.0)
    app = make_app(start)
    async with app.run_test(size=(100, 32)) as pilot:
        await press_train(pilot, "300", diverge_box=False)
        assert app.iteration == 256
        assert identical(app.network, by_trace(start, 256))
        first_bad = app.trace.first_nonfinite()
        assert first_bad is not None and app.cursor == first_bad.index
        assert "is the first non-finite value" in app.query_one(StepPanel).text.plain
        assert "Trained 256 of 300 iterations" in app.said and "iteration 256" in app.said
        await pilot.press("u")
        assert app.iteration == 0 and app.network is start


async def test_T_stops_a_diverging_loss_by_default_and_says_so() -> None:
    app = make_app(sample("diverging"))
    async with app.run_test(size=(100, 32)) as pilot:
        await press_train(pilot, "500")
        assert app.iteration == 2
        assert "the loss diverges" in app.said and "10× its first value" in app.said


async def test_the_flow_screen_shows_each_layer_at_the_marked_iteration() -> None:
    from bpdebug.notation import num
    from bpdebug.notation.numbers import sup

    app = make_app(sample("deep"))
    async with app.run_test(size=(100, 32)) as pilot:
        await press_train(pilot, "60")
        flow = app.session.flow
        assert flow.rows == 61 and flow.iteration[-1] == 60
        await pilot.press("G")
        assert isinstance(app.screen, FlowScreen)
        grid = app.screen.query_one(FlowGrid)
        assert grid.at == 60
        text = grid.render().plain
        assert "iteration 60" in text
        for l in range(1, 5):
            assert f"‖δ{sup(l)}‖ {num(float(flow.delta[60, l - 1]), 6)}" in text
            assert f"‖∂L/∂W{sup(l)}‖ {num(float(flow.dW[60, l - 1]), 6)}" in text
        assert "dead⁽²⁾: not relu" in text and f"dead⁽¹⁾ {int(flow.dead[60, 0])}" in text
        await pilot.press("home")
        assert grid.at == 0 and "iteration 0 " in grid.render().plain
        assert f"‖δ⁽¹⁾‖ {num(float(flow.delta[0, 0]), 6)}" in grid.render().plain
        await pilot.press("shift+right")
        assert grid.at == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, FlowScreen)


async def test_the_flow_marker_is_drawn_at_its_iteration() -> None:
    app = make_app(sample("deep"))
    async with app.run_test(size=(100, 32)) as pilot:
        await press_train(pilot, "100")
        await pilot.press("G", "home")
        grid = app.screen.query_one(FlowGrid)
        lines = grid.render().split("\n")
        marked = [
            [span.start for span in line.spans if "grey35" in str(span.style)] for line in lines
        ]
        loss_row = marked[1]
        assert loss_row == [0]  # iteration 0: the first column
        await pilot.press("end")
        lines = grid.render().split("\n")
        last = [span.start for span in lines[1].spans if "grey35" in str(span.style)]
        assert last == [grid.content_region.width - 1]


async def test_a_pinned_curve_is_drawn_beside_the_next_run() -> None:
    app = make_app(sample("converging"))
    async with app.run_test(size=(100, 32)) as pilot:
        await press_train(pilot, "50")
        await pilot.press("P")
        pinned = app.session.pinned
        assert pinned is not None and len(pinned.losses) == 51 and pinned.name == "η 0.1 · 50 it"
        await pilot.press("u")  # back to iteration 0; the pin stays
        app.change_network(set_value(app.network, ParamRef("lr"), 0.02))
        await press_train(pilot, "50")
        plot = app.query_one(LossPlot)
        assert plot.pinned is pinned
        assert "now" in str(plot.border_subtitle) and "pinned" in str(plot.border_subtitle)
        from bpdebug.output.plot import Series, styled_rows
        from bpdebug.output.plot import plot as draw

        size = plot.content_region
        drawn = draw(
            [
                Series("now", np.arange(51.0), np.array(app.losses)),
                Series("p", np.arange(51.0), pinned.losses),
            ],
            size.width,
            size.height,
        )
        assert (drawn.owners & 2).any() and (drawn.owners & 1).any()  # both curves drawn
        assert plot.render().plain == "\n".join(row.plain for row in styled_rows(drawn, True))
        await pilot.press("P")
        assert app.session.pinned is None and "pinned" not in str(plot.border_subtitle)


async def test_the_pin_survives_opening_another_file() -> None:
    app = make_app(sample("diverging"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t", "P")
        pinned = app.session.pinned
        app.replace_network(sample("converging"))
        await pilot.pause()
        assert app.session.pinned is pinned and app.query_one(LossPlot).pinned is pinned


# ---------------------------------------------------------------- saves that load back


def _random_case(seed: int) -> tuple[Network, list[tuple[str, object]]]:
    """A random network and what is done to it before saving: edits and training runs."""
    rng = np.random.default_rng(seed)
    net = random_network(seed, 1 + seed % 3, 3, "identity", "mse", hidden="tanh")
    actions: list[tuple[str, object]] = []
    for _ in range(3):
        if rng.random() < 0.5:
            l = int(rng.integers(1, net.depth + 1))
            ref = ParamRef("W", l, 0, 0)
            actions.append(("edit", (ref, float(rng.normal(0, 10.0 ** rng.integers(0, 16))))))
        else:
            actions.append(("train", int(rng.integers(1, 40))))
    return net, actions


@pytest.mark.parametrize("seed", range(10))
async def test_whatever_the_save_dialog_writes_loads_back_bit_for_bit(
    seed: int, tmp_path: Path
) -> None:
    net, actions = _random_case(seed)
    app = make_app(net, Limits(max_magnitude=1e300))  # edits may go beyond the file limit
    async with app.run_test(size=(100, 32)) as pilot:
        for what, arg in actions:
            if what == "edit":
                ref, value = arg  # type: ignore[misc]
                app.change_network(set_value(app.network, ref, value, max_magnitude=1e300))
            else:
                await press_train(pilot, str(arg), diverge_box=False)
        current = app.network
        path = tmp_path / f"saved-{seed}.toml"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SaveScreen)
        await type_into(pilot, str(path))
        needed = None
        if isinstance(app.screen, ConfirmScreen):  # beyond the limit: it says the flag
            message = app.screen.question
            assert "--max-magnitude" in message
            needed = float(message.split("--max-magnitude ")[1].rstrip(".").split()[0])
            await pilot.click("#save")
        elif isinstance(app.screen, SaveScreen):  # refused: only a non-finite network is
            error = str(app.screen.query_one("#error").render())
            assert "not finite" in error
            assert not path.exists()
            return
        assert path.exists()
        limits = Limits() if needed is None else Limits(max_magnitude=needed)
        assert identical(load_network(path, limits), current)
        if needed is not None:
            with pytest.raises(ValueError, match="--max-magnitude"):
                load_network(path)  # and without the flag it says which one


async def test_the_eta_5_network_saves_only_on_request_and_loads_with_the_flag_it_named(
    tmp_path: Path,
) -> None:
    app = make_app(sample("deep", lr=5.0))
    async with app.run_test(size=(100, 32)) as pilot:
        await press_train(pilot, "300", diverge_box=False)
        path = tmp_path / "deep-edited.toml"
        await pilot.press("ctrl+s")
        await type_into(pilot, str(path))
        assert isinstance(app.screen, ConfirmScreen)
        message = app.screen.question
        assert "layers[3].b[0] is 1.18e+154" in message and "--max-magnitude 2e154" in message
        await pilot.press("escape")  # don't save: nothing written
        assert not path.exists()
        await pilot.press("enter")
        await pilot.click("#save")
        assert identical(load_network(path, Limits(max_magnitude=2e154)), app.network)


def test_flow_join_and_shift_keep_rows_in_order() -> None:
    a = train(sample("xor"), 3).flow
    b = a.shifted(3)
    both = Flow.join(a, b)
    assert list(both.iteration) == [0, 1, 2, 3, 3, 4, 5, 6]
    assert np.array_equal(both.take(slice(4, None)).delta, a.delta)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    exponent=st.integers(0, 300),
    iterations=st.integers(0, 30),
    eta=st.sampled_from([0.1, 2.0, 50.0]),
)
def test_save_writes_only_what_loads_back_with_the_flag_it_names(
    tmp_path_factory: pytest.TempPathFactory, seed: int, exponent: int, iterations: int, eta: float
) -> None:
    """The engine-level property (many more cases than the dialog test): training from a
    weight of size 10^exponent, then save: either it writes a file that loads back bit for
    bit, or it refuses with the limit that would load it, and with that limit it does."""
    from bpdebug.files.netfile import MagnitudeError, save_network

    net = random_network(seed, 2, 3, "identity", "mse", hidden="tanh", lr=eta)
    net = set_value(net, ParamRef("W", 1, 0, 0), 1.5 * 10.0**exponent, max_magnitude=1e308)
    trained = train(net, iterations).network
    path = tmp_path_factory.mktemp("save") / "net.toml"
    try:
        save_network(trained, path)
        assert identical(load_network(path), trained)
    except MagnitudeError as exc:
        assert not path.exists()
        assert exc.needed >= exc.value and exc.flag == f"--max-magnitude {exc.flag.split()[1]}"
        save_network(trained, path, limits=Limits(max_magnitude=exc.needed))
        flag_value = float(exc.flag.split()[1])
        assert identical(load_network(path, Limits(max_magnitude=flag_value)), trained)


def test_a_long_history_is_thinned_evenly_keeping_the_last_row() -> None:
    flow = train(sample("xor"), 999).flow
    thin = flow.thinned(100)
    assert thin.rows <= 100 and thin.iteration[0] == 0 and thin.iteration[-1] == 999
    assert len(set(np.diff(thin.iteration[:-1]))) == 1
    assert flow.thinned(2000) is flow
