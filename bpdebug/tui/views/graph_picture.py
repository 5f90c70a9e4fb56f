"""The text's computational graph drawn with box-drawing characters, for the diagram's graph
view: x, z⁽ˡ⁾, a⁽ˡ⁾ and L left to right, forward arrows above backward ones between them, a
parameter box under each z⁽ˡ⁾ (solid ▲: it feeds z; dashed ┆: ∂L/∂W, ∂L/∂b flow into it).

The step's node is reversed in the phase's colour and shows its current value, one entry a
row (a column, as in the math) or its shape and norm on rows of their own; every number at
the precision setting or cut with … (never rounded to fewer digits). Its edge is drawn heavy,
and the caption under the picture names it as the text labels it (a step without an edge,
an update, names itself). The view shows whole nodes only and scrolls by nodes. Computes no
gradient: the values are the trace's (graph.node_values).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from bpdebug.engine import Step, Trace
from bpdebug.notation import DIGITS, num, shape_text
from bpdebug.notation.layout import HIDDEN
from bpdebug.notation.numbers import sup
from bpdebug.output.graph import COLOURS, focus, graph_of, node_values, short_num, text_label
from bpdebug.tui.views.network_picture import Line

NODE = 13  # a node's width, its border included
EDGE = 6  # the arrows between two nodes
PITCH = NODE + EDGE
VALUE_ROWS = 2  # rows of numbers inside a node
ROWS = 9  # the cluster title, the node (5 rows), ▲┆, the parameter box, the caption


class Picture(list[Line]):
    """The lines of a picture (without its caption), the column range of its active node
    (to scroll to), how many nodes wide it is, and the caption naming the step's edge."""

    active: tuple[int, int] = (0, 0)
    nodes: int = 0
    caption: Line = []
    short: str = ""  # the caption where a border must hold it


def window(active: int, nodes: int, width: int, start: int | None = None) -> int:
    """The first node to show so that the active node is whole in view, keeping `start`
    while it is (stepping doesn't scroll), else centring it. A node is never cut: the view
    holds the whole nodes that fit (and the arrows into the first, when scrolled)."""
    if start is not None and active in shown_nodes(start, nodes, width):
        return start
    fit = len(shown_nodes(1, nodes, width))  # whole nodes in view once scrolled
    s = min(max(0, active - (fit - 1) // 2), max(0, nodes - fit))
    return s if active in shown_nodes(s, nodes, width) else active


def shown_nodes(start: int, nodes: int, width: int) -> range:
    """The nodes wholly in view from node `start` on, in a panel `width` wide."""
    room = width - (EDGE if start else 0)
    fit = max(1, (room + EDGE) // PITCH)
    return range(start, min(nodes, start + fit))


def view_span(start: int, nodes: int, width: int) -> tuple[int, int]:
    """The picture's columns [x0, x1) to draw from node `start`: the arrows into it (when
    scrolled), the whole nodes that fit, and the arrows out of the last if they fit too."""
    shown = shown_nodes(start, nodes, width)
    x0 = start * PITCH - (EDGE if start else 0)
    x1 = (shown.stop - 1) * PITCH + NODE
    if shown.stop < nodes and x1 + EDGE <= x0 + width:
        x1 += EDGE  # the arrows say there is more to the right
    return x0, x1


def _name(node_id: str) -> str:
    if node_id == "x":
        return "x"
    if node_id == "L":
        return "L"
    kind, l = node_id[0], node_id[1:]
    return f"W{sup(l)},b{sup(l)}" if kind == "P" else f"{kind}{sup(l)}"


def _column_of(node: str) -> str:
    """The node whose column holds `node`: a parameter box P⁽ˡ⁾ sits under z⁽ˡ⁾, so a step on
    W⁽ˡ⁾ or b⁽ˡ⁾ scrolls the view to layer l (not to the input)."""
    return f"z{node[1:]}" if node.startswith("P") else node


def _centred(text: str, width: int) -> str:
    text = text[:width]
    left = (width - len(text)) // 2
    return " " * left + text + " " * (width - len(text) - left)


def value_lines(value: object, width: int, digits: int | None, rows: int = VALUE_ROWS) -> list[str]:
    """A node's value in `rows` lines of `width`: one entry a line when they fit, else the
    shape on one line and the norm on the next (`‖·‖ = 2`, or `‖·‖ 2.46236` where the = has
    no room: never `‖·‖2`, which reads as the 2-norm); each number at `digits` or cut with …"""
    if value is HIDDEN:
        return ["?"]
    a = np.asarray(value, dtype=float)
    if a.size <= rows:
        return [short_num(float(v), digits, width) for v in a.reshape(-1)]
    shape = shape_text(a.shape)
    what = f"{shape} entries" if len(shape) + 8 <= width else shape
    norm = float(np.linalg.norm(a))
    whole = num(norm, digits)
    if len(whole) + 6 <= width:
        return [what, f"‖·‖ = {whole}"]
    return [what, f"‖·‖ {short_num(norm, digits, width - 4)}"]


def caption(trace: Trace, step: Step, short: bool = False) -> str:
    """What the caption says: the step's edge as the text labels it, or, for a step that
    travels no edge (an update, L′), the step itself (`short`: its symbol only)."""
    L = trace.network.depth
    _, edge = focus(step, L)
    if step.kind == "loss_after":
        return "L′: the loss after the update (no edge)"
    if edge is None:
        return f"{step.symbol} {step.relation} … (no edge)" if short else step.formula
    e = graph_of(trace.network).edge(*edge)
    return f"{'▶' if e.direction == 'forward' else '◀'} {text_label(e.label)}"


def graph_lines(
    trace: Trace,
    step: Step,
    colour: str,
    veiled: Collection[int] = frozenset(),
    compact: bool = False,
    digits: int | None = DIGITS,
) -> Picture:
    """The picture at `step`, as lines of (text, style) runs. `veiled`: steps whose values a
    quiz still asks for (written ?); `compact`: without the cluster titles (short panels;
    the caption then goes to the border)."""
    L = trace.network.depth
    g = graph_of(trace.network)
    node, edge = focus(step, L)
    values = node_values(trace, step.index, veiled)
    chain = ["x"] + [n for l in range(1, L + 1) for n in (f"z{l}", f"a{l}")] + ["L"]
    rows: list[Line] = [[] for _ in range(8)]
    picture = Picture()
    inner = NODE - 2

    def put(r: int, text: str, style: str = "") -> None:
        rows[r].append((text, style))

    for k, nid in enumerate(chain):
        if k:
            _edges(rows, chain[k - 1], nid, edge, colour)
        kind = next(n.kind for n in g.nodes if n.id == nid)
        active = nid == node
        border = f"bold {colour}" if active else COLOURS[kind]
        put(0, _centred(_cluster(nid), NODE), "dim")
        put(1, "╭" + "─" * inner + "╮", border)
        shown = values.get(nid)
        name = _name(nid)  # the node, or the gradient it now holds (δ⁽¹⁾ at z⁽¹⁾)
        if shown is not None and len(shown.symbol) <= inner and nid != "L":
            name = shown.symbol
        put(2, "│", border)
        put(2, _centred(name, inner), f"bold reverse {colour}" if active else "bold")
        put(2, "│", border)
        if nid == "x":
            lines = value_lines(trace.network.x, inner, digits)
        else:
            lines = value_lines(shown.value, inner, digits) if shown is not None else []
        for r in range(VALUE_ROWS):
            text = lines[r] if r < len(lines) else ""
            put(3 + r, "│", border)
            put(3 + r, _centred(text, inner), f"bold {colour}" if active else "")
            put(3 + r, "│", border)
        under = nid.startswith("z")
        put(5, "╰" + "─" * 4 + ("┬" if under else "─") + "─" * (inner - 5) + "╯", border)
        if under:
            _param(rows, f"P{nid[1:]}", node, edge, colour, values, inner)
        else:
            put(6, " " * NODE)
            put(7, " " * NODE)
        if active or nid == _column_of(node):
            picture.active = (k, k + 1)
    picture.nodes = len(chain)
    picture.caption = [(f" {caption(trace, step)}", f"bold {colour}")]
    picture.short = caption(trace, step, short=True)
    picture.extend(rows[1:] if compact else rows)
    return picture


def _cluster(nid: str) -> str:
    if nid == "x":
        return "input"
    if nid == "L":
        return "loss"
    return f"layer {nid[1:]}" if nid.startswith("z") else ""


def _edges(
    rows: list[Line], tail: str, head: str, edge: tuple[str, str] | None, colour: str
) -> None:
    """The forward arrow (the name row) and the backward one (the row under it) between two
    neighbours."""
    sigma = head.startswith("a") and tail.startswith("z")
    fwd_colour = COLOURS["sigma"] if sigma else COLOURS["forward"]
    fwd_active = edge == (tail, head)
    bwd_active = edge == (head, tail)
    line = "━" if fwd_active else "─"
    middle = "σ" if sigma else line
    fwd = line * 2 + middle + line * 2 + "▶"
    bline = "━" if bwd_active else "─"
    bwd = "◀" + bline * (EDGE - 1)
    for r in (0, 1, 4, 5, 6, 7):
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
    rows[6] += [(" " * 4, ""), up, down, (" " * (NODE - 6), "")]
    active = node == pid
    shown = values.get(pid)
    label = _name(pid)
    if shown is not None and shown.kind != "W_new" and shown.kind != "b_new" and active:
        label = shown.symbol
    style = f"bold reverse {colour}" if active else COLOURS["param"]
    rows[7].append(("[" + _centred(label, inner) + "]", style))
