"""The text's computational graph of a network: nodes x, z⁽ˡ⁾, a⁽ˡ⁾ and L, a parameter box
per layer, a cluster per layer, forward edges labelled with their operation and backward edges
labelled with their local derivative; what each step of a trace produces and travels; and the
graph as Graphviz DOT (laid out by `dot` when it is installed).

One model, two pictures: the app's graph view (tui/views/graph_picture.py, drawn by the
diagram panel, tui/widgets/diagram.py) and `bpdebug graph`.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Collection
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from bpdebug.engine import Network, Step, Trace
from bpdebug.engine.layers.dense import fused
from bpdebug.notation import DIGITS, num, shape_text, sup
from bpdebug.notation.layout import HIDDEN
from bpdebug.notation.mathml import NAMES

COLOURS = {
    "input": "#a5d8ff",
    "z": "#b2f2bb",
    "a": "#8ce99a",
    "param": "#e9ecef",
    "loss": "#ffc9c9",
    "forward": "#1c7ed6",
    "backward": "#f03e3e",
    "sigma": "#69db7c",
}


class Node(NamedTuple):
    id: str  # "x", "z1", "a1", "P1", "L"
    label: str  # as the text writes it: "z(1)", "W(1), b(1)"
    kind: str  # "input", "z", "a", "param", "loss" (the colour)
    cluster: int  # the layer l (0: input, L + 1: the loss)


class Edge(NamedTuple):
    tail: str
    head: str
    label: str
    direction: str  # "forward" or "backward"
    dashed: bool = False
    sigma: bool = False  # the activation edge z → a (σ, tanh …), drawn in its own green


class Graph(NamedTuple):
    nodes: list[Node]
    edges: list[Edge]
    clusters: list[str]  # titles, l = 0 … L + 1

    def edge(self, tail: str, head: str) -> Edge:
        return next(e for e in self.edges if (e.tail, e.head) == (tail, head))


def _prev(l: int) -> str:
    return "x" if l == 1 else f"a{l - 1}"


def graph_of(net: Network) -> Graph:
    """The graph of a network: its depth, each layer's activation on its edges."""
    return _graph(tuple(activation_edges(net, l) for l in range(1, net.depth + 1)))


def activation_edges(net: Network, l: int) -> tuple[str, str]:
    """The labels of layer l's edges z → a and back, as its tape steps write them: tanh(·)
    and ∂a(1)/∂z(1)=tanh′(z(1)), ReLU(·) (identity's slope: its constant 1); softmax has no
    elementwise slope: back through it goes the Jacobian, (J(2))ᵀ ∂L/∂a(2), which the fused
    softmax + cross-entropy writes as what it is, a(2) − y."""
    layer = net.layers[l - 1]
    act = layer.act
    name = NAMES.get(act.symbol, act.symbol)  # as the hand-outs' formulas name it: ReLU
    if not act.elementwise:
        jacobian = f"(J({l}))ᵀ ∂L/∂a({l})"
        fused_form = f"{jacobian}=a({l}) − y"
        return f"{name}(.)", fused_form if fused(layer, net.loss_fn) else jacobian
    if "z" not in act.derivative:  # a constant: one line
        return f"{name}(.)", f"∂a({l})/∂z({l}) = {act.derivative}"
    return f"{name}(.)", f"∂a({l})/∂z({l})={name}'(z({l}))"


@lru_cache(maxsize=16)
def _graph(activations: tuple[tuple[str, str], ...]) -> Graph:
    """The graph of a network with these (forward, backward) activation labels, a layer each."""
    L = len(activations)
    nodes = [Node("x", "x", "input", 0)]
    edges: list[Edge] = []
    for l, (forward, _) in enumerate(activations, start=1):
        nodes += [
            Node(f"z{l}", f"z({l})", "z", l),
            Node(f"a{l}", f"a({l})", "a", l),
            Node(f"P{l}", f"W({l}), b({l})", "param", l),
        ]
        source = "x" if l == 1 else f"a({l - 1})"
        edges += [
            Edge(_prev(l), f"z{l}", f"W({l}){source}+b({l})", "forward"),
            Edge(f"P{l}", f"z{l}", "", "forward"),
            Edge(f"z{l}", f"a{l}", forward, "forward", sigma=True),
        ]
    nodes.append(Node("L", "L", "loss", L + 1))
    edges.append(Edge(f"a{L}", "L", f"Loss(a({L}), y)", "forward"))
    edges.append(Edge("L", f"a{L}", f"∂L/∂a({L})", "backward"))
    for l in range(L, 0, -1):
        edges.append(Edge(f"a{l}", f"z{l}", activations[l - 1][1], "backward"))
        edges.append(Edge(f"z{l}", f"P{l}", f"∂L/∂W({l}), ∂L/∂b({l})", "backward", dashed=True))
        if l > 1:
            edges.append(Edge(f"z{l}", f"a{l - 1}", f"∂z({l})/∂a({l - 1})=W({l})", "backward"))
    titles = ["Input Layer (l=0)"]
    titles += [f"{'Output' if l == L else 'Hidden'} Layer (l={l})" for l in range(1, L + 1)]
    return Graph(nodes, edges, [*titles, "Loss"])


def focus(step: Step, depth: int) -> tuple[str, tuple[str, str] | None]:
    """The node a step produces and the edge it travels (None: no edge, the update)."""
    l, L = step.layer, depth
    kind = step.kind
    if kind in ("loss", "loss_after"):
        return "L", (f"a{L}", "L") if kind == "loss" else None
    assert l is not None
    if kind == "z":
        return f"z{l}", (_prev(l), f"z{l}")
    if kind == "a":
        return f"a{l}", (f"z{l}", f"a{l}")
    if kind == "dL_da":
        return f"a{l}", ("L", f"a{l}") if l == L else (f"z{l + 1}", f"a{l}")
    if kind in ("dact", "delta"):
        return f"z{l}", (f"a{l}", f"z{l}")
    if kind in ("dW", "db"):
        return f"P{l}", (f"z{l}", f"P{l}")
    return f"P{l}", None  # W_new, b_new: the update marks the box


def node_values(trace: Trace, upto: int, veiled: Collection[int] = frozenset()) -> dict[str, Step]:
    """Each node's latest value at step `upto`: the last step at or before it that
    produced there (z⁽ˡ⁾ then δ⁽ˡ⁾, a⁽ˡ⁾ then ∂L/∂a⁽ˡ⁾, the loss, ∂L/∂W then the new W). The
    steps `veiled` (a quiz still asks for them) hold HIDDEN, which value_text writes `?`."""
    depth = trace.network.depth
    latest: dict[str, Step] = {}
    for step in trace.steps[: upto + 1]:
        latest[focus(step, depth)[0]] = step
    return {
        node: step._replace(value=HIDDEN) if step.index in veiled else step  # type: ignore[arg-type]
        for node, step in latest.items()
    }


def value_text(value: object, width: int = 24, digits: int | None = DIGITS) -> str:
    """A node's value in at most `width` characters where it can be: the number, the
    entries, or the shape and norm kept apart (`2 entries, ‖·‖ = 0.0133…`); every number at
    `digits` or cut with … (short_num), never rounded to fewer; HIDDEN is `?`."""
    if value is HIDDEN:
        return "?"
    a = np.asarray(value, dtype=float)
    if a.size == 1:
        return short_num(float(a.reshape(-1)[0]), digits, width)
    if a.size <= 8:
        entries = "; ".join(num(float(v), digits) for v in a.reshape(-1))
        if len(entries) <= width:
            return entries
    what = f"{a.size} entries" if a.ndim == 1 or min(a.shape) == 1 else shape_text(a.shape)
    norm = float(np.linalg.norm(a))
    for lead in (f"{what}, ‖·‖ = ", f"{what} ‖·‖ "):
        room = width - len(lead)
        text = short_num(norm, digits, room)
        if len(text) <= room:
            return lead + text
    return f"{what} ‖·‖ {short_num(norm, digits, 0)}"


def short_num(v: float, digits: int | None, width: int) -> str:
    """`v` at `digits` significant figures if that fits `width`, else its leading digits cut
    with … (a prefix of its digits, never rounded), the exponent kept: 0.00877135 in 8 is
    `0.00877…`, 1.23456e-05 in 8 is `1.2…e-05`. The digits are the shortest that name the
    float (repr's): a cut of them is a cut of its exact expansion too, and 0.35 stays 0.3…"""
    text = num(v, digits)
    if len(text) <= width or not np.isfinite(v):
        return text
    exact = Decimal(repr(abs(float(v))))
    sign = "-" if v < 0 else ""
    fixed = format(exact, "f")
    point = fixed.index(".") if "." in fixed else len(fixed)
    cut = width - len(sign) - 1
    significant = len(fixed[:cut].replace(".", "").lstrip("0"))
    if "e" not in text and cut > point + 1 and significant >= 2:
        return f"{sign}{fixed[:cut]}…"
    digits_of = fixed.replace(".", "").lstrip("0")
    exponent = f"e{exact.adjusted():+03d}"
    keep = max(width - len(sign) - len(exponent) - 2, 1)  # the point and …
    mantissa = digits_of[0] + ("." + digits_of[1:keep] if keep > 1 else "")
    return f"{sign}{mantissa}…{exponent}"


# ---------------------------------------------------------------- DOT


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


SUP_POINTS = 11  # a layer's superscript (the size Graphviz lays it out at and draws it at)
_LAYER = re.compile(r"\((\d+)\)|⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾")
_NEGATIVE = re.compile(r"(?<![\w.])-(?=[\d.])")
_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def text_label(text: str) -> str:
    """A label of the text's picture as the screen writes formulas: ∂a⁽¹⁾/∂z⁽¹⁾ = σ′(z⁽¹⁾)."""
    line = text.replace("'", "′").replace("(.)", "(·)").replace("=", " = ")
    return _LAYER.sub(lambda m: sup(m.group(1) or m.group(2).translate(_DIGITS)), line)


def html_label(text: str) -> str:
    """A label of the text's picture as a Graphviz HTML-like label: the layer of z(1) or
    z⁽¹⁾ as a superscript, σ' as σ′, −0.03 with a minus sign, space around + and a line
    break before an = (the local derivative of a backward edge under the derivative it is);
    newlines stay line breaks."""

    def layer(m: re.Match[str]) -> str:
        digits = m.group(1) or m.group(2).translate(_DIGITS)
        return f'<SUP><FONT POINT-SIZE="{SUP_POINTS}">({digits})</FONT></SUP>'

    lines = []
    for line in text.split("\n"):
        line = html.escape(line.replace("'", "′").replace("(.)", "(·)"), quote=False)
        line = line.replace("+", " + ")
        if "∂" in line and " = " not in line:  # ∂a(1)/∂z(1)=σ'(z(1)): the text's edge label
            line = line.replace("=", "<BR/>= ")
        lines.append(_NEGATIVE.sub("−", _LAYER.sub(layer, line)))
    return "<" + "<BR/>".join(lines) + ">"


def to_dot(
    trace: Trace,
    step_index: int | None = None,
    veiled: frozenset[int] = frozenset(),
    digits: int | None = None,
) -> str:
    """The text's picture as DOT, laid out for a page: a dashed cluster per layer, the text's
    shapes and colours, labels with superscripts. Layer by layer from the top (x first, the
    loss last), each layer one row, P⁽ˡ⁾ z⁽ˡ⁾ a⁽ˡ⁾ left to right and the next right to left,
    so that a⁽ˡ⁾ stands straight above z⁽ˡ⁺¹⁾ and a deep network grows down the page, not
    across it. Backward edges do not decide the ranks (constraint=false). With a step, each
    node's value at that step in its label and the step's node and edge drawn bold; a node
    whose value a `veiled` step computed (a quiz still asks it) writes `?` for it; `digits`
    is handed to value_text (None: its own default)."""
    depth = trace.network.depth
    g = graph_of(trace.network)
    values = node_values(trace, step_index) if step_index is not None else {}
    node, edge = focus(trace[step_index], depth) if step_index is not None else ("", None)
    lines = [
        f"digraph {_q(trace.network.name or 'network')} {{",
        # margin=0: no half-inch page margin in the PDF (the figure prints larger); each
        # cluster keeps Graphviz's own 8 points around its nodes (its title needs them)
        "  rankdir=TB; newrank=true; nodesep=0.5; ranksep=0.4; margin=0;",
        '  node [fontname="Helvetica", fontsize=14, style=filled];',
        '  edge [fontname="Helvetica", fontsize=13];',
    ]
    for l, title in enumerate(g.clusters):
        rightwards = l % 2 == 1  # odd layers run left to right, even ones back
        side = "labeljust=l; "  # over P⁽ˡ⁾ or a⁽ˡ⁾, where no edge comes in from above
        if l in (0, depth + 1):  # the loss's title under it, where no edge comes in
            side = "" if l == 0 else "labelloc=b; "
        lines += [
            f"  subgraph cluster_{l} {{",
            f'    label={_q(title)}; {side}margin=8; style=dashed; color="#868e96";',
        ]
        for n in (n for n in g.nodes if n.cluster == l):
            step = values.get(n.id)
            hidden = step is not None and step.index in veiled
            lines.append("    " + _dot_node(n, step, n.id == node, hidden, digits))
        if 1 <= l <= depth:  # one row: the parameter box beside its z, then a
            row = [f"P{l}", f"z{l}", f"a{l}"]
            order = " -> ".join(row if rightwards else row[::-1])
            lines.append(f"    {{rank=same; {'; '.join(row)}}} {order} [style=invis];")
        lines.append("  }")
    for e in g.edges:
        lines.append("  " + _dot_edge(e, (e.tail, e.head) == edge))
    lines.append("}")
    return "\n".join(lines) + "\n"


_PLAIN = str.maketrans("⁽⁾⁰¹²³⁴⁵⁶⁷⁸⁹", "()0123456789")


def plain_symbol(symbol: str) -> str:
    """δ⁽¹⁾ as δ(1): the text's labels, in any font."""
    return symbol.translate(_PLAIN)


def _dot_node(
    n: Node, step: Step | None, active: bool, hidden: bool = False, digits: int | None = None
) -> str:
    label = n.label
    if step is not None:
        written = (
            value_text(step.value) if digits is None else value_text(step.value, digits=digits)
        )
        shown = "?" if hidden else written
        label += f"\n{step.symbol} = {shown}"
    attrs = [f"label={html_label(label)}", f'fillcolor="{COLOURS[n.kind]}"']
    attrs.append(
        {"param": "shape=box", "loss": "shape=diamond", "input": "shape=ellipse"}.get(
            n.kind, "shape=ellipse"
        )
    )
    if active:
        attrs.append("penwidth=3")
    return f"{n.id} [{', '.join(attrs)}];"


# Label text a shade darker than its edge where the text's colour is too light to read.
FONT_COLOURS = {**COLOURS, "sigma": "#2b8a3e"}


def _dot_edge(e: Edge, active: bool) -> str:
    kind = "sigma" if e.sigma else e.direction
    attrs = [f'color="{COLOURS[kind]}"', f'fontcolor="{FONT_COLOURS[kind]}"']
    if e.label:  # the gradients into a box one under the other: a narrower row
        label = e.label.replace(", ", ",\n") if e.dashed else e.label
        attrs.append(f"label={html_label(label)}")
    within = e.tail[1:] == e.head[1:] or e.tail[0] == "P"  # z⁽ˡ⁾, a⁽ˡ⁾ and P⁽ˡ⁾: one row
    if e.direction == "backward" or within:
        attrs.append("constraint=false")
    else:  # a⁽ˡ⁾ straight above z⁽ˡ⁺¹⁾ (and x above z⁽¹⁾, a⁽ᴸ⁾ above L)
        attrs.append("weight=10")
    if e.direction == "backward" and e.tail[0] == "z" and not within:
        attrs.append("tailport=n, headport=s")  # up between the rows, clear of their labels
    if e.tail[0] == "P" and not e.label:
        attrs.append('label=" "')  # so that its twin's label is not drawn across it
    if e.tail == "L":  # into a⁽ᴸ⁾ from below its right side, clear of its row's labels
        attrs.append("tailport=ne, headport=se")
    if e.dashed:
        attrs.append("style=dashed")
    if active:
        attrs.append("penwidth=3")
    return f"{e.tail} -> {e.head} [{', '.join(attrs)}];"


class GraphvizMissing(RuntimeError):
    """`dot` is not installed: one line saying how to get it."""


INSTALL = (
    "Graphviz's dot is not installed (Debian/Ubuntu: apt-get install graphviz; "
    "macOS: brew install graphviz)"
)


def render(dot: str, fmt: str, timeout: float = 60) -> bytes:
    """DOT laid out by Graphviz as svg or png; GraphvizMissing where `dot` is absent,
    RuntimeError with its message where it fails."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing(INSTALL)
    # SVG drawn by cairo, as the PDF and the PNG are: the text as shapes, placed where the
    # layout measured it (Graphviz's own SVG leaves the fonts to the viewer, and a viewer
    # with other fonts runs a superscript into the text after it); its own SVG otherwise
    for kind in ("svg:cairo", "svg") if fmt == "svg" else (fmt,):
        try:
            proc = subprocess.run(
                [exe, f"-T{kind}"], input=dot.encode(), capture_output=True, timeout=timeout
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"dot failed: {exc}") from None
        if proc.returncode == 0:
            return proc.stdout
    raise RuntimeError(f"dot failed: {proc.stderr.decode(errors='replace').strip()[:200]}")
