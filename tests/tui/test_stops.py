"""Conditions and stops say what they matched: a condition says whether it holds here and
where it next does, c and C say why they stopped or that nothing matched, n at the last step
says what comes next."""

from __future__ import annotations

from small_nets import net

from bpdebug.engine import Network
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


def recording(app: BPDebugApp) -> list[str]:
    """Every message the app shows from now on (its notifications)."""
    said: list[str] = []
    shown = app.notify

    def notify(message: str, **kwargs: object) -> None:
        said.append(message)
        shown(message, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    return said


def dead_first_layer() -> Network:
    """relu layer 1 whose unit 1 has z = −x − 1 < 0 for both examples: dead from the start."""
    return net(
        [("relu", [[1.0], [-1.0]], [0.0, -1.0]), ("identity", [[1.0, 1.0]], [0.0])],
        [[1.0, 2.0]],
        [[0.0, 1.0]],
    )


async def test_dead_relu_in_layer_1_says_it_holds_here_and_stops_next_at_a() -> None:
    app = make_app(dead_first_layer())
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        app.add_condition("dead relu")
        assert said[-1] == (
            "Breaks when dead relu. It holds here, at step 1: layer 1: unit 1 is dead "
            "(1 of 2: z ≤ 0 for all 2 examples). Next at step 2: c goes there."
        )
        await pilot.press("c")
        assert app.cursor == app.trace.find("a", 1).index
        assert said[-1] == (
            "Step 2 (a⁽¹⁾): dead relu: layer 1: unit 1 is dead (1 of 2: z ≤ 0 for all 2 examples)"
        )


async def test_an_exploding_stop_names_the_entry_and_its_size() -> None:
    app = make_app(
        net([("identity", [[1.0]], [0.0]), ("identity", [[1.0]], [0.0])], [[1e3]], [[0.0]])
    )
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        app.add_condition("exploding dW 1e5")
        await pilot.press("c")
        assert app.trace[app.cursor].kind == "dW"
        assert (
            said[-1]
            == "Step 9 (∂L/∂W⁽²⁾): exploding dW 1e5: max |∂L/∂W⁽²⁾| = 2e+06 at [0,0] > 100000"
        )


async def test_continue_with_nothing_ahead_says_so() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        await pilot.press("c")
        assert said[-1].startswith("No breakpoints or conditions are set (b, B)")
        assert app.cursor == len(app.trace) - 1
        app.go(2)
        await pilot.press("b")  # a breakpoint on step 3
        app.go(5)
        await pilot.press("c")
        assert said[-1] == (
            "No step after step 6 matches breakpoint 3: at the end of the iteration "
            "(step 20); t trains one iteration"
        )
        app.go(1)
        await pilot.press("C")
        assert said[-1] == (
            "No step before step 2 matches breakpoint 3: at the first step of the iteration"
        )
        assert app.cursor == 0


async def test_n_on_the_last_step_says_what_comes_next() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        await pilot.press("end", "n")
        assert said[-1].startswith("Step 20 is the last of iteration 0: t applies the update")
        await pilot.press("n")  # held down: said once, not once a key
        assert len([s for s in said if s.startswith("Step 20 is the last")]) == 1
