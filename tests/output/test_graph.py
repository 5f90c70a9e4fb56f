"""The seed's computational graph: its DOT (read back by Graphviz itself), `bpdebug graph`,
and the app's graph view."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import random_network
from pdflatex import needs_pdflatex, pdflatex

from bpdebug.engine import build_trace
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.output.graph import COLOURS, SUP_POINTS, focus, to_dot
from bpdebug.tui.app import make_app
from bpdebug.tui.widgets import NetworkDiagram

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


def as_json(dot: str) -> dict:  # type: ignore[type-arg]
    """The graph as Graphviz parsed it (`dot -Tjson`), not as this code wrote it."""
    proc = subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return json.loads(proc.stdout)


def structure(parsed: dict) -> tuple[dict, dict, list]:  # type: ignore[type-arg]
    """Clusters {label: member names}, nodes {name: attributes}, edges [(tail, head, attrs)]."""
    objects = parsed["objects"]
    names = {o["_gvid"]: o["name"] for o in objects}
    clusters = {
        o["label"]: sorted(names[n] for n in o.get("nodes", []))
        for o in objects
        if o["name"].startswith("cluster")
    }
    nodes = {o["name"]: o for o in objects if "nodes" not in o}  # not a (sub)graph
    edges = [
        (names[e["tail"]], names[e["head"]], e)
        for e in parsed["edges"]
        if e.get("style") != "invis"  # (the order of a row's nodes)
    ]
    return clusters, nodes, edges


def shown(label: str) -> str:
    """An HTML-like label as it reads: z<SUP>(1)</SUP> as z(1), <BR/> as a new line."""
    return re.sub(r"<[^>]+>", "", label.replace("<BR/>", "\n"))


@needs_dot
def test_the_scalar_chain_has_every_node_cluster_edge_and_label_of_the_seed() -> None:
    trace = build_trace(load_network(sample_path("scalar_chain")))  # 1-1-1
    parsed = as_json(to_dot(trace))
    assert parsed["rankdir"] == "TB"  # layer by layer down the page
    clusters, nodes, edges = structure(parsed)
    assert clusters == {
        "Input Layer (l=0)": ["x"],
        "Hidden Layer (l=1)": ["P1", "a1", "z1"],
        "Output Layer (l=2)": ["P2", "a2", "z2"],
        "Loss": ["L"],
    }
    assert {n: shown(nodes[n]["label"]) for n in nodes} == {
        "x": "x",
        "z1": "z(1)",
        "a1": "a(1)",
        "P1": "W(1), b(1)",
        "z2": "z(2)",
        "a2": "a(2)",
        "P2": "W(2), b(2)",
        "L": "L",
    }
    superscript = f'<SUP><FONT POINT-SIZE="{SUP_POINTS}">(1)</FONT></SUP>'
    assert nodes["z1"]["label"] == "z" + superscript
    fill = {n: nodes[n]["fillcolor"] for n in nodes}
    assert fill["x"] == COLOURS["input"] and fill["z1"] == "#b2f2bb" and fill["a2"] == "#8ce99a"
    assert fill["P1"] == "#e9ecef" and fill["L"] == "#ffc9c9" and nodes["L"]["shape"] == "diamond"
    assert nodes["P2"]["shape"] == "box"
    by_pair = {(t, h): e for t, h, e in edges}
    forward = {
        ("x", "z1"): "W(1)x + b(1)",
        ("z1", "a1"): "σ(·)",
        ("a1", "z2"): "W(2)a(1) + b(2)",
        ("z2", "a2"): "σ(·)",
        ("a2", "L"): "Loss(a(2), y)",
    }
    backward = {
        ("L", "a2"): "∂L/∂a(2)",
        ("a2", "z2"): "∂a(2)/∂z(2)\n= σ′(z(2))",
        ("z2", "a1"): "∂z(2)/∂a(1)\n= W(2)",
        ("a1", "z1"): "∂a(1)/∂z(1)\n= σ′(z(1))",
        ("z2", "P2"): "∂L/∂W(2),\n∂L/∂b(2)",
        ("z1", "P1"): "∂L/∂W(1),\n∂L/∂b(1)",
    }
    for pair, label in forward.items():
        e = by_pair[pair]
        assert shown(e["label"]) == label
        # from one row to the next the forward edges decide the ranks, straight down
        assert (e.get("constraint") != "false") == (pair[0][1:] != pair[1][1:])
        colour = "#69db7c" if label == "σ(·)" else "#1c7ed6"
        assert e["color"] == colour
    for pair, label in backward.items():
        e = by_pair[pair]
        assert shown(e["label"]) == label
        assert e["constraint"] == "false" and e["color"] == "#f03e3e"
    assert by_pair[("z2", "P2")]["style"] == "dashed" and "style" not in by_pair[("a2", "z2")]
    assert {("P1", "z1"), ("P2", "z2")} <= set(by_pair)  # the parameters feed z
    assert len(edges) == len(forward) + len(backward) + 2


@needs_dot
def test_a_three_layer_net_has_the_same_structure_per_layer() -> None:
    net = random_network(2, 3, 2, "identity", "mse", hidden="tanh")
    clusters, nodes, edges = structure(as_json(to_dot(build_trace(net))))
    assert list(clusters) == [
        "Input Layer (l=0)",
        "Hidden Layer (l=1)",
        "Hidden Layer (l=2)",
        "Output Layer (l=3)",
        "Loss",
    ]
    pairs = {(t, h): shown(e["label"]) for t, h, e in edges}
    for l in (1, 2, 3):
        assert clusters[list(clusters)[l]] == [f"P{l}", f"a{l}", f"z{l}"]
        if l < 3:  # tanh, as its tape steps write it: a = tanh(z), σ′(z) = 1 − tanh²(z)
            assert pairs[(f"z{l}", f"a{l}")] == "tanh(·)"
            assert pairs[(f"a{l}", f"z{l}")] == f"∂a({l})/∂z({l})\n= tanh′(z({l}))"
        assert pairs[(f"z{l}", f"P{l}")] == f"∂L/∂W({l}),\n∂L/∂b({l})"
        if l > 1:
            assert pairs[(f"a{l - 1}", f"z{l}")] == f"W({l})a({l - 1}) + b({l})"
            assert pairs[(f"z{l}", f"a{l - 1}")] == f"∂z({l})/∂a({l - 1})\n= W({l})"
    assert pairs[("z3", "a3")] == "identity(·)" and pairs[("a3", "z3")] == "∂a(3)/∂z(3) = 1"
    assert pairs[("L", "a3")] == "∂L/∂a(3)"


@needs_dot
@pytest.mark.parametrize(
    "name,forward,backward",
    [
        (
            "softmax_classifier",
            ["tanh(·)", "softmax(·)"],
            ["tanh′", "(J(2))ᵀ ∂L/∂a(2)\n= a(2) − y"],
        ),
        (
            "deep",
            ["ReLU(·)", "tanh(·)", "ReLU(·)", "identity(·)"],
            ["ReLU′", "tanh′", "ReLU′", "1"],
        ),
        ("leaky_bce", ["LeakyReLU(·)", "σ(·)"], ["LeakyReLU′", "σ′"]),
    ],
)
def test_each_activation_edge_is_labelled_with_its_layers_activation(
    name: str, forward: list[str], backward: list[str]
) -> None:
    """Layer by layer the edge z → a names its own activation (as the hand-outs' formulas
    name it: ReLU), and the edge back its slope
    (softmax, which has none elementwise: the Jacobian product its tape step computes, fused
    with the cross-entropy to a − y), in the DOT as Graphviz reads it and in the app's
    caption; softmax_classifier's picture is not two_layer's."""
    from bpdebug.tui.views.graph_picture import caption

    trace = build_trace(load_network(sample_path(name)))
    _, _, edges = structure(as_json(to_dot(trace)))
    pairs = {(t, h): shown(e["label"]) for t, h, e in edges}
    for l, (fwd, bwd) in enumerate(zip(forward, backward, strict=True), start=1):
        assert pairs[(f"z{l}", f"a{l}")] == fwd
        back = pairs[(f"a{l}", f"z{l}")]
        if bwd.startswith("(J"):
            assert back == bwd
        else:
            slope = "\n= " + f"{bwd}(z({l}))" if bwd != "1" else " = 1"  # a constant: one line
            assert back == f"∂a({l})/∂z({l}){slope}", back
    if name == "softmax_classifier":
        dact = trace.find("dact", 2)
        assert caption(trace, dact) == "◀ (J⁽²⁾)ᵀ ∂L/∂a⁽²⁾ = a⁽²⁾ − y"
        assert dact.formula.startswith("(J⁽²⁾)ᵀ ∂L/∂a⁽²⁾ = a⁽²⁾ − y")  # the tape's own words
        assert caption(trace, trace.find("a", 2)) == "▶ softmax(·)"
        assert "σ" not in to_dot(trace)
        two_layer = build_trace(load_network(sample_path("two_layer")))
        assert to_dot(trace).split("\n", 1)[1] != to_dot(two_layer).split("\n", 1)[1]


@needs_dot
@pytest.mark.parametrize("name", sample_names())
def test_dot_lays_out_every_sample_without_a_warning(name: str) -> None:
    trace = build_trace(load_network(sample_path(name)))
    for step in (None, len(trace) // 2):
        proc = subprocess.run(
            ["dot", "-Tsvg"], input=to_dot(trace, step), capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        assert proc.stdout.lstrip().startswith("<?xml")


def _label_boxes(parsed: dict) -> list[tuple[str, float, float, float, float]]:  # type: ignore[type-arg]
    """Every piece of text Graphviz drew (node, edge and cluster labels) as a box in points:
    its width as laid out, from a fifth of the font size below the baseline to 0.7 above."""
    return [box[1:] for box in _owned_label_boxes(parsed)]


def _owned_label_boxes(parsed: dict) -> list[tuple[int, str, float, float, float, float]]:  # type: ignore[type-arg]
    """The same boxes, each with the number of the object (node, edge, cluster) it labels."""
    boxes = []
    for owner, o in enumerate(parsed["objects"] + parsed["edges"]):
        size = 14.0
        for op in o.get("_ldraw_", []):
            size = op["size"] if op["op"] == "F" else size
            if op["op"] == "T":
                (x, y), w = op["pt"], op["width"]
                x0 = {"l": x, "c": x - w / 2, "r": x - w}[op["align"]]
                boxes.append((owner, op["text"], x0, y - 0.2 * size, x0 + w, y + 0.7 * size))
    return boxes


def _edge_points(parsed: dict) -> list[tuple[str, np.ndarray]]:  # type: ignore[type-arg]
    """Each drawn edge's Bézier curves sampled at 60 points a segment."""
    names = {o["_gvid"]: o["name"] for o in parsed["objects"]}
    out, t = [], np.linspace(0, 1, 60)[:, None]
    for e in parsed["edges"]:
        for op in e.get("_draw_", []):
            if op["op"] != "b":
                continue
            p = np.array(op["points"])
            for k in range(0, len(p) - 3, 3):
                a, b, c, d = p[k : k + 4]
                curve = (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t**2 * c
                out.append((f"{names[e['tail']]}->{names[e['head']]}", curve + t**3 * d))
    return out


@needs_dot
@pytest.mark.parametrize("name", sample_names())
def test_no_edge_crosses_a_label(name: str) -> None:
    """Laid out by Graphviz: no edge runs through the text of any label (an edge's own, a
    node's or a layer's title), and no two labels overlap, with and without the values of a
    step. An edge or a label may graze a label's edge: 2 pt across, 1 pt up or down."""
    trace = build_trace(load_network(sample_path(name)))
    for step in (None, len(trace) // 2):
        proc = subprocess.run(
            ["dot", "-Tjson"], input=to_dot(trace, step), capture_output=True, text=True
        )
        parsed = json.loads(proc.stdout)
        crossed = [
            (edge, text)
            for edge, pts in _edge_points(parsed)
            for text, x0, y0, x1, y1 in _label_boxes(parsed)
            if ((pts[:, 0] > x0 + 2) & (pts[:, 0] < x1 - 2))[
                (pts[:, 1] > y0 + 1) & (pts[:, 1] < y1 - 1)
            ].any()
        ]
        assert crossed == [], (step, crossed)
        boxes = _owned_label_boxes(parsed)
        overlapping = [
            (a[1], b[1])
            for k, a in enumerate(boxes)
            for b in boxes[k + 1 :]
            if a[0] != b[0]  # two labels, not two pieces of one
            and min(a[4], b[4]) - max(a[2], b[2]) > 2
            and min(a[5], b[5]) - max(a[3], b[3]) > 1
        ]
        assert overlapping == [], (step, overlapping)


@needs_dot
def test_with_a_step_each_node_carries_its_value_and_the_step_is_bold() -> None:
    trace = build_trace(load_network(sample_path("two_layer")))
    step = trace.find("delta", 1)
    _, nodes, edges = structure(as_json(to_dot(trace, step.index)))
    assert shown(nodes["z1"]["label"]) == "z(1)\nδ(1) = 0.00877135; 0.00995425"  # two lines
    assert shown(nodes["L"]["label"]) == "L\nL = 0.298371"
    assert nodes["z1"]["penwidth"] == "3" and "penwidth" not in nodes["z2"]
    bold = [(t, h) for t, h, e in edges if e.get("penwidth") == "3"]
    assert bold == [("a1", "z1")]
    assert "∂L" not in nodes["P1"]["label"]  # ∂L/∂W⁽¹⁾ comes after step 13


def test_each_step_kind_has_its_node_and_edge() -> None:
    trace = build_trace(load_network(sample_path("two_layer")))
    expect = {
        "z": ("z1", ("x", "z1")),
        "a": ("a1", ("z1", "a1")),
        "loss": ("L", ("a2", "L")),
        "dact": ("z1", ("a1", "z1")),
        "delta": ("z1", ("a1", "z1")),
        "dW": ("P1", ("z1", "P1")),
        "db": ("P1", ("z1", "P1")),
        "W_new": ("P1", None),
    }
    for kind, want in expect.items():
        layer = None if kind == "loss" else 1
        assert focus(trace.find(kind, layer), 2) == want, kind
    assert focus(trace.find("dL_da", 2), 2) == ("a2", ("L", "a2"))
    assert focus(trace.find("dL_da", 1), 2) == ("a1", ("z2", "a1"))


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bpdebug", *args], capture_output=True, timeout=120
    )


@needs_dot
def test_bpdebug_graph_writes_dot_svg_and_png(tmp_path: Path) -> None:
    dot = run("graph", "two_layer", "--step", "13")
    assert dot.returncode == 0 and dot.stdout.startswith(b'digraph "Two-layer example"')
    svg = tmp_path / "g.svg"
    assert run("graph", "two_layer", "--format", "svg", "-o", str(svg)).returncode == 0
    assert b"<svg" in svg.read_bytes()
    png = tmp_path / "g.png"
    assert run("graph", "two_layer", "--format", "png", "-o", str(png)).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = run("graph", "two_layer", "--format", "png", "-o", str(png))
    assert again.returncode == 2 and b"already exists" in again.stderr
    bad = run("graph", "two_layer", "--step", "99")
    assert bad.returncode == 2 and b"steps 1 to 20" in bad.stderr


def test_without_graphviz_graph_says_how_to_install_it_and_writes_the_dot(tmp_path: Path) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    out = tmp_path / "g.svg"
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "graph", "two_layer", "--format", "svg", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "bpdebug graph: Graphviz's dot is not installed (Debian/Ubuntu: apt-get install "
        f"graphviz; macOS: brew install graphviz); wrote the DOT instead to {tmp_path / 'g.dot'}"
    ]
    assert (tmp_path / "g.dot").read_text().startswith("digraph") and not out.exists()


# ---------------------------------------------------------------- the graph view


async def test_m_shows_the_graph_and_the_step_lights_its_node_and_edge() -> None:
    app = make_app(load_network(sample_path("two_layer")))
    async with app.run_test(size=(120, 36)) as pilot:
        diagram = app.query_one(NetworkDiagram)
        await pilot.press("m")
        assert diagram.view == "graph" and diagram.border_title == "Computational graph"

        def drawn() -> str:
            return "\n".join("".join(seg.text for seg in diagram.render_line(y)) for y in range(9))

        assert "z⁽¹⁾" in drawn() and "━━━━━▶" in drawn()  # x → z⁽¹⁾ is the step's edge
        assert "│  0.3775   │" in drawn() and "│  0.3925   │" in drawn()  # z⁽¹⁾, a column
        app.go(app.trace.find("delta", 1).index)
        await pilot.pause()
        text = drawn()
        assert "δ⁽¹⁾" in text and "◀━━━━━" in text and "━━━━━▶" not in text
        assert "◀ ∂a⁽¹⁾/∂z⁽¹⁾ = σ′(z⁽¹⁾)" in text
        app.go(app.trace.find("dW", 2).index)
        await pilot.pause()
        assert "◀ ∂L/∂W⁽²⁾, ∂L/∂b⁽²⁾" in drawn()
        await pilot.press("m")
        assert diagram.view == "units" and "δ⁽²⁾" in diagram.text.plain


async def test_the_graph_scrolls_to_the_step_on_a_deep_network() -> None:
    app = make_app(load_network(sample_path("vanishing")))  # 6 layers: wider than the panel
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("m")
        diagram = app.query_one(NetworkDiagram)
        assert diagram.graph_x == 0
        await pilot.press("end")  # L′: the loss node, at the far right
        await pilot.pause()
        assert diagram.graph_x > 0
        text = "".join(seg.text for seg in diagram.render_line(2))
        assert "L" in text


@pytest.mark.parametrize("kind", ["dW", "db", "W_new", "b_new"])
async def test_a_parameter_step_scrolls_the_graph_to_its_layers_box(kind: str) -> None:
    """At 80×24 two_layer's graph is wider than the panel: a step on W⁽²⁾ or b⁽²⁾ shows
    layer 2's parameter box (it showed x, z⁽¹⁾ and layer 1's box: the box's step had no
    column of its own to scroll to)."""
    app = make_app(load_network(sample_path("two_layer")))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        diagram = app.query_one(NetworkDiagram)
        app.go(app.trace.find(kind, 2).index)
        await pilot.pause()
        rows = ["".join(seg.text for seg in diagram.render_line(y)) for y in range(10)]
        assert diagram.graph_start > 0, rows
        assert any("W⁽²⁾" in r or "b⁽²⁾" in r for r in rows if "[" in r), rows
        assert not any("W⁽¹⁾" in r for r in rows), rows


async def test_quiz_hides_the_graphs_values_too() -> None:
    from bpdebug.session.quiz import Quiz

    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("m")
        diagram = app.query_one(NetworkDiagram)
        line = "".join(seg.text for seg in diagram.render_line(3))
        assert "0.3775" not in line and "0.38" not in line


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 60)], ids=str)
@pytest.mark.parametrize("name", sample_names())
async def test_the_graph_view_never_cuts_a_node_and_always_names_the_edge(
    name: str, size: tuple[int, int]
) -> None:
    """Every step of every sample: each box in view is whole (as many ╭ as ╮ on its top
    row, each as wide as a node), the step's node is in view, and the caption (under the
    picture, or in the border when the panel is short) names the step's edge, or the step
    itself where it travels none, on the screen as drawn."""
    import asyncio

    from bpdebug.tui.textual_private import screen_strips
    from bpdebug.tui.views.graph_picture import caption, graph_lines, shown_nodes

    app = make_app(load_network(sample_path(name)))
    async with app.run_test(size=size) as pilot:
        await pilot.press("m")
        diagram = app.query_one(NetworkDiagram)
        for index in range(len(app.trace)):
            app.go(index)
            await asyncio.sleep(0)
            rows = ["".join(seg.text for seg in diagram.render_line(y)) for y in range(9)]
            top = next(r for r in rows if "╭" in r)
            assert top.count("╭") == top.count("╮") >= 1, (index, rows)
            for left, right in zip(
                [m.start() for m in re.finditer("╭", top)],
                [m.start() for m in re.finditer("╮", top)],
                strict=True,
            ):
                assert right - left == 12, (index, top)  # NODE − 1: a whole box
            start = diagram.graph_start
            active = graph_lines(app.trace, app.trace[index], "red").active[0]
            assert active in shown_nodes(start, 2 * len(app.trace), diagram.content_region.width)
            step = app.trace[index]
            drawn = screen_strips(app.screen).strips
            text = "\n".join("".join(seg.text for seg in strip) for strip in drawn)
            assert caption(app.trace, step) in text or caption(app.trace, step, True) in text


def test_value_text_is_a_number_the_entries_or_the_shape_and_norm() -> None:
    from bpdebug.notation.layout import HIDDEN
    from bpdebug.output.graph import value_text

    assert value_text(0.29837) == "0.29837"  # the precision setting: 6 digits
    assert value_text(0.123456789) == "0.123457"
    assert value_text(0.123456789, digits=None) == "0.123456789"
    assert value_text(0.123456789, 8, digits=None) == "0.12345…"  # cut, never rounded
    assert value_text(np.array([0.3775, 0.3925]), 24) == "0.3775; 0.3925"
    two = np.array([0.00877135, 0.00995425])
    assert value_text(two, 24) == "0.00877135; 0.00995425"
    assert value_text(two, 20) == "2 entries ‖·‖ 0.013…"  # the shape apart from the norm
    three = np.array([0.00877135, 0.00995425, 0.0])
    assert value_text(three, 24) == "3 entries, ‖·‖ = 0.0132…"
    assert value_text(np.ones((3, 4))) == "3×4, ‖·‖ = 3.4641"
    assert value_text(HIDDEN) == "?"


def test_short_num_cuts_the_exact_digits_and_keeps_the_exponent() -> None:
    from bpdebug.output.graph import short_num

    assert short_num(0.00877135, 6, 10) == "0.00877135"  # fits: as the setting writes it
    assert short_num(0.00877135, 6, 8) == "0.00877…"
    assert short_num(0.0199999999, None, 7) == "0.0199…"  # not 0.0200: digits are cut
    assert short_num(-0.0101039, None, 8) == "-0.0101…"
    assert short_num(1.23456e-05, 6, 9) == "1.23…e-05"
    assert short_num(123456.789, None, 8) == "1.2…e+05"  # never an integer cut short
    assert short_num(float("nan"), 6, 2) == "nan"


def test_node_lines_are_a_column_of_entries_or_the_shape_then_the_norm() -> None:
    from bpdebug.notation.layout import HIDDEN
    from bpdebug.tui.views.graph_picture import value_lines

    assert value_lines(np.array([[0.00877135], [0.00995425]]), 11, 6) == [
        "0.00877135",
        "0.00995425",
    ]
    assert value_lines(np.array([-0.0101039, -0.0100094]), 11, None) == [
        "-0.0101039",
        "-0.0100094",
    ]
    assert value_lines(np.full((3, 4), 0.5), 11, 6) == ["3×4 entries", "‖·‖ 1.73205"]
    assert value_lines(np.full(3, 0.0133431), 11, 6) == ["3 entries", "‖·‖ 0.0231…"]
    assert value_lines(HIDDEN, 11, 6) == ["?"]


# ---------------------------------------------------------------- in the worked solutions


def test_the_worked_solutions_show_the_graph_after_the_network_never_first() -> None:
    """Markdown without a picture beside it ends with the graph's DOT in an appendix; HTML
    lays it out inline under the network, never before the mathematics."""
    from bpdebug.output.explain import FORMATS

    trace = build_trace(load_network(sample_path("xor")))
    md = FORMATS["markdown"](trace)
    assert md.index("## Appendix: the computational graph") > md.index("## Result")
    assert md.rstrip().endswith(f"```dot\n{to_dot(trace).rstrip()}\n```")
    assert "digraph" not in md[: md.index("## Result")]
    page = FORMATS["html"](trace)
    assert page.index("<h2>The network</h2>") < page.index("The computational graph")
    assert page.index("The computational graph") < page.index("<h2>Forward pass</h2>")
    if shutil.which("dot"):
        assert '<figure class="graph"><svg' in page and "<?xml" not in page
    else:
        assert "Graphviz's dot is not installed" in page and "<pre>digraph" in page


@needs_dot
def test_markdown_with_an_output_shows_the_graph_as_a_picture_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "xor.md"
    assert run("explain", "xor", "-o", str(out)).returncode == 0
    svg = (tmp_path / "xor-graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    md = out.read_text()
    assert (
        "![The computational graph: forward edges in blue, backward in red.](xor-graph.svg)" in md
    )
    assert "```dot" not in md  # the picture instead of the DOT appendix
    assert md.index("xor-graph.svg") > md.index("## The network")


@needs_dot
@needs_pdflatex
def test_the_latex_solution_shows_the_graph_as_a_figure(tmp_path: Path) -> None:
    tex = tmp_path / "xor.tex"
    assert run("explain", "xor", "--format", "latex", "-o", str(tex)).returncode == 0
    assert (tmp_path / "xor-graph.pdf").read_bytes()[:4] == b"%PDF"
    assert r"\fitgraphic{xor-graph.pdf}" in tex.read_text()  # its own size, or the page's
    proc = pdflatex(tmp_path, tex.name)
    assert proc.returncode == 0, proc.stdout[-1500:]
    assert "xor-graph.pdf" in proc.stdout  # the figure was read


async def test_x_exports_the_graph_at_this_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(load_network(sample_path("xor")))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("2", "x")
        await pilot.pause()
        assert (tmp_path / "xor-graph-step6.dot").read_text() == to_dot(app.trace, 5)
        if shutil.which("dot"):
            assert "<svg" in (tmp_path / "xor-graph-step6.svg").read_text()
