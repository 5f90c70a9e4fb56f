"""Question sheets for a class: `bpdebug exam NET --variants N --seed S`.

Each variant is a network of NET's shape (activations, loss, η) whose weights and biases (and,
with --data, inputs and targets) are drawn from the seed, rounded to two decimals so the
numbers can be worked by hand. Its sheet opens with a name and marks line, gives the network
and lists every step in order: an asked one with its formula, an answer grid of the value's
shape (a 2×2 box grid for a 2×2 matrix, its shape beside it) and room for working; the
others worked out (they are what a student needs on the way). Its answer key is the worked
solution of `bpdebug explain` for that network, with the computational graph (one picture for
every variant: they share a shape). The same seed gives the same files, byte for byte.
"""

from __future__ import annotations

import numpy as np

from bpdebug.engine import Network, Trace, build_trace
from bpdebug.engine.grading import QUIZZABLE
from bpdebug.files.netfile import network_to_document
from bpdebug.files.validate import DEFAULT_LIMITS, MAX_NAME, network_from_document
from bpdebug.notation import DIGITS
from bpdebug.notation.prose import Prose
from bpdebug.output.answer_grid import GRID_CSS, answer_grid
from bpdebug.output.explain import explain_html, explain_latex, explain_markdown
from bpdebug.output.graph import GraphvizMissing, render, to_dot
from bpdebug.output.handout import (
    Html,
    Latex,
    Markdown,
    Writer,
    given,
    network_words,
    step_heading,
    worked,
)

SHEET_SUFFIX = {"markdown": ".md", "latex": ".tex", "html": ".html"}
GRAPH_FILE = {"markdown": ("exam-graph.svg", "svg"), "latex": ("exam-graph.pdf", "pdf")}
INSTRUCTIONS = (
    "Compute every value that has an answer grid, in order, for one gradient-descent iteration "
    "(to 4 significant digits), one number to a box; each value's shape is beside its grid. "
    "Vectors are columns; a batch has one column per example; ∂L/∂W and ∂L/∂b are means over "
    "the batch. Use the space under each grid for your working."
)
LATER = "(follows from the answers above: not asked)"
BLANK_CSS = ".blank{display:inline-block;min-width:16em;border-bottom:1px solid #000}"


def variant_network(net: Network, seed: int, k: int, data: bool) -> Network:
    """Variant k of the seed: NET's shape, its parameters (and data) drawn anew, validated
    by the loader's own rules."""
    rng = np.random.default_rng([seed, k])
    doc = network_to_document(net)
    doc["name"] = variant_name(net.name, k)
    for layer in doc["layers"]:
        n_out, n_in = np.shape(layer["W"])
        layer["W"] = rng.normal(0.0, 0.6, (n_out, n_in)).round(2).tolist()
        layer["b"] = rng.normal(0.0, 0.3, n_out).round(2).tolist()
    if data:
        x = np.asarray(doc["data"]["x"], dtype=float)
        doc["data"]["x"] = rng.uniform(-1, 1, x.shape).round(2).tolist()
        doc["data"]["y"] = _targets(net, rng, np.asarray(doc["data"]["y"]).shape).tolist()
    return network_from_document(doc, f"variant {k + 1}", DEFAULT_LIMITS)


def variant_name(name: str, k: int) -> str:
    """'NAME, variant 3', the name cut (with …) to keep within a name's 200 characters: the
    variant number stays, so every variant's name is its own."""
    suffix = f", variant {k + 1}"
    name = name or "network"
    if len(name) + len(suffix) > MAX_NAME:
        name = name[: MAX_NAME - len(suffix) - 1] + "…"
    return name + suffix


def _targets(net: Network, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Targets the loss accepts, as the file writes them (one row per example)."""
    m, n = shape if len(shape) == 2 else (1, int(np.prod(shape)))
    if net.loss == "cross_entropy":
        return np.eye(n)[rng.integers(0, n, m)].reshape(shape)
    if net.loss == "binary_cross_entropy":
        return rng.integers(0, 2, (m, n)).astype(float).reshape(shape)
    return rng.uniform(0, 1, (m, n)).round(2).reshape(shape)


def exam_files(
    net: Network,
    variants: int,
    seed: int,
    kinds: frozenset[str] | None,
    fmt: str,
    data: bool = False,
    digits: int | None = DIGITS,
) -> dict[str, str | bytes]:
    """{file name: text}: exam-1 and exam-1-key, exam-2 … in the format's suffix, and the
    keys' picture of the graph (exam-graph.svg or .pdf) where Graphviz is installed."""
    suffix, files = SHEET_SUFFIX[fmt], dict[str, str | bytes]()
    asked = set(QUIZZABLE if kinds is None else kinds)
    picture = _graph_picture(net, fmt)
    if picture:
        files[GRAPH_FILE[fmt][0]] = picture
    graph = GRAPH_FILE[fmt][0] if picture else None
    for k in range(variants):
        trace = build_trace(variant_network(net, seed, k, data))
        files[f"exam-{k + 1}{suffix}"] = sheet(_writer(fmt), trace, asked, digits)
        files[f"exam-{k + 1}-key{suffix}"] = _key(trace, fmt, digits, graph)
    return files


def _writer(fmt: str) -> Writer:
    if fmt == "markdown":
        return Markdown()
    return Latex() if fmt == "latex" else Html(BLANK_CSS + GRID_CSS)


def _key(trace: Trace, fmt: str, digits: int | None, graph: str | None) -> str:
    """The variant's worked solution, as `bpdebug explain` writes it, with the graph."""
    if fmt == "latex":
        return explain_latex(trace, digits, graph)
    if fmt == "markdown":
        return explain_markdown(trace, digits, graph_file=graph)
    return explain_html(trace, digits)


def _graph_picture(net: Network, fmt: str) -> bytes | None:
    """The graph every variant shares (without values), for the keys; None for HTML (it
    is inline there) or without Graphviz."""
    if fmt not in GRAPH_FILE:
        return None
    try:
        return render(to_dot(build_trace(net)), GRAPH_FILE[fmt][1])
    except (GraphvizMissing, RuntimeError):
        return None


def _downstream(trace: Trace, asked: set[str]) -> set[int]:
    """The steps not asked that read an asked value, directly or through another such step:
    their numbers would give an answer away, so the sheet writes their formula only."""
    found: set[int] = set()
    for step in trace.steps:
        if step.kind in asked:
            continue
        sources = {op.step for op in step.operands if op.step is not None}
        if any(trace[s].kind in asked or s in found for s in sources):
            found.add(step.index)
    return found


def sheet(writer: Writer, trace: Trace, asked: set[str], digits: int | None) -> str:
    """A question sheet in the writer's format."""
    net = trace.network
    later = _downstream(trace, asked)
    marks = sum(1 for s in trace.steps if s.kind in asked)
    lines = writer.begin(f"Exam: {net.name}")
    lines += marks_line(writer, marks)
    lines += writer.paragraph(Prose(network_words(net, "A"), f". {INSTRUCTIONS}"))
    lines += writer.heading(2, "The network")
    lines += writer.given(given(net, digits))
    phase = None
    for step in trace.steps:
        if step.phase != phase:
            phase = step.phase
            lines += writer.heading(
                2,
                {"forward": "Forward pass", "backward": "Backward pass", "update": "Update"}[phase],
            )
        w = worked(step, digits)
        if isinstance(writer, Latex):  # a step that does not fit the page starts the next
            lines.append(r"\filbreak")
        lines += writer.heading(3, step_heading(step))
        lines += writer.display(w.formula)
        if step.kind in asked:
            lines += answer_grid(writer, w.lhs, step)
        elif step.index in later:
            lines += writer.paragraph(LATER, note=True)
        else:
            lines += writer.worked(w)
    return "\n".join([*lines, *writer.end()]).rstrip("\n") + "\n"


def marks_line(writer: Writer, marks: int) -> list[str]:
    """Name: ____  Date: ____  Marks: ____ / N, under the title."""
    if isinstance(writer, Latex):
        return [
            r"\noindent Name: \underline{\hspace{7cm}}\hfill Date: \underline{\hspace{3cm}}"
            rf"\hfill Marks: \underline{{\hspace{{1.5cm}}}} / {marks}\par\bigskip",
            "",
        ]
    if isinstance(writer, Html):
        return [
            '<p class="marks">Name: <span class="blank"></span> &nbsp; Date: '
            '<span class="blank" style="min-width:8em"></span> &nbsp; Marks: '
            f'<span class="blank" style="min-width:4em"></span> / {marks}</p>'
        ]
    return [f"Name: ______________________  Date: __________  Marks: ______ / {marks}", ""]
