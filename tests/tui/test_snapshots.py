"""Screens as SVG snapshots. Each docstring says what the picture must show."""

from __future__ import annotations

import pytest
from dialogs import run_training
from paths import NETS

from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


def test_first_step(snap_compare) -> None:
    """2-2-2 at step 1: z⁽¹⁾ with its numbers, b⁽¹⁾ a column [0.35; 0.35]; layer ▶1◀ in blue
    with forward arrows; the tape's first line marked ▶; the result z⁽¹⁾ (shape 2) first in
    Values, then W⁽¹⁾, a⁽⁰⁾ and b⁽¹⁾."""
    assert snap_compare(app_for("two_layer"), terminal_size=(100, 32))


def test_hidden_layer_delta(snap_compare) -> None:
    """2-2-2 at step 13, δ⁽¹⁾ = ∂L/∂a⁽¹⁾ ⊙ σ′(z⁽¹⁾): backward (red ◀─ arrows), layer [1]
    marked, the two operands read from steps 11 and 12, result [0.00877135; 0.00995425]."""
    assert snap_compare(app_for("two_layer"), press=["2", "]", "n", "n"], terminal_size=(100, 32))


def test_update_step(snap_compare) -> None:
    """XOR at step 16, W⁽¹⁾ ← W⁽¹⁾ − η ∂L/∂W⁽¹⁾: the old W⁽¹⁾ (3×2) − 2 · the gradient with
    numbers, then the new W⁽¹⁾; the green update marker; new W⁽¹⁾, old W⁽¹⁾, η and ∂L/∂W⁽¹⁾ in
    Values."""
    assert snap_compare(app_for("xor"), press=["3"], terminal_size=(100, 32))


def test_first_step_at_80x24_keeps_the_result(snap_compare) -> None:
    """80×24, 2-2-2 step 1: header, formula, the numbers (wrapped), and the result
    = [0.3775; 0.3925] (2) all in the 5-row step panel; the result block first in Values."""
    assert snap_compare(app_for("two_layer"), terminal_size=(80, 24))


def test_update_step_at_80x24_keeps_old_gradient_rate_and_new(snap_compare) -> None:
    """80×24, 2-2-2 step 16: W⁽¹⁾ ← [old] − 0.5 · [gradient] in full (the note went first)
    and = [new] on its own line."""
    assert snap_compare(app_for("two_layer"), press=["3"], terminal_size=(80, 24))


def test_last_step_at_80x24_keeps_the_loss_before_and_after(snap_compare) -> None:
    """80×24, 2-2-2 step 20: L′, with L before = 0.298371 and after = 0.280471 (−6.00%)."""
    assert snap_compare(app_for("two_layer"), press=["end"], terminal_size=(80, 24))


def test_following_one_example_of_a_batch(snap_compare) -> None:
    """XOR at ∂L/∂W⁽²⁾ following example 1: ∂L₁/∂W⁽²⁾ = δ⁽²⁾₁ (a⁽¹⁾₁)ᵀ with that column's
    numbers, its value, then the batch mean (1/4) Σₖ ∂Lₖ/∂W⁽²⁾ = the step's result; column 1
    marked ▾1 in the per-example blocks of Values."""
    assert snap_compare(
        app_for("xor"),
        press=["2", "n", "n", "n", "full_stop", "full_stop"],
        terminal_size=(120, 36),
    )


def test_help_screen(snap_compare) -> None:
    """The help dialog over the debugger: every key with what it does (d, . and , among
    them), the markers (▾k the followed example), and the equations."""
    assert snap_compare(app_for("two_layer"), press=["question_mark"], terminal_size=(100, 32))


def test_small_terminal(snap_compare) -> None:
    """80×24, softmax classifier at its softmax Jacobian-vector product step: the narrow tape,
    a short diagram with collapsed columns (⋮ ×4, ×5), the fused-form note."""
    assert snap_compare(app_for("softmax_classifier"), press=["2", "n"], terminal_size=(80, 24))


def test_wide_network_collapses_layers(snap_compare) -> None:
    """64-32-10 at z⁽²⁾: columns cut to ⋮ ×64, ×32, ×10; inline values by shape ⟨10×32⟩;
    the Values panel shows the top-left of W⁽²⁾ with row and column numbers."""
    assert snap_compare(app_for("wide"), press=["n", "n"], terminal_size=(100, 32))


def test_light_theme(snap_compare) -> None:
    """XOR's δ⁽¹⁾ step in textual-light: dark text on light panels, the same phase colours and
    markers (▶ on the tape, ▶1◀ in the diagram)."""

    async def light(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.theme = "textual-light"

    assert snap_compare(
        app_for("xor"), press=["2", "]", "n", "n"], run_before=light, terminal_size=(100, 32)
    )


def test_edit_view_shows_before_and_difference(snap_compare) -> None:
    """2-2-2 at δ⁽¹⁾ after nudging W⁽¹⁾[0,0] by +0.1: header L 0.298371 → 0.298415 (edit);
    the step panel's 'was … Δ …' line; in Values the result and each changed operand
    followed by its value before the edit and Δ (non-zero entries highlighted); the edit bar
    says 1 change."""
    assert snap_compare(
        app_for("two_layer"), press=["2", "]", "n", "n", "plus"], terminal_size=(100, 32)
    )


def test_loss_plot_after_training(snap_compare) -> None:
    """XOR after 300 iterations at η = 2: the loss sparkline falling in the left column, its
    border 'Loss (linear) · iter. 0–300' and first → latest loss; the header says iteration 300."""

    async def train(pilot) -> None:  # type: ignore[no-untyped-def]
        await run_training(pilot, 300)

    assert snap_compare(app_for("xor"), run_before=train, terminal_size=(100, 32))


def test_nonfinite_value_is_marked_and_explained(snap_compare) -> None:
    """The overflow net at its last step, L′ = inf: '!' before the tape line, 'inf!' in
    Values, and the step panel's ⚠ line naming the first non-finite value and its cause."""

    net = load_network(NETS / "overflow.toml")
    assert snap_compare(make_app(net), press=["end"], terminal_size=(100, 32))


def test_too_small_terminal_notice(snap_compare) -> None:
    """40×12: only a notice saying the size needed and the size now, and the footer."""
    assert snap_compare(app_for("xor"), terminal_size=(40, 12))


SIZES = [(50, 14), (80, 24), (120, 36), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_same_step_at_every_size(snap_compare, size: tuple[int, int]) -> None:
    """2-2-2 at step 9, ∂L/∂W⁽²⁾ = δ⁽²⁾ (a⁽¹⁾)ᵀ, the selection following it to W⁽²⁾[0,0] (▸ in
    the result block). 50×14: the title keeps the loss, the step panel its result line, and
    Values the result's first row; no tape, diagram or loss plot. 80×24: a 26-column tape whose cut
    formulas end in …, the diagram with a number per unit (x, a⁽¹⁾ read, δ⁽²⁾ read, L).
    120×36: the same with a wider tape. 200×60: the tape as wide as its formulas, the
    weights beside their units with ∂L/∂W⁽²⁾ written (reversed) on layer 2's edge, a taller
    step panel."""
    assert snap_compare(app_for("two_layer"), press=["g", "9", "enter"], terminal_size=size)


def test_gradient_flow_screen(snap_compare) -> None:
    """The vanishing sample after 500 iterations, G: the loss curve on top; per layer ‖δ‖,
    ‖∂L/∂W‖ and ‖W‖ curves with their value at the marker (‖δ⁽¹⁾‖ about a thousandth of
    ‖δ⁽⁶⁾‖), under each its scale ("log" where it spans decades) and range, the marker (a grey
    column of ┊) on iteration 500 at the right end; no dead column (no relu layer); the hint
    line at the bottom."""

    async def train(pilot) -> None:  # type: ignore[no-untyped-def]
        await run_training(pilot, 500)
        await pilot.press("G")
        await pilot.pause()

    assert snap_compare(app_for("vanishing"), run_before=train, terminal_size=(120, 40))


def test_a_pinned_run_beside_the_next(snap_compare) -> None:
    """converging: 200 iterations at η = 0.1 pinned (magenta •, ∗ where both pass), undone, η
    set to 0.02 and 200 iterations again (cyan, falling more slowly); the loss border's legend
    names both."""
    from bpdebug.engine.params import ParamRef, set_value

    async def compare(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await run_training(pilot, 200)
        await pilot.press("P", "u")
        app.change_network(set_value(app.network, ParamRef("lr"), 0.02))
        await run_training(pilot, 200)

    assert snap_compare(app_for("converging"), run_before=compare, terminal_size=(100, 32))


def test_quiz_names_the_mistake(snap_compare) -> None:
    """Quiz mode on 2-2-2 at step 13: the tape writes unanswered steps as "δ⁽¹⁾ = ?", the
    step panel asks "? δ⁽¹⁾ = ?", the values panel shows only the operands (? where a step
    still asked computed them), the diagram ? for every unanswered value; the answer dialog
    after typing ∂L/∂a⁽¹⁾ itself says "✗ forgot σ′" and why, and that hints are open."""
    import numpy as np

    from bpdebug.session.quiz import Quiz

    async def wrong(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.go(app.trace.find("delta", 1).index)
        await pilot.pause()
        await pilot.press("a")
        forgot = np.asarray(app.trace.find("dL_da", 1).value).reshape(-1)
        app.screen.query_one("#answer").value = "; ".join(f"{v:.4g}" for v in forgot)
        await pilot.press("enter")
        await pilot.pause()

    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz())
    assert snap_compare(app, run_before=wrong, terminal_size=(100, 32))


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
@pytest.mark.parametrize(
    ("keys", "where"),
    [(["m", "n", "n"], "forward"), (["m", "2", "]", "n", "n"], "backward"), (["m", "3"], "update")],
    ids=["forward", "backward", "update"],
)
def test_graph_view(snap_compare, keys: list[str], where: str, size: tuple[int, int]) -> None:
    """The computational graph in the diagram panel (m), 2-2-2: forward at z⁽²⁾ (x→z⁽¹⁾→a⁽¹⁾
    →z⁽²⁾ in blue, the active edge heavy ━━▶ and z⁽²⁾ reversed in the phase colour, its value
    inside), backward at δ⁽¹⁾ (the ◀━━ edge from a⁽¹⁾, the node now says δ⁽¹⁾, the edge's
    label ∂a⁽¹⁾/∂z⁽¹⁾ = σ′(z⁽¹⁾) under the picture), update at W⁽¹⁾ ← … (the parameter box
    reversed, no edge: the caption names the step). Whole nodes only, each value a column at
    6 digits. At 80×24 the picture is compact (no cluster titles, the edge's label in the
    border) and scrolled to the step's node; at 120×36 it has the cluster titles and the
    edge's label under it."""
    assert snap_compare(app_for("two_layer"), press=keys, terminal_size=size)
