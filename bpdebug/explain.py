"""Worked solutions: one gradient-descent iteration written out for a hand-out.

`bpdebug explain NET --format markdown|latex|html` writes the network, then every step in
order with its formula, the formula with its numbers and the result, then the update. Every
formula comes from the engine's formula model through the one layout the screen uses: LaTeX
math in markdown and in the .tex document, MathML (typeset by the browser, no script) in HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import NamedTuple

from .engine import Network, Step, Trace
from .engine.plan import KIND_TITLES, param_symbol
from .graph import GraphvizMissing, render, to_dot
from .notation import DIGITS, Equation, latex, mathml, num, numbers, result, symbolic
from .notation.boxes import Box, Mo, Row, Text
from .notation.latex import escape as latex_escape
from .notation.layout import Setting as _Setting
from .notation.layout import lay, value_box
from .notation.mathml import ALIGNED_CSS
from .notation.mathml import aligned as aligned_mathml
from .report import PHASE_TITLES, describe, markdown_escape

HANDOUT_MAX = 64  # a hand-out writes matrices of up to this many entries in full


def _name_box(key: str) -> Box:
    return lay(param_symbol(key), (), _Setting()).box


def _given(net: Network, digits: int | None) -> list[tuple[str, Box]]:
    """What the iteration starts from: x, y, η and every parameter, as `symbol = value`."""
    rows: list[tuple[str, Box]] = []

    def given(key: str, value: object, label: str = "") -> None:
        box = Row((_name_box(key), Mo("="), value_box(value, digits, HANDOUT_MAX).box))
        rows.append((label, box))

    given("x", net.x, "inputs, one column per example")
    given("y", net.y, "targets, one column per example")
    given("lr", net.learning_rate, "learning rate")
    for l, layer in enumerate(net.layers, start=1):
        kept = f"kept by the update ({', '.join(sorted(layer.frozen))})" if layer.frozen else ""
        given(f"W{l}", layer.W, f"layer {l}, {layer.activation}" + (f"; {kept}" if kept else ""))
        given(f"b{l}", layer.b)
    return rows


def _step_heading(step: Step) -> str:
    where = f"layer {step.layer}, " if step.layer is not None else "the "
    return f"Step {step.index + 1} — {where}{KIND_TITLES[step.kind]}"


class Worked(NamedTuple):
    """A step as a hand-out writes it: the formula, then lhs = numbers and = result."""

    formula: Box
    lhs: Box
    relation: str
    numbers: Box
    result: Box

    def latex_lines(self) -> str:
        """The numbers and the result as two aligned lines of LaTeX math."""
        rel = latex(Mo(self.relation))
        return (
            rf"\begin{{aligned}} {latex(self.lhs)} &{rel} {latex(self.numbers)} \\ "
            rf"&= {latex(self.result)} \end{{aligned}}"
        )

    def mathml_lines(self) -> str:
        return aligned_mathml(self.lhs, self.relation, self.numbers, self.result)


def _worked(step: Step, digits: int | None, veiled: frozenset[int] = frozenset()) -> Worked:
    eq: Equation = step.equation(veiled)
    lhs = lay(eq.lhs, (), _Setting()).box
    return Worked(
        symbolic(eq),
        lhs,
        eq.relation,
        numbers(eq, digits, HANDOUT_MAX),
        result(eq, digits, HANDOUT_MAX),
    )


def _walk(
    trace: Trace,
    digits: int | None,
    phase_heading: Callable[[str], list[str]],
    step_lines: Callable[[Step, Worked], list[str]],
    veiled: frozenset[int] = frozenset(),
) -> list[str]:
    """Every step in order under its phase's heading; the operands computed by `veiled`
    steps are written `?` in the numbers of the steps after them."""
    lines: list[str] = []
    phase = None
    for step in trace.steps:
        if step.phase != phase:
            phase = step.phase
            lines += phase_heading(PHASE_TITLES[phase])
        lines += step_lines(step, _worked(step, digits, veiled))
    return lines


# ---------------------------------------------------------------- markdown


BLANK = "______________________"


def explain_markdown(
    trace: Trace, digits: int | None = DIGITS, veiled: frozenset[int] = frozenset()
) -> str:
    """The worked solution in markdown; the `veiled` steps (a quiz still asks them) are
    written as an exam sheet writes an asked step, a blank after the formula, and the numbers
    of later steps write `?` for them."""
    net = trace.network
    lines = [
        f"# Worked solution: {markdown_escape(net.name or 'network')}",
        "",
        f"{describe(net)}. One gradient-descent iteration, every value in order.",
        "",
    ]
    if trace.diagnosis():
        lines += [f"> **Warning:** {markdown_escape(trace.diagnosis())}", ""]
    lines += ["## The computational graph", "", "```dot", to_dot(trace).rstrip(), "```", ""]
    lines += ["## The network", ""]
    for label, box in _given(net, digits):
        note = f" ({label})" if label else ""
        lines.append(f"- ${latex(box)}${note}")

    def heading(title: str) -> list[str]:
        return ["", f"## {title}"]

    def step_lines(step: Step, worked: Worked) -> list[str]:
        out = ["", f"### {_step_heading(step)}", "", f"$$ {latex(worked.formula)} $$", ""]
        if step.index in veiled:
            out.append(f"${latex(worked.lhs)}$ ({step.shape_text}) = {BLANK}")
        else:
            out.append(f"$$ {worked.latex_lines()} $$")
        if step.note:
            out += ["", f"*{markdown_escape(step.note)}*"]
        return out

    lines += _walk(trace, digits, heading, step_lines, veiled)
    lines += ["", "## Result", "", _result_sentence(trace, digits, lambda s: f"${s}$", veiled)]
    return "\n".join(lines) + "\n"


def _result_sentence(
    trace: Trace,
    digits: int | None,
    math: Callable[[str], str],
    veiled: frozenset[int] = frozenset(),
) -> str:
    def loss(kind: str) -> str:
        step = trace.find(kind)
        return "?" if step.index in veiled else num(float(step.value), digits)

    before, after = loss("loss"), loss("loss_after")
    start, end = math("L = " + before), math("L' = " + after)
    return f"The loss goes from {start} to {end}."


# ---------------------------------------------------------------- LaTeX

_TEXT_SYMBOLS = {
    "e^−z": r"\(e^{-z}\)",
    "e^z": r"\(e^{z}\)",
    "σ′": r"\(\sigma'\)",
    "σ": r"\(\sigma\)",
    "η": r"\(\eta\)",
    "δ": r"\(\delta\)",
    "∂": r"\(\partial\)",
    "⊙": r"\(\odot\)",
    "ᵀ": r"\(^\top\)",
    "−": "-",
    "²": r"\(^2\)",
    "×": r"\(\times\)",
    "·": r"\(\cdot\)",
    "←": r"\(\leftarrow\)",
    "‖": r"\(\|\)",
    "α": r"\(\alpha\)",
    "Σ": r"\(\Sigma\)",
    "ⱼ": r"\(_j\)",
    "′": "'",
    "→": r"\(\to\)",
    "ᵢ": r"\(_i\)",
    "≤": r"\(\le\)",
    "—": "---",
    "…": r"\ldots{}",
}
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸ", "0123456789lL")


_SYMBOL = re.compile(
    r"⁽[⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸ]+⁾|"
    + "|".join(re.escape(s) for s in sorted(_TEXT_SYMBOLS, key=len, reverse=True))
)


def _symbol_tex(symbol: str) -> str:
    if symbol.startswith("⁽"):
        return r"\(^{(" + symbol[1:-1].translate(_SUP) + r")}\)"
    return _TEXT_SYMBOLS[symbol]


def latex_text(text: str) -> str:
    """Prose (notes, names) safe for pdflatex: its symbols as inline math, everything else
    escaped, and anything outside ASCII that is left written '?' rather than breaking the
    document."""
    out, start = [], 0
    for match in _SYMBOL.finditer(text):
        out += [latex_escape(text[start : match.start()]), _symbol_tex(match.group())]
        start = match.end()
    out.append(latex_escape(text[start:]))
    return "".join(ch if ch.isascii() else "?" for ch in "".join(out))


def latex_preamble(title: str) -> list[str]:
    """The .tex document up to \\maketitle: packages, and \\fit (shrink a display to the page)."""
    return [
        r"\documentclass{article}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{graphicx}",
        r"\setcounter{MaxMatrixCols}{64}",
        r"\allowdisplaybreaks",
        r"\newsavebox{\eqbox}",
        "% a display wider or taller than the page is shrunk to fit it",
        r"\newcommand{\fit}[1]{\par\smallskip\noindent\hfil\sbox{\eqbox}{$\displaystyle #1$}%",
        r"\ifdim\wd\eqbox>\linewidth\sbox{\eqbox}{\resizebox{\linewidth}{!}{\usebox{\eqbox}}}\fi%",
        r"\ifdim\ht\eqbox>0.4\textheight"
        r"\sbox{\eqbox}{\resizebox{!}{0.4\textheight}{\usebox{\eqbox}}}\fi%",
        r"\usebox{\eqbox}\hfil\par\smallskip}",
        rf"\title{{{latex_text(title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]


def explain_latex(trace: Trace, digits: int | None = DIGITS, graph_file: str | None = None) -> str:
    """`graph_file`: a PDF of the computational graph beside the .tex, shown at the top."""
    net = trace.network
    lines = latex_preamble(f"Worked solution: {net.name or 'network'}")
    lines += [latex_text(describe(net)) + ".", ""]
    if graph_file:
        lines += [
            r"\begin{figure}[h]\centering",
            rf"\includegraphics[width=\linewidth,height=0.3\textheight,keepaspectratio]{{{graph_file}}}",
            r"\par\small The computational graph: forward edges in blue, backward in red.",
            r"\end{figure}",
            "",
        ]
    if trace.diagnosis():
        lines += [rf"\textbf{{Warning:}} {latex_text(trace.diagnosis())}", ""]
    lines += [r"\section*{The network}"]
    for label, box in _given(net, digits):
        tag = rf" \quad \text{{{latex_escape(label)}}}" if label else ""
        lines.append(rf"\fit{{{latex(box)}{tag}}}")

    def heading(title: str) -> list[str]:
        return ["", rf"\section*{{{title}}}"]

    def step_lines(step: Step, worked: Worked) -> list[str]:
        out = [
            rf"\subsection*{{{latex_text(_step_heading(step))}}}",
            rf"\fit{{{latex(worked.formula)}}}",
            rf"\fit{{{worked.latex_lines()}}}",
        ]
        if step.note:
            out.append(rf"\emph{{{latex_text(step.note)}}}")
        return out

    lines += _walk(trace, digits, heading, step_lines)
    lines += [
        "",
        r"\section*{Result}",
        _result_sentence(trace, digits, lambda s: rf"\({s}\)"),
        "",
        r"\end{document}",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- HTML


def html_head(title: str, css: str = "") -> list[str]:
    """The page up to its <h1>: its title and the style every hand-out shares."""
    e = html.escape
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:serif;max-width:60em;margin:2em auto;padding:0 1.5em;"
        "line-height:1.4}math[display=block]{margin:0.6em 0;overflow-x:auto}"
        f".note{{color:#555;font-style:italic}}.warning{{color:#a00}}{ALIGNED_CSS}{css}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
    ]


def explain_html(trace: Trace, digits: int | None = DIGITS) -> str:
    net = trace.network
    e = html.escape
    parts = [
        *html_head(f"Worked solution: {net.name or 'network'}", GRAPH_CSS),
        f"<p>{e(describe(net))}. One gradient-descent iteration, every value in order.</p>",
    ]
    if trace.diagnosis():
        parts.append(f'<p class="warning"><strong>Warning:</strong> {e(trace.diagnosis())}</p>')
    parts += ["<h2>The computational graph</h2>", _graph_html(trace)]
    parts += ["<h2>The network</h2>"]
    for label, box in _given(net, digits):
        parts.append(mathml(Row((box, Mo(","), Text(label))) if label else box))

    def heading(title: str) -> list[str]:
        return [f"<h2>{e(title)}</h2>"]

    def step_lines(step: Step, worked: Worked) -> list[str]:
        out = [f"<h3>{e(_step_heading(step))}</h3>", mathml(worked.formula)]
        out.append(worked.mathml_lines())
        if step.note:
            out.append(f'<p class="note">{e(step.note)}</p>')
        return out

    parts += _walk(trace, digits, heading, step_lines)
    parts += [
        "<h2>Result</h2>",
        "<p>" + _result_sentence(trace, digits, lambda s: e(s.replace("'", "′"))) + "</p>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


GRAPH_CSS = ".graph{margin:1em 0}.graph svg{max-width:100%;height:auto}"


def _graph_html(trace: Trace) -> str:
    """The graph laid out by Graphviz, inline; without Graphviz, its DOT to lay out."""
    dot = to_dot(trace)
    try:
        svg = render(dot, "svg").decode()
    except (GraphvizMissing, RuntimeError) as exc:
        return (
            f'<p class="note">{html.escape(str(exc))}: the graph as DOT, for any Graphviz '
            f"viewer:</p>\n<pre>{html.escape(dot)}</pre>"
        )
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE inside the page
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return f'<figure class="graph">{svg.strip()}</figure>'


FORMATS: dict[str, Callable[..., str]] = {
    "markdown": explain_markdown,
    "latex": explain_latex,
    "html": explain_html,
}
