"""Matrices in two dimensions (notation/grid.py): bracketed rows aligned on the point, long
formulas broken before an operator and never inside a row, corners before shapes; and the
reader that takes the layout back (notation/parse.py), which the screen tests rely on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpdebug.cli import main
from bpdebug.notation import detail, grid, num
from bpdebug.notation import layout as lay
from bpdebug.notation.boxes import Mo, Row
from bpdebug.notation.parse import Corners, Token, linear, read_grid

WHOLE = lay.Keep(16, 12)


def written(value: np.ndarray, keep: lay.Keep | None = WHOLE) -> list[str]:
    return list(grid.block(lay.value_box(value, 6, 1, keep).box).lines)


def test_a_matrix_is_its_rows_between_brackets_aligned_on_the_point() -> None:
    lines = written(np.array([[0.5, -12.25], [-3.0, 0.125], [10.0, 1e-7]]))
    assert lines == [
        "┌  0.5  -12.25  ┐",
        "│ -3      0.125 │",
        "└ 10      1e-07 ┘",
    ]  # each column's points (or where they would be) in one place


def test_a_vector_is_a_column_and_a_row_one_line() -> None:
    assert written(np.array([0.35, 0.35])) == ["┌ 0.35 ┐", "└ 0.35 ┘"]
    assert written(np.array([[0.1, 0.2, 0.3]])) == ["[0.1, 0.2, 0.3]"]


def test_a_large_matrix_keeps_its_corners_and_says_its_shape() -> None:
    value = np.arange(128 * 784, dtype=float).reshape(128, 784)
    lines = written(value, lay.Keep(2, 2))
    assert lines[0].split() == ["┌", "0", "⋯", "783", "┐"]
    assert "⋮" in lines[1] and "⋱" in lines[1]
    assert lines[2].endswith("┘₁₂₈ₓ₇₈₄")
    (read,) = read_grid(lines)
    assert isinstance(read, Corners) and read.shape == (128, 784)
    assert read.shown.tolist() == [[0, 783], [127 * 784, 127 * 784 + 783]]


def test_only_the_entries_written_are_formatted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 128×784 operand costs what its corners cost: 8 rows × 2 columns, not 100,352."""
    calls = []
    real = detail.num
    monkeypatch.setattr(detail, "num", lambda v, d=6: calls.append(v) or real(v, d))
    lay.value_box(np.ones((128, 784)), 6, 1, lay.Keep(8, 2))
    assert len(calls) == 8 * 2


def test_a_long_formula_breaks_before_an_operator_under_its_relation() -> None:
    a = lay.value_box(np.full((3, 4), -0.0848758), 6, 1, lay.Keep(16, 12)).box
    b = lay.value_box(np.full((3, 4), 0.249944), 6, 1, lay.Keep(16, 12)).box
    box = Row((a, Mo("⊙"), b))
    blocks = grid.flow(box, 70, "  = ")
    assert blocks is not None and len(blocks) == 2
    lines = grid.flatten(blocks)
    assert lines[1].startswith("  = │") and lines[4].startswith("  ⊙ │")
    assert all(len(line) <= 70 for line in lines)
    assert grid.flow(box, 40, "  = ") is None  # a row of a matrix is never broken


finite = st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: float(num(v)))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 9).flatmap(
        lambda n: st.integers(1, 9).flatmap(
            lambda m: st.lists(finite, min_size=n * m, max_size=n * m).map(
                lambda xs: np.array(xs).reshape(n, m)
            )
        )
    ),
    st.integers(1, 6),
    st.integers(1, 6),
)
def test_what_is_written_reads_back(value: np.ndarray, rows: int, cols: int) -> None:
    """Any matrix, written whole or by its corners, reads back to its numbers: the whole
    matrix, or its first and last rows and columns and its shape."""
    lines = written(value, lay.Keep(rows, cols))
    (read,) = read_grid(lines)
    if isinstance(read, Token) and read.kind in ("matrix", "corners") and value.size > 1:
        read = read.value if read.kind == "matrix" else read.corners  # a row: one line
    if value.size == 1:  # a number, not a matrix
        assert read.value.item() == value.item()  # type: ignore[union-attr]
    elif isinstance(read, Corners):
        assert read.shape == (value.shape if value.shape[1] > 1 else value.shape[:1])
        (n, m), (shown_n, shown_m) = value.shape, read.shown.shape
        r = [*range(read.rows_before), *range(n - (shown_n - read.rows_before), n)]
        c = [*range(read.cols_before), *range(m - (shown_m - read.cols_before), m)]
        np.testing.assert_array_equal(read.shown, value[np.ix_(r, c)])
    else:
        np.testing.assert_array_equal(read, value)


def test_linear_writes_a_panel_on_one_line_again() -> None:
    lines = [  # a 2-row matrix has its middle on its first row
        "  = ┌ 0.15  0.2 ┐ ┌ 0.05 ┐ + ┌ 0.35 ┐",
        "    └ 0.25  0.3 ┘ └ 0.1  ┘   └ 0.35 ┘",
    ]
    assert linear(lines) == ["= [0.15, 0.2; 0.25, 0.3] [0.05; 0.1] + [0.35; 0.35]"]


def test_trace_text_lays_matrices_out_for_the_width(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "xor", "--width", "80"]) == 0
    out = capsys.readouterr().out
    laid_out = [line for line in out.splitlines() if not line.startswith("  [")]  # not titles
    assert out.endswith("\n") and max(len(line) for line in laid_out) <= 80
    assert "┌ -0.0212142" in out and "⟨" not in out


@pytest.mark.parametrize("name", ["leaky_bce", "vanishing", "badly_scaled", "two_layer"])
def test_trace_text_titles_fit_the_width(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The network's title breaks after a comma, a step's title drops its shape before it
    runs past the width (leaky_bce's title was 92 columns, L′'s 82, at --width 80)."""
    assert main(["trace", name, "--width", "80"]) == 0
    lines = capsys.readouterr().out.splitlines()
    titles = lines[:3] + [line for line in lines if line.startswith("  [ 20]")]
    assert all(len(line) <= 80 for line in titles), [line for line in titles if len(line) > 80]
    assert "η = " in " ".join(lines[:3]) and not any(line.endswith("η =") for line in lines[:3])


@pytest.mark.parametrize("width", ["39", "10001", "wide", "-5"])
def test_a_bad_width_is_one_line(width: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "xor", "--width", width]) == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert err.startswith("bpdebug trace: argument --width: must be")
