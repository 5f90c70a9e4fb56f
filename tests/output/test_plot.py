"""The braille plotter behind the loss plot, the gradient-flow screen and `compare`."""

from __future__ import annotations

import numpy as np

from bpdebug.output.plot import (
    BRAILLE,
    DOT_BITS,
    Series,
    column_of,
    framed,
    legend,
    log_scale,
    plot,
)


def dots(p, row: int, col: int) -> int:  # type: ignore[no-untyped-def]
    return ord(p.chars[row][col]) - BRAILLE


def test_a_rising_line_sets_bottom_left_and_top_right_dots() -> None:
    p = plot([Series("a", np.array([0.0, 1.0]), np.array([0.0, 1.0]))], width=2, height=1)
    # 4×1 dots wide, 4 rows: (row 3, col 0) is bit 0x40, (row 0, col 3) is bit 0x08 of cell 1
    assert dots(p, 0, 0) & 0x40 and dots(p, 0, 1) & 0x08
    assert not dots(p, 0, 0) & 0x01  # top-left stays empty
    assert p.owners.tolist() == [[1, 1]]


def grid(p) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The plot's dots as a boolean (dot rows, dot columns) array."""
    rows, cols = len(p.chars), len(p.chars[0])
    out = np.zeros((4 * rows, 2 * cols), dtype=bool)
    for r in range(4 * rows):
        for c in range(2 * cols):
            out[r, c] = bool(dots(p, r // 4, c // 2) & int(DOT_BITS[r % 4, c % 2]))
    return out


def test_a_steep_drop_is_joined_into_a_line() -> None:
    p = plot([Series("a", np.arange(3.0), np.array([1.0, 0.0, 0.0]))], width=2, height=2)
    g = grid(p)
    assert g[0, 0] and g[7, 3]  # from the top-left to the bottom-right
    assert g[:, :3].any(axis=1).all()  # every dot row of the drop is set: no gap in it
    assert g[:, 0].sum() == 1  # x = 0: the one dot at the top


def test_two_points_are_a_line_from_the_first_to_the_second() -> None:
    """After one `t` the loss history is [L₀, L₁]: a line across the plot, one dot column
    after another, each touching the last (not a dot at the left and a bar at the right)."""
    p = plot([Series("L", np.arange(2.0), np.array([0.298, 0.280]))], width=30, height=3)
    g = grid(p)
    assert g[0, 0] and g[-1, -1]  # L₀ top-left, L₁ bottom-right
    assert g.any(axis=0).all()  # every dot column has a dot
    rows = [np.flatnonzero(g[:, c]) for c in range(g.shape[1])]
    assert all(len(r) <= 2 for r in rows)  # a thin line, no vertical bar
    assert all(abs(int(b[0]) - int(a[-1])) <= 1 for a, b in zip(rows, rows[1:], strict=False))


def test_two_series_share_the_scales_and_say_which_drew_each_cell() -> None:
    a = Series("a", np.arange(10.0), np.linspace(1, 0, 10))
    b = Series("b", np.arange(5.0), np.full(5, 2.0))
    p = plot([a, b], width=10, height=3)
    assert p.y_high == 2.0 and p.y_low == 0.0 and (p.x_low, p.x_high) == (0.0, 9.0)
    assert (p.owners[0] & 2).any() and not (p.owners[:, 6:] & 2).any()  # b stops at x = 4
    assert (p.owners[-1] & 1).any()


def test_log_scale_only_beyond_two_decades_of_positive_values() -> None:
    assert log_scale([1.0, 1e-3]) and not log_scale([1.0, 0.011])
    assert not log_scale([1.0, 0.0, 1e-5])  # a zero has no logarithm
    assert log_scale([1e308, 1e-308, np.inf])  # a huge range: no overflow, inf ignored
    p = plot([Series("a", np.arange(3.0), np.array([1.0, 1e-2, 1e-4]))], 3, 2)
    assert p.log and p.y_low == 1e-4 and p.y_high == 1.0


def test_a_nonfinite_value_breaks_the_curve() -> None:
    y = np.array([0.0, 1.0, np.nan, 1.0, 0.0])
    p = plot([Series("a", np.arange(5.0), y)], width=5, height=1)
    assert p.owners[0, 2] == 0  # nothing drawn at the nan, nor a line across it


def test_column_of_maps_the_ends_to_the_first_and_last_columns() -> None:
    p = plot([Series("a", np.arange(101.0), np.arange(101.0))], 20, 2)
    assert column_of(0, p, 20) == 0 and column_of(100, p, 20) == 19 and column_of(50, p, 20) == 10


def test_framed_and_legend_without_colour_mark_the_second_curve() -> None:
    a = Series("a", np.arange(4.0), np.array([3.0, 2.0, 1.0, 0.5]))
    b = Series("b", np.arange(4.0), np.array([3.0, 2.5, 2.0, 1.5]))
    lines = [t.plain for t in framed(plot([a, b], 16, 3), color=False)]
    assert lines[0].startswith("  3 ┤") and lines[2].startswith("0.5 ┤")
    assert lines[3].strip().startswith("└") and lines[4].split() == ["0", "iteration", "3"]
    assert any("•" in line or "∗" in line for line in lines[:3])
    assert legend(["A: a", "B: b"], color=False).plain == "⣿ A: a   • B: b   ∗ both"


def test_numbers_follow_the_precision_setting_or_are_visibly_cut_never_rounded() -> None:
    from bpdebug.output.plot import fitted

    assert fitted(0.0059994208) == "0.00599942"  # 6 significant digits, the default
    assert fitted(0.0059994208, None) == "0.0059994208"  # `d`: every digit
    assert fitted(0.0059994208, 6, 8) == "0.00599…"  # cut: the exact leading digits, then …
    assert fitted(0.2983711087600027, None, 13) == "0.2983711087…"
    assert fitted(1.23456789e-5, 6, 8) == "1.2…e-05"  # the exponent is never cut off
    assert fitted(123456.789, None, 8) == "123456.…"  # the whole part is never cut
    assert fitted(123456.789, None, 6) == "1.…e+05"  # no room for it: its size as a power
    assert fitted(0.0999999, 6, 5) == "0.09…"  # 0.1 would be rounded: a prefix is not
    assert fitted(1e-05, 6, 3) == "1e-05"  # nothing to cut: wider than asked, not wrong


def test_legend_marks_each_curve_with_a_glyph_as_well_as_a_colour() -> None:
    from bpdebug.output.plot import MARKS, SERIES_STYLES, styled_rows

    a = Series("a", np.arange(4.0), np.array([3.0, 2.0, 1.0, 0.5]))
    b = Series("b", np.arange(4.0), np.array([0.5, 1.0, 2.0, 3.0]))
    rows = styled_rows(plot([a, b], 8, 3), color=True)
    text = "".join(r.plain for r in rows)
    assert MARKS[1] in text  # the second curve is • in colour too, not only magenta
    styles = {str(s.style) for r in rows for s in r.spans}
    assert SERIES_STYLES[0] in styles and SERIES_STYLES[1] in styles
    assert legend(["B: b"], color=False, first=1).plain == "• B: b"  # a panel of B alone
