"""Question sheets for a class: `bpdebug exam NET --variants N --seed S`.

Each variant is a network of NET's shape (activations, loss, η) whose weights and biases (and,
with --data, inputs and targets) are drawn from the seed, rounded to two decimals so the
numbers can be worked by hand. Its sheet opens with a name and marks line, gives the network
and lists every step in order: an asked one with its formula, an answer grid of the value's
shape (a 2×2 box grid for a 2×2 matrix, the shape in the margin) and room for working; the
others worked out (they are what a student needs on the way). Its answer key is the worked
solution of `bpdebug explain` for that network, with the computational graph (one picture for
every variant: they share a shape). The same seed gives the same files, byte for byte.
"""

from __future__ import annotations

import html

import numpy as np

from .engine import Network, Step, Trace, build_trace
from .engine.quiz import QUIZZABLE
from .explain import BLANK_CSS, explain_html, explain_latex, explain_markdown
from .graph import GraphvizMissing, render, to_dot
from .handout import Html, Latex, Markdown, Writer, given, network_words, step_heading, worked
from .netfile import network_to_document
from .notation import DIGITS, latex, mathml
from .notation.boxes import Box
from .notation.numbers import as_rows
from .notation.prose import Prose
from .validate import DEFAULT_LIMITS, network_from_document

SHEET_SUFFIX = {"markdown": ".md", "latex": ".tex", "html": ".html"}
GRAPH_FILE = {"markdown": ("exam-graph.svg", "svg"), "latex": ("exam-graph.pdf", "pdf")}
GRID_MAX = (12, 8)  # an answer grid of up to this many rows and columns; a larger value gets a box
ANSWER = "Answer"  # each asked step's grid follows a line that starts so
GRID_CSS = (
    "table.answer{border-collapse:collapse;margin:0.4em 0}"
    "table.answer td{border:1px solid #000;width:6.5em;height:2em}"
    "table.answer th{font-weight:normal;color:#777;font-size:80%;padding:0 0.4em}"
    ".shape{float:right;color:#555}.working{border:1px dashed #999;min-height:7em;"
    "margin:0.4em 0 1em;padding:0.3em;color:#777}.marks{margin:1em 0 2em}"
)
INSTRUCTIONS = (
    "Compute every value that has an answer grid, in order, for one gradient-descent iteration "
    "(to 4 significant digits), one number to a box; the shape of each value is in the margin. "
    "Vectors are columns; a batch has one column per example; ∂L/∂W and ∂L/∂b are means over "
    "the batch. Use the space under each grid for your working."
)
LATER = "(follows from the answers above: not asked)"


def variant_network(net: Network, seed: int, k: int, data: bool) -> Network:
    """Variant k of the seed: NET's shape, its parameters (and data) drawn anew, validated
    by the loader's own rules."""
    rng = np.random.default_rng([seed, k])
    doc = network_to_document(net)
    doc["name"] = f"{net.name or 'network'}, variant {k + 1}"
    for layer in doc["layers"]:
        n_out, n_in = np.shape(layer["W"])
        layer["W"] = rng.normal(0.0, 0.6, (n_out, n_in)).round(2).tolist()
        layer["b"] = rng.normal(0.0, 0.3, n_out).round(2).tolist()
    if data:
        x = np.asarray(doc["data"]["x"], dtype=float)
        doc["data"]["x"] = rng.uniform(-1, 1, x.shape).round(2).tolist()
        doc["data"]["y"] = _targets(net, rng, np.asarray(doc["data"]["y"]).shape).tolist()
    return network_from_document(doc, f"variant {k + 1}", DEFAULT_LIMITS)


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


def grid_shape(step: Step) -> tuple[int, int]:
    """The rows and columns of the value as the notation writes it (a vector is a column)."""
    rows, cols = as_rows(step.value).shape
    return int(rows), int(cols)


def answer_grid(writer: Writer, lhs: Box, step: Step) -> list[str]:
    """The asked value's left-hand side, a grid of its rows and columns, its shape in the
    margin, and room for working."""
    n, m = grid_shape(step)
    shape = step.shape_text
    fits = n <= GRID_MAX[0] and m <= GRID_MAX[1]
    if isinstance(writer, Latex):
        return _latex_grid(lhs, n, m, shape, fits)
    if isinstance(writer, Html):
        return _html_grid(lhs, n, m, shape, fits)
    return _markdown_grid(lhs, n, m, shape, fits)


def _latex_grid(lhs: Box, n: int, m: int, shape: str, fits: bool) -> list[str]:
    size = shape.replace("×", r"\(\times\)")
    lhs_tex = rf"\(\displaystyle {latex(lhs)} =\)"
    head = [rf"\noindent\textbf{{{ANSWER}}} {lhs_tex}\marginpar{{\small {size}}}", ""]
    if not fits:
        box = rf"\fbox{{\parbox[c][2cm][c]{{0.8\linewidth}}{{\centering a {size} matrix: "
        return [*head, box + r"write it on a separate sheet}}", "", *_latex_working()]
    width = min(2.4, 14.0 / m)
    columns = "|" + "|".join([f"p{{{width:.2f}cm}}"] * m) + "|"
    rows = [" & ".join([""] * m) + r" \\[1.2em]\hline" for _ in range(n)]
    grid = [r"\par\noindent\begin{tabular}{" + columns + r"}\hline", *rows, r"\end{tabular}"]
    return [*head, *grid, "", *_latex_working()]


def _latex_working() -> list[str]:
    return [r"\par\smallskip\noindent{\small\itshape Working:}\par\vspace{2.6cm}", ""]


def _html_grid(lhs: Box, n: int, m: int, shape: str, fits: bool) -> list[str]:
    inline = mathml(lhs).replace('display="block"', 'display="inline" displaystyle="true"')
    size = html.escape(shape)
    head = f'<p><span class="shape">{size}</span><strong>{ANSWER}</strong> {inline} =</p>'
    if not fits:
        grid = f'<div class="working">a {size} matrix: write it on a separate sheet</div>'
    else:
        header = "<tr><th></th>" + "".join(f"<th>{j}</th>" for j in range(m)) + "</tr>"
        body = "".join(f"<tr><th>{i}</th>" + "<td></td>" * m + "</tr>" for i in range(n))
        grid = f'<table class="answer">{header if m > 1 else ""}{body}</table>'
    return [head, grid, '<div class="working">Working:</div>']


def _markdown_grid(lhs: Box, n: int, m: int, shape: str, fits: bool) -> list[str]:
    head = [f"**{ANSWER}** ${latex(lhs)}$ = (shape {shape})", ""]
    if not fits:
        return [*head, f"*(a {shape} matrix: write it on a separate sheet)*", ""]
    header = "|   | " + " | ".join(str(j) for j in range(m)) + " |"
    rule = "|---|" + "|".join(["-------"] * m) + "|"
    rows = [f"| {i} | " + " | ".join(["     "] * m) + " |" for i in range(n)]
    return [*head, header, rule, *rows, "", "*Working:*", "", "&nbsp;", "", "&nbsp;", ""]
