"""The network diagram shows numbers: each unit its value, small layers their weights, the
step's written and read values marked; no arrow comes from a row without a unit."""

from __future__ import annotations

import re

from rich.text import Text

from bpdebug.engine import build_trace
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.views import network_picture as pic
from bpdebug.tui.widgets import NetworkDiagram


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


async def test_each_unit_shows_its_value_and_small_layers_their_weights() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(2)  # z⁽²⁾ = W⁽²⁾ a⁽¹⁾ + b⁽²⁾
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        assert diagram.mode == "numbers"
        text = diagram.text.plain
        for shown in ("a⁽¹⁾", "0.59327", "0.596884", "z⁽²⁾", "1.10591", "1.22492", "0.05"):
            assert shown in text
    app = app_for("two_layer")
    async with app.run_test(size=(200, 60)) as pilot:
        app.go(app.trace.find("dW", 2).index)
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        assert diagram.mode == "edges"
        picture = diagram.text
        assert re.search(r"\[\s*0\.15\s+0\.2\]", picture.plain)  # W⁽¹⁾'s first row
        written = _styled(picture, "reverse")
        read = _styled(picture, "underline")
        assert any("0.082167" in w for w in written)  # ∂L/∂W⁽²⁾ on layer 2's edge
        assert any("0.138499" in r for r in read) and any("0.59327" in r for r in read)


def _styled(text: Text, attribute: str) -> list[str]:
    return [text.plain[s.start : s.end] for s in text.spans if attribute in str(s.style)]


def test_no_arrow_comes_from_a_row_without_a_unit() -> None:
    """XOR's input has 2 units and its hidden layer 3: the third row has no arrow into it
    from the input (it did: `─▶   ○` with nothing on the left)."""
    trace = build_trace(load_network(sample_path("xor")))
    units = pic.render_units(trace, trace[0], 60, 6).plain.splitlines()
    assert units[4].strip().startswith("○")  # the third unit row: no arrow before its ○
    w = pic.widths(trace, 3)
    assert w is not None
    numbers = pic.as_text(pic.numbers_lines(trace, trace[0], 0, w, 3, True)).plain.splitlines()
    row3 = numbers[5]
    assert not row3.lstrip().startswith("─▶") and row3.split("[")[0].strip() == ""
