"""The step panel's matrices in two dimensions, as SVG snapshots. The three steps are the
ones that once showed only shapes (`⟨3×4⟩ ⊙ ⟨3×4⟩`); each docstring says what the picture
must show."""

from __future__ import annotations

import pytest

from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app

STEPS = {"xor": "13", "deep": "10", "softmax_classifier": "8"}


def at_step(name: str) -> tuple[BPDebugApp, list[str]]:
    keys = ["g", *STEPS[name], "enter"]
    return make_app(load_network(sample_path(name))), keys


@pytest.mark.parametrize("size", [(120, 36), (200, 60)])
@pytest.mark.parametrize("name", list(STEPS))
def test_every_entry_of_the_batch(snap_compare, name: str, size: tuple[int, int]) -> None:
    """Every entry of the operands and the result as bracketed rows (┌ │ └ … ┐ │ ┘), each
    column aligned on its decimal point: XOR δ⁽¹⁾ = two 3×4 matrices ⊙ (at 120×36 the ⊙ line
    under the first), = the 3×4 δ⁽¹⁾ (3×4); deep ∂L/∂a⁽⁴⁾ = (2/2) · (2×5 − 2×5) in tall
    parentheses; softmax δ⁽²⁾ the fused 3×6 a − y. No ⟨n×m⟩ anywhere in the step panel."""
    app, keys = at_step(name)
    assert snap_compare(app, press=keys, terminal_size=size)


@pytest.mark.parametrize("name", list(STEPS))
def test_elided_matrices_say_their_shape_at_80_by_24(snap_compare, name: str) -> None:
    """80×24: the matrices keep their first and last columns (and rows) with ⋯ between, and
    say their whole shape small after the bracket (┘₃ₓ₄); the result is never cut."""
    app, keys = at_step(name)
    assert snap_compare(app, press=keys, terminal_size=(80, 24))
