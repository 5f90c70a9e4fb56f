"""One precision on the screen: every number the network diagram, the graph view (`m`) and
the values panel write is one of the trace's numbers at the precision setting (6 significant
digits, or every digit after `d`), or visibly cut (`0.00877…`) to a prefix of its digits;
never rounded to fewer digits in silence.

For every sample, every step, in the units view and in the graph view, at 200×60 (the
diagram draws the weights beside the units there) and at 120×36 (where the graph's nodes
write their values in a column): each number inside the diagram's unit and weight rows, the
graph's node rows and the values panel's matrices is read back and looked up among the
numbers of the trace (every step's entries, the parameters, x, y, η, and the norms the
graph gives for values too large to list).
"""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import numpy as np
import pytest

from bpdebug.engine import Trace
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.notation import num
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.widgets import NetworkDiagram, ValuesView

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:…)?(?:e[+-]\d+)?")
SHAPES = re.compile(r"\d+×\d+(?: entries)?|\d+ entries|×\d+")  # shapes and unit counts


def trace_numbers(trace: Trace) -> list[float]:
    net = trace.network
    values: list[object] = [net.x, net.y, net.learning_rate]
    for step in trace.steps:
        values.append(step.value)
        values.append(float(np.linalg.norm(np.asarray(step.value, dtype=float))))
        values += [op.value for op in step.operands if op.param is not None]
    values.append(float(np.linalg.norm(net.x)))
    return [float(v) for value in values for v in np.ravel(np.asarray(value, dtype=float))]


def cuts(v: float) -> set[str]:
    """`v`'s digits (repr's) cut short, as written without their …, fixed (`0.00877`) or
    with an exponent (`8.77e-03`), each with a significant digit at least."""
    if not np.isfinite(v) or v == 0:
        return set()
    exact = Decimal(repr(abs(v)))
    sign = "-" if v < 0 else ""
    fixed = format(exact, "f")
    digits = fixed.replace(".", "").lstrip("0")
    exponent = f"e{exact.adjusted():+03d}"
    out = {f"{sign}{digits[0]}{exponent}"}
    out |= {f"{sign}{digits[0]}.{digits[1:k]}{exponent}" for k in range(2, len(digits))}
    first = next(i for i, ch in enumerate(fixed) if ch not in "0.")
    out |= {sign + fixed[:i] for i in range(first + 1, len(fixed)) if fixed[i - 1] != "."}
    return out


class Written:
    """How the screen may write the trace's numbers at `digits`: whole, or cut with …"""

    def __init__(self, trace: Trace, digits: int | None) -> None:
        self.whole: set[str] = set()
        self.cuts: set[str] = set()
        for v in trace_numbers(trace):
            self.whole.add(num(v, digits))
            self.cuts |= cuts(v)

    def wrong(self, text: str) -> list[str]:
        """The numbers in `text` that are neither a number at the setting nor a cut one."""
        bad = []
        for token in NUMBER.findall(SHAPES.sub("", text)):
            if "…" in token:
                if token.replace("…", "") not in self.cuts:
                    bad.append(token)
            elif token not in self.whole:
                bad.append(token)
        return bad


def diagram_numbers(app: BPDebugApp) -> str:
    """The diagram's number rows: the units' (and weights') rows of the units view, the
    value rows inside the graph's nodes (rows 3 and 4, between the boxes' │)."""
    diagram = app.query_one(NetworkDiagram)
    if diagram.view == "units":
        return "\n".join(diagram.text.plain.split("\n")[3:])
    rows = ["".join(seg.text for seg in diagram.render_line(y)) for y in (3, 4)]
    return "\n".join(" ".join(re.findall(r"│([^│]*)│", row)) for row in rows)


def values_numbers(app: BPDebugApp) -> str:
    """The values panel's matrix rows (after the row number's │), every block."""
    view = app.query_one(ValuesView)
    lines = []
    for y in range(view.size.height):
        line = "".join(seg.text for seg in view.render_line(y))
        if "│" in line:
            lines.append(line.split("│", 1)[1])
    return "\n".join(lines)


async def walk(name: str, size: tuple[int, int], graph: bool, full: bool) -> tuple[int, int]:
    """Every step's numbers checked; (how many were read, how many of them were cut)."""
    app = make_app(load_network(sample_path(name)))
    checked = cut = 0
    async with app.run_test(size=size) as pilot:
        if graph:
            await pilot.press("m")
        if full:
            await pilot.press("d")
        written = Written(app.trace, app.digits)
        for index in range(len(app.trace)):
            app.go(index)
            await (pilot.pause() if index == 0 else asyncio.sleep(0))
            for where, text in (("diagram", diagram_numbers(app)), ("values", values_numbers(app))):
                bad = written.wrong(text)
                assert not bad, f"{name} {size} step {index + 1} {where}: {bad}\n{text}"
                found = NUMBER.findall(SHAPES.sub("", text))
                checked, cut = checked + len(found), cut + sum("…" in t for t in found)
    return checked, cut


@pytest.mark.parametrize("name", sample_names())
async def test_the_diagram_and_values_write_every_number_at_the_setting(name: str) -> None:
    checked, _ = await walk(name, (200, 60), graph=False, full=False)
    assert checked > 50  # numbers were there to read


@pytest.mark.parametrize("name", sample_names())
async def test_the_graph_view_writes_every_number_at_the_setting_or_cut(name: str) -> None:
    checked, _ = await walk(name, (120, 36), graph=True, full=False)
    assert checked > 20


@pytest.mark.parametrize("name", ["two_layer", "deep", "softmax_classifier"])
@pytest.mark.parametrize("graph", [False, True], ids=["units", "graph"])
async def test_every_digit_is_written_or_the_number_visibly_cut(name: str, graph: bool) -> None:
    checked, cut = await walk(name, (120, 36), graph=graph, full=True)
    assert checked > 20 and (cut > 0 or not graph)  # a node can't hold 17 digits: cut


def test_a_number_rounded_to_fewer_digits_is_caught() -> None:
    from bpdebug.engine import build_trace

    written = Written(build_trace(load_network(sample_path("two_layer"))), 6)
    assert written.wrong("0.59327 0.00877… 0.0087713… 1.10591") == []
    assert written.wrong("0.5933") == ["0.5933"]  # a⁽¹⁾ to 4 digits: what the diagram wrote
    assert written.wrong("0.00878…") == ["0.00878…"]  # rounded, then marked as cut


async def test_values_columns_are_whole_and_named_and_hidden_ones_said() -> None:
    """badly_scaled_adam's δ⁽²⁾ (1×8) at 120×36: the panel holds 6 whole columns; every one
    drawn has its number in the header, none is cut, and the title says `cols 0–5 of 8 →`;
    scrolled to the last column it says `← cols 2–7 of 8`."""
    app = make_app(load_network(sample_path("badly_scaled_adam")))
    async with app.run_test(size=(120, 36)) as pilot:
        app.go(app.trace.find("delta", 2).index)
        await pilot.pause()
        view = app.query_one(ValuesView)
        delta = np.ravel(app.trace.find("delta", 2).value)

        def lines() -> list[str]:
            return ["".join(seg.text for seg in view.render_line(y)) for y in range(3)]

        title, header, row = lines()
        assert title.rstrip().endswith("cols 0–5 of 8 →")
        assert header.split() == ["0", "1", "2", "3", "4", "5"]
        assert row.split("│")[1].split() == [num(v, 6) for v in delta[:6]]
        await pilot.press("tab")  # the values panel: arrows move over y's entries
        for _ in range(7):
            await pilot.press("right")
        view.scroll_to(x=10_000, animate=False, immediate=True)
        await pilot.pause()
        title, header, row = lines()
        shown = header.split()
        assert title.rstrip().endswith(f"← cols {shown[0]}–7 of 8") and shown[-1] == "7"
        assert row.split("│")[1].split() == [num(v, 6) for v in delta[int(shown[0]) :]]
