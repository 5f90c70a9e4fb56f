"""What every hand-out shares (worked solutions and exam sheets): the three writers, one per
format, that turn headings, prose, formulas and worked steps into markdown, LaTeX or HTML.

A hand-out is written once, as calls on a writer (heading, paragraph, display, worked …), so
the three formats cannot say different things. Prose is words with formulas in it
(notation/prose.py): markdown and LaTeX write its formulas as LaTeX math, HTML as MathML.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

from bpdebug.engine import Network, Step
from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.engine.losses import LOSSES
from bpdebug.engine.optimizers import plain
from bpdebug.engine.vocabulary import KIND_TITLES, param_symbol
from bpdebug.notation import Equation, latex, mathml, num, numbers, result, symbolic
from bpdebug.notation.boxes import Box, Mo, Row, Text
from bpdebug.notation.latex import escape as latex_escape
from bpdebug.notation.layout import Setting, lay, value_box
from bpdebug.notation.mathml import ALIGNED_CSS
from bpdebug.notation.mathml import aligned as aligned_mathml
from bpdebug.notation.mathml import display as display_mathml
from bpdebug.notation.prose import Math, Prose
from bpdebug.output.graph import GraphvizMissing, render
from bpdebug.output.report import markdown_escape

HANDOUT_MAX = 64  # a hand-out writes matrices of up to this many entries in full


def network_words(net: Network, article: str = "a") -> Prose:
    """'a 2-2-2 network (sigmoid, then sigmoid), quadratic loss, learning rate η = 0.5,
    one example': the network in words."""
    sizes = "-".join(str(n) for n in net.sizes)
    acts = ", then ".join(ACTIVATIONS[la.activation].words for la in net.layers)
    m = net.batch_size
    examples = "one example" if m == 1 else f"a batch of {m} examples"
    trained = "" if plain(net.optimizer) else f", trained with {optimizer_words(net)}"
    return Prose(
        f"{article} {sizes} network ({acts}), {LOSSES[net.loss].words} loss, learning rate ",
        Math(f"η = {num(net.learning_rate)}"),
        f"{trained}, {examples}",
    )


OPTIMIZER_WORDS = {"sgd": "SGD", "nesterov": "Nesterov momentum", "rmsprop": "RMSProp"}
OPTIMIZER_WORDS.update({"adam": "Adam", "adamw": "AdamW"})


def optimizer_words(net: Network) -> str:
    """'Nesterov momentum': the optimizer as the texts name it."""
    name = net.optimizer.name if net.optimizer is not None else "sgd"
    return OPTIMIZER_WORDS.get(name, name)


def name_box(key: str) -> Box:
    return lay(param_symbol(key), (), Setting()).box


def given(net: Network, digits: int | None) -> list[tuple[str, Box]]:
    """What the iteration starts from: x, y, η and every parameter, as `symbol = value`."""
    rows: list[tuple[str, Box]] = []

    def add(key: str, value: object, label: str = "") -> None:
        box = Row((name_box(key), Mo("="), value_box(value, digits, HANDOUT_MAX).box))
        rows.append((label, box))

    add("x", net.x, "inputs, one column per example")
    add("y", net.y, "targets, one column per example")
    add("lr", net.learning_rate, "learning rate")
    for l, layer in enumerate(net.layers, start=1):
        act = ACTIVATIONS[layer.activation].words
        kept = "frozen: the update keeps it"
        add(f"W{l}", layer.W, f"layer {l}, {act}" + (f"; {kept}" if "W" in layer.frozen else ""))
        add(f"b{l}", layer.b, kept if "b" in layer.frozen else "")
    return rows


def step_heading(step: Step) -> str:
    where = f"layer {step.layer}, " if step.layer is not None else "the "
    return f"Step {step.index + 1} — {where}{KIND_TITLES[step.kind]}"


class Worked(NamedTuple):
    """A step as a hand-out writes it: the formula, then lhs = numbers and = result (or,
    where the formula is words, lhs = result alone: each sentence once)."""

    formula: Box
    lhs: Box
    relation: str
    numbers: Box | None
    result: Box


def worked(step: Step, digits: int | None, veiled: frozenset[int] = frozenset()) -> Worked:
    """The step's formula and numbers; operands computed by `veiled` steps written `?`."""
    eq: Equation = step.equation(veiled)
    lhs = lay(eq.lhs, (), Setting()).box
    written = numbers(eq, digits, HANDOUT_MAX)
    return Worked(
        symbolic(eq),
        lhs,
        eq.relation,
        None if isinstance(written, Text) else written,  # L′ = the loss of …: said once
        result(eq, digits, HANDOUT_MAX),
    )


class Once:
    """Notes written once in a document: a note repeated by a later step is left out."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, note: str) -> str:
        if not note or note in self.seen:
            return ""
        self.seen.add(note)
        return note


# ---------------------------------------------------------------- prose in each format


def prose_markdown(p: str) -> str:
    if not isinstance(p, Prose):
        return markdown_escape(p)
    return "".join(
        markdown_escape(part) if isinstance(part, str) else f"${latex(part)}$" for part in p.parts
    )


def prose_latex(p: str) -> str:
    if not isinstance(p, Prose):
        return latex_text(p)
    return "".join(
        latex_text(part) if isinstance(part, str) else rf"\({latex(part)}\)" for part in p.parts
    )


def prose_html(p: str) -> str:
    if not isinstance(p, Prose):
        return html.escape(p)
    return "".join(
        html.escape(part) if isinstance(part, str) else mathml(part, display=False)
        for part in p.parts
    )


_TEXT_SYMBOLS = {
    "e^−z": r"\(e^{-z}\)",
    "e^z": r"\(e^{z}\)",
    "σ′": r"\(\sigma'\)",
    "σ": r"\(\sigma\)",
    "η": r"\(\eta\)",
    "δ": r"\(\delta\)",
    "∂": r"\(\partial\)",
    "⊙": r"\(\odot\)",
    "⊘": r"\(\oslash\)",
    "ᵀ": r"\(^\top\)",
    "−": r"\(-\)",
    "²": r"\(^2\)",
    "×": r"\(\times\)",
    "·": r"\(\cdot\)",
    "←": r"\(\leftarrow\)",
    "‖": r"\(\|\)",
    "α": r"\(\alpha\)",
    "λ": r"\(\lambda\)",
    "θ": r"\(\theta\)",
    "Σ": r"\(\Sigma\)",
    "ⱼ": r"\(_j\)",
    "′": "'",
    "→": r"\(\to\)",
    "ᵢ": r"\(_i\)",
    "≤": r"\(\le\)",
    "—": "---",
    "…": r"\ldots{}",
    "✓": r"\checkmark{}",
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
    """Words (a heading, a name from a file, a note without formulas) safe for pdflatex:
    their symbols as inline math, everything else escaped, and anything outside ASCII that
    is left written '?' rather than breaking the document."""
    out, start = [], 0
    for match in _SYMBOL.finditer(text):
        out += [latex_escape(text[start : match.start()]), _symbol_tex(match.group())]
        start = match.end()
    out.append(latex_escape(text[start:]))
    return "".join(ch if ch.isascii() else "?" for ch in "".join(out))


# ---------------------------------------------------------------- the writers


class Markdown:
    """Markdown with LaTeX math ($…$ and $$ … $$), as GitHub and most renderers show it."""

    suffix = ".md"

    def begin(self, title: str) -> list[str]:
        return [f"# {markdown_escape(title)}", ""]

    def end(self) -> list[str]:
        return []

    def heading(self, level: int, text: str) -> list[str]:
        return ["#" * level + " " + text, ""]

    def paragraph(self, p: str, note: bool = False) -> list[str]:
        return [("> " if note else "") + prose_markdown(p), ""]

    def warning(self, text: str) -> list[str]:
        return [f"> **Warning:** {markdown_escape(text)}", ""]

    def display(self, box: Box) -> list[str]:
        return [f"$$ {latex(box)} $$", ""]

    def worked(self, w: Worked) -> list[str]:
        return [f"$$ {aligned_latex(w)} $$", ""]

    def given(self, rows: list[tuple[str, Box]]) -> list[str]:
        items = [f"- ${latex(box)}$" + (f" ({label})" if label else "") for label, box in rows]
        return [*items, ""]

    def image(self, path: str, caption: str) -> list[str]:
        return [f"![{caption}]({path})", ""]


class Latex:
    """A .tex document for plain pdflatex (texlive-latex-base), ASCII only."""

    suffix = ".tex"

    def begin(self, title: str) -> list[str]:
        return latex_preamble(title)

    def end(self) -> list[str]:
        return [r"\end{document}"]

    def heading(self, level: int, text: str) -> list[str]:
        command = {2: "section", 3: "subsection", 4: "subsubsection"}[level]
        return [rf"\{command}*{{{latex_text(text)}}}"]

    def paragraph(self, p: str, note: bool = False) -> list[str]:
        return [(r"{\small " + prose_latex(p) + "}") if note else prose_latex(p), ""]

    def warning(self, text: str) -> list[str]:
        return [rf"\textbf{{Warning:}} {latex_text(text)}", ""]

    def display(self, box: Box) -> list[str]:
        return [rf"\fit{{{latex(box)}}}"]

    def worked(self, w: Worked) -> list[str]:
        return [rf"\fit{{{aligned_latex(w)}}}"]

    def given(self, rows: list[tuple[str, Box]]) -> list[str]:
        return [
            rf"\fit{{{latex(box)}"
            + (rf" \quad \text{{{latex_escape(label)}}}" if label else "")
            + "}"
            for label, box in rows
        ]

    def image(self, path: str, caption: str) -> list[str]:
        return [
            r"\begin{figure}[htbp]\centering",
            rf"\fitgraphic{{{path}}}",
            rf"\par\small {latex_text(caption)}",
            r"\end{figure}",
            "",
        ]


class Html:
    """One page, MathML typeset by the browser with no script and no network."""

    suffix = ".html"

    def __init__(self, css: str = "") -> None:
        self.css = css

    def begin(self, title: str) -> list[str]:
        return html_head(title, GRAPH_CSS + self.css)

    def end(self) -> list[str]:
        return ["</body>", "</html>"]

    def heading(self, level: int, text: str) -> list[str]:
        return [f"<h{level}>{html.escape(text)}</h{level}>"]

    def paragraph(self, p: str, note: bool = False) -> list[str]:
        return [f'<p class="{"note" if note else "lesson"}">{prose_html(p)}</p>']

    def warning(self, text: str) -> list[str]:
        return [f'<p class="warning"><strong>Warning:</strong> {html.escape(text)}</p>']

    def display(self, box: Box) -> list[str]:
        return [display_mathml(box)]

    def worked(self, w: Worked) -> list[str]:
        if w.numbers is None:
            return [display_mathml(Row((w.lhs, Mo(w.relation), w.result)))]
        return [aligned_mathml(w.lhs, w.relation, w.numbers, w.result)]

    def given(self, rows: list[tuple[str, Box]]) -> list[str]:
        return [
            display_mathml(Row((box, Mo(","), Text(label))) if label else box)
            for label, box in rows
        ]


Writer = Markdown | Latex | Html


def aligned_latex(w: Worked) -> str:
    """The numbers and the result as two aligned lines of LaTeX math (one where the formula
    is words)."""
    if w.numbers is None:
        return f"{latex(w.lhs)} {latex(Mo(w.relation))} {latex(w.result)}"
    rel = latex(Mo(w.relation))
    return (
        rf"\begin{{aligned}} {latex(w.lhs)} &{rel} {latex(w.numbers)} \\ "
        rf"&= {latex(w.result)} \end{{aligned}}"
    )


def latex_preamble(title: str) -> list[str]:
    """The .tex document up to \\maketitle: packages, \\fit (shrink a display to the page)
    and \\fitgraphic (a figure at its own size, shrunk only to fit the page)."""
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
        "% a figure at its own size, shrunk only to fit the page (the log says the width printed)",
        r"\newcommand{\fitgraphic}[1]{\sbox{\eqbox}{\includegraphics{#1}}%",
        r"\ifdim\wd\eqbox>\linewidth\sbox{\eqbox}{\resizebox{\linewidth}{!}{\usebox{\eqbox}}}\fi%",
        r"\ifdim\ht\eqbox>0.9\textheight"
        r"\sbox{\eqbox}{\resizebox{!}{0.9\textheight}{\usebox{\eqbox}}}\fi%",
        r"\typeout{bpdebug figure #1: \the\wd\eqbox\space wide}\usebox{\eqbox}}",
        rf"\title{{{latex_text(title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]


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
        "line-height:1.4}"
        f".note{{color:#555}}.warning{{color:#a00}}{ALIGNED_CSS}{css}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
    ]


GRAPH_CSS = ".graph{margin:1em 0}.graph svg{max-width:100%;height:auto}"
GRAPH_CAPTION = "The computational graph: forward edges in blue, backward in red."


def graph_html(trace_dot: str) -> list[str]:
    """The graph laid out by Graphviz, inline; without Graphviz, its DOT to lay out."""
    try:
        svg = render(trace_dot, "svg").decode()
    except (GraphvizMissing, RuntimeError) as exc:
        return [
            f'<p class="note">{html.escape(str(exc))}: the graph as DOT, for any Graphviz '
            f"viewer:</p>",
            f"<pre>{html.escape(trace_dot)}</pre>",
        ]
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE inside the page
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return [f'<figure class="graph">{svg.strip()}</figure>']
