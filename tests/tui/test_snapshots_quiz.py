"""Snapshots of the graph view that fits its nodes and of a quiz that keeps its secrets.
Each docstring says what the picture must show (looked at as a PNG)."""

from __future__ import annotations

import pytest

from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.session.quiz import Quiz
from bpdebug.tui.app import make_app

SIZES = [(120, 36), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=["120x36", "200x60"])
def test_graph_view_at_the_loss(snap_compare, size: tuple[int, int]) -> None:
    """2-2-2 at step 5, the loss: the L node reversed with L = 0.298371 in it, a⁽²⁾ beside it
    with its column 0.751365 / 0.772928, the a⁽²⁾ → L edge heavy ━━━━━▶; every node drawn
    whole (at 120×36 the view starts at a⁽¹⁾, the arrows into it saying there is more to the
    left); the caption names the edge: ▶ Loss(a(2), y) (graph_of's label)."""
    app = make_app(load_network(sample_path("two_layer")))
    assert snap_compare(app, press=["m", "n", "n", "n", "n"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=["120x36", "200x60"])
def test_graph_view_at_delta_1(snap_compare, size: tuple[int, int]) -> None:
    """2-2-2 at step 13: the z⁽¹⁾ node says δ⁽¹⁾ and holds 0.00877135 / 0.00995425 (every
    digit of the setting, one entry a row); ∂L/∂a⁽¹⁾ 0.0363503 / 0.0413703 and δ⁽²⁾ 0.138499
    / −0.0380982 beside it; the a⁽¹⁾ → z⁽¹⁾ edge heavy ◀━━━━━; no box cut at the right edge
    (at 120×36 the view ends after δ⁽²⁾'s node and its arrows); the caption
    ◀ ∂a⁽¹⁾/∂z⁽¹⁾ = σ′(z⁽¹⁾)."""
    app = make_app(load_network(sample_path("two_layer")))
    keys = ["m", "g", "1", "3", "enter"]
    assert snap_compare(app, press=keys, terminal_size=size)


def test_quiz_hides_an_unanswered_value_at_the_next_step(snap_compare) -> None:
    """Quiz mode, 2-2-2, step 2 with step 1 unanswered: the tape says z⁽¹⁾ = ? and
    a⁽¹⁾ = ?; the step panel asks ? a⁽¹⁾ = ?; the values panel's only block is ◆ z⁽¹⁾ 2 read ·
    step 1 (? the quiz asks for it) with a ? in each of its two rows (not 0.3775 / 0.3925);
    the diagram writes ? for a⁽¹⁾'s units (x's 0.05 and 0.1 stay); the title says L = ? and
    so does the loss plot's border."""
    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz())
    assert snap_compare(app, press=["n"], terminal_size=(100, 32))
