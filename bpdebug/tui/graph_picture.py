"""The seed's computational graph drawn with box-drawing characters, for the diagram's graph
view: x, z⁽ˡ⁾, a⁽ˡ⁾ and L left to right, forward arrows above backward ones between them, a
parameter box under each z⁽ˡ⁾ (solid ▲: it feeds z; dashed ┆: ∂L/∂W, ∂L/∂b flow into it).

The step's node is reversed in the phase's colour and shows its current value; its edge is
drawn heavy; the line under the picture names that edge as the seed labels it. Computes no
gradient: the values are the trace's (graph.node_values).
"""

from __future__ import annotations

from ..engine import Step, Trace
from ..graph import COLOURS, focus, graph_of, node_values, value_text
from ..notation.numbers import sup
from .network_picture import Line

NODE = 13  # a node's width, its border included
EDGE = 6  # the arrows between two nodes


class Picture(list[Line]):
    """The lines of a picture, and the column range of its active node (to scroll to)."""

    active: tuple[int, int] = (0, 0)


def scroll_to(start: int, end: int, width: int) -> int:
    """The first column to show so the node at [start, end) is in view with what surrounds
    it, snapped to a node's left edge so no box is cut on the left."""
    pitch = NODE + EDGE
    centred = max(0, start - (width - (end - start)) // 2)
    x = centred // pitch * pitch
    while end > x + width and x + pitch <= start:
        x += pitch
    return x


def _name(node_id: str) -> str:
    if node_id == "x":
        return "x"
    if node_id == "L":
        return "L"
    kind, l = node_id[0], node_id[1:]
    return f"W{sup(l)},b{sup(l)}" if kind == "P" else f"{kind}{sup(l)}"


def _centred(text: str, width: int) -> str:
    text = text[:width]
    left = (width - len(text)) // 2
    return " " * left + text + " " * (width - len(text) - left)


def graph_lines(
    trace: Trace, step: Step, colour: str, hide: bool = False, compact: bool = False
) -> Picture:
    """The picture at `step`, as lines of (text, style) runs. `hide`: no values (a quiz
    asks for one); `compact`: without the title row and the edge's name (short panels)."""
    L = trace.network.depth
    g = graph_of(L)
    node, edge = focus(step, L)
    values = {} if hide else node_values(trace, step.index)
    chain = ["x"] + [n for l in range(1, L + 1) for n in (f"z{l}", f"a{l}")] + ["L"]
    rows: list[Line] = [[] for _ in range(8)]
    picture = Picture()

    def put(r: int, text: str, style: str = "") -> None:
        rows[r].append((text, style))

    for k, nid in enumerate(chain):
        if k:
            _edges(rows, chain[k - 1], nid, edge, colour)
        start = sum(len(t) for t, _ in rows[2])
        kind = next(n.kind for n in g.nodes if n.id == nid)
        active = nid == node
        border = f"bold {colour}" if active else COLOURS[kind]
        inner = NODE - 2
        put(0, _centred(_cluster(nid, L), NODE), "dim")
        put(1, "╭" + "─" * inner + "╮", border)
        shown = values.get(nid)
        name = _name(nid)  # the node, or the gradient it now holds (δ⁽¹⁾ at z⁽¹⁾)
        if shown is not None and len(shown.symbol) <= inner and nid != "L":
            name = shown.symbol
        put(2, "│", border)
        put(2, _centred(name, inner), f"bold reverse {colour}" if active else "bold")
        put(2, "│", border)
        if nid == "x" and not hide:
            text = value_text(trace.network.x, inner)
        else:
            text = value_text(shown.value, inner) if shown is not None else ""
        put(3, "│", border)
        put(3, _centred(text, inner), f"bold {colour}" if active else "")
        put(3, "│", border)
        under = nid.startswith("z")
        put(4, "╰" + "─" * 4 + ("┬" if under else "─") + "─" * (inner - 5) + "╯", border)
        l = nid[1:]
        if under:
            _param(rows, f"P{l}", node, edge, colour, values, inner)
        else:
            put(5, " " * NODE)
            put(6, " " * NODE)
        if active:
            picture.active = (start, start + NODE)
    if edge is not None:
        label = g.edge(*edge).label
        put(7, f" {'▶' if g.edge(*edge).direction == 'forward' else '◀'} {label}", f"bold {colour}")
    for r in [1, 2, 3, 4, 5, 6] if compact else range(8):
        picture.append(rows[r])
    return picture


def _cluster(nid: str, L: int) -> str:
    if nid == "x":
        return "input"
    if nid == "L":
        return "loss"
    return f"layer {nid[1:]}" if nid.startswith("z") else ""


def _edges(
    rows: list[Line], tail: str, head: str, edge: tuple[str, str] | None, colour: str
) -> None:
    """The forward arrow (row 2) and the backward one (row 3) between two neighbours."""
    sigma = head.startswith("a") and tail.startswith("z")
    fwd_colour = COLOURS["sigma"] if sigma else COLOURS["forward"]
    fwd_active = edge == (tail, head)
    bwd_active = edge == (head, tail)
    line = "━" if fwd_active else "─"
    middle = "σ" if sigma else line
    fwd = line * 2 + middle + line * 2 + "▶"
    bline = "━" if bwd_active else "─"
    bwd = "◀" + bline * (EDGE - 1)
    for r in (0, 1, 4, 5, 6):
        rows[r].append((" " * EDGE, ""))
    rows[2].append((fwd, f"bold {colour}" if fwd_active else fwd_colour))
    rows[3].append((bwd, f"bold {colour}" if bwd_active else COLOURS["backward"]))


def _param(
    rows: list[Line],
    pid: str,
    node: str,
    edge: tuple[str, str] | None,
    colour: str,
    values: dict[str, Step],
    inner: int,
) -> None:
    """Under z⁽ˡ⁾: ▲ (W, b feed z) and ┆ (the gradient flows down), then the parameter box."""
    into = edge == (f"z{pid[1:]}", pid)
    up = ("▲", COLOURS["forward"])
    down = ("┆", f"bold {colour}" if into else COLOURS["backward"])
    rows[5] += [(" " * 4, ""), up, down, (" " * (NODE - 6), "")]
    active = node == pid
    shown = values.get(pid)
    label = _name(pid)
    if shown is not None and shown.kind != "W_new" and shown.kind != "b_new" and active:
        label = shown.symbol
    style = f"bold reverse {colour}" if active else COLOURS["param"]
    rows[6].append(("[" + _centred(label, inner) + "]", style))
