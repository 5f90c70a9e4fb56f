"""Worked solutions: one gradient-descent iteration written out for a hand-out.

`bpdebug explain NET --format markdown|latex|html` writes the network, then every step in
order with its formula, the formula with its numbers and the result, then the update — in
the screen's notation, as LaTeX math in markdown and LaTeX, as Unicode text in HTML.
"""

from __future__ import annotations

import html
import re

from .engine import Network, Step, Trace
from .engine.fmt import full, inline
from .engine.trace import KIND_TITLES
from .report import PHASE_TITLES, describe

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸ⁻⁺", "0123456789lL-+")
_PLAIN = [
    ("σ′", r"\sigma'"),
    ("σ", r"\sigma"),
    ("⊙", r"\odot "),
    ("ᵀ", r"^{\top}"),
    ("η", r"\eta "),
    ("←", r"\leftarrow"),
    ("−", "-"),
    ("‖", r"\|"),
    ("½", r"\tfrac{1}{2}"),
    ("Σⱼ", r"\sum_j "),
    ("⟨", r"\langle "),
    ("⟩", r"\rangle "),
    ("×", r"\times "),
    ("δ", r"\delta "),
    ("′", "'"),
    ("ⱼ", "_j"),
    ("²", "^2"),
    ("≤", r"\le "),
    ("ᵢ", "_i"),
    ("α", r"\alpha "),
    ("·", r"\cdot "),
    ("→", r"\to "),
]
_WORDS = {
    "mean of the columns of": r"\operatorname{mean}_{\text{columns}}",
    "mean[": r"\operatorname{mean}[",
    "leaky_relu(": r"\operatorname{leaky\_relu}(",
    "softplus(": r"\operatorname{softplus}(",
    "softmax(": r"\operatorname{softmax}(",
    "identity(": r"\operatorname{identity}(",
    "relu(": r"\operatorname{relu}(",
    "tanh": r"\tanh ",
    "log ": r"\log ",
    " of the updated network": r"\text{ of the updated network}",
    "Loss(": r"\operatorname{Loss}(",
}
_NUMBERS = re.compile(r"\[([-+0-9.eE, ;naif]+)\]")


def _matrix(match: re.Match[str]) -> str:
    rows = [r.strip() for r in match.group(1).split(";")]
    if len(rows) == 1 and "," in rows[0]:  # a vector b, written as a column in the math
        rows = [v.strip() for v in rows[0].split(",")]
    body = r" \\ ".join(" & ".join(v.strip() for v in row.split(",")) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def to_latex(text: str) -> str:
    """The screen's Unicode notation as LaTeX math: z⁽¹⁾ → z^{(1)}, ∂L/∂W⁽¹⁾ → \\frac{…}{…}."""
    out = re.sub(
        r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸ⁻⁺]+)⁾", lambda m: "^{(" + m.group(1).translate(_SUP) + ")}", text
    )
    out = re.sub(r"∂L/∂([A-Za-z](?:\^\{\([^)]*\)\})?)", r"\\frac{\\partial L}{\\partial \1}", out)
    for word, latex in _WORDS.items():
        out = out.replace(word, latex)
    for symbol, latex in _PLAIN:
        out = out.replace(symbol, latex)
    out = re.sub(r"\^\{(\([^)]*\))\}\^\{\\top\}", r"^{\1\\top}", out)  # J^{(2)\top}
    return _NUMBERS.sub(_matrix, out)


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


def _latex_text(text: str) -> str:
    """Prose (notes, names) safe for pdflatex: specials escaped, symbols as inline math."""
    out = re.sub(r"([&%$#_{}])", r"\\\1", text)
    out = out.replace("~", r"\textasciitilde{}").replace("^", r"\^{}")
    out = re.sub(
        r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸ]+)⁾", lambda m: r"\(^{(" + m.group(1).translate(_SUP) + r")}\)", out
    )
    for symbol, latex in _TEXT_SYMBOLS.items():
        out = out.replace(symbol, latex)
    return out


HANDOUT_MAX = 64  # a hand-out writes matrices of up to this many entries in full


def _numbers_line(step: Step) -> str:
    rhs = step.numbers(6, HANDOUT_MAX)
    return f"{step.symbol} {step.relation} {rhs} = {inline(step.value, 6, HANDOUT_MAX)}"


def _step_heading(step: Step) -> str:
    where = f"layer {step.layer}, " if step.layer is not None else "the "
    return f"Step {step.index + 1} — {where}{KIND_TITLES[step.kind]}"


def _parameters(net: Network) -> list[tuple[str, str]]:
    rows = []
    for l, layer in enumerate(net.layers, start=1):
        frozen = f" (frozen: {', '.join(sorted(layer.frozen))})" if layer.frozen else ""
        rows.append(
            (
                f"W⁽{str(l).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}⁾",
                inline(layer.W, 6, HANDOUT_MAX) + frozen,
            )
        )
        rows.append(
            (
                f"b⁽{str(l).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}⁾",
                inline(layer.b, 6, HANDOUT_MAX),
            )
        )
    return rows


def explain_markdown(trace: Trace) -> str:
    net = trace.network
    lines = [
        f"# Worked solution: {net.name or 'network'}",
        "",
        f"{describe(net)}. One gradient-descent iteration, every value in order.",
        "",
        "## The network",
        "",
        "| layer | activation |",
        "|---|---|",
    ]
    lines += [f"| {l} | {layer.activation} |" for l, layer in enumerate(net.layers, start=1)]
    lines += [
        "",
        f"Inputs $x = {to_latex(inline(net.x, 6, HANDOUT_MAX))}$, targets "
        f"$y = {to_latex(inline(net.y, 6, HANDOUT_MAX))}$, "
        f"learning rate $\\eta = {full(net.learning_rate)}$.",
        "",
    ]
    lines += [f"- ${to_latex(name)} = {to_latex(value)}$" for name, value in _parameters(net)]
    phase = None
    for step in trace.steps:
        if step.phase != phase:
            phase = step.phase
            lines += ["", f"## {PHASE_TITLES[phase]}"]
        lines += [
            "",
            f"### {_step_heading(step)}",
            "",
            f"$$ {to_latex(step.formula)} $$",
            "",
            f"$$ {to_latex(_numbers_line(step))} $$",
        ]
        if step.note:
            lines += ["", f"*{step.note}*"]
    lines += [
        "",
        "## Result",
        "",
        f"The loss goes from $L = {full(trace.loss)}$ to $L' = {full(trace.loss_after)}$.",
    ]
    return "\n".join(lines) + "\n"


def explain_latex(trace: Trace) -> str:
    net = trace.network
    title = _latex_text(net.name or "network")
    lines = [
        r"\documentclass{article}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[utf8]{inputenc}",
        r"\setcounter{MaxMatrixCols}{64}",
        r"\allowdisplaybreaks",
        rf"\title{{Worked solution: {title}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
        _latex_text(describe(net)) + ".",
        "",
        r"\section*{The network}",
        r"\begin{itemize}",
    ]
    lines += [
        rf"\item layer {l}: {_latex_text(layer.activation)}"
        for l, layer in enumerate(net.layers, start=1)
    ]
    lines += [
        r"\end{itemize}",
        r"\[ x = "
        + to_latex(inline(net.x, 6, HANDOUT_MAX))
        + r",\quad y = "
        + to_latex(inline(net.y, 6, HANDOUT_MAX))
        + rf",\quad \eta = {full(net.learning_rate)} \]",
    ]
    lines += [rf"\[ {to_latex(name)} = {to_latex(value)} \]" for name, value in _parameters(net)]
    phase = None
    for step in trace.steps:
        if step.phase != phase:
            phase = step.phase
            lines += ["", rf"\section*{{{PHASE_TITLES[phase]}}}"]
        lines += [
            rf"\subsection*{{{_latex_text(_step_heading(step))}}}",
            rf"\[ {to_latex(step.formula)} \]",
            rf"\[ {to_latex(_numbers_line(step))} \]",
        ]
        if step.note:
            lines.append(rf"\emph{{{_latex_text(step.note)}}}")
    lines += [
        "",
        r"\section*{Result}",
        rf"The loss goes from \(L = {full(trace.loss)}\) to "
        rf"\(L' = {full(trace.loss_after)}\).",
        "",
        r"\end{document}",
    ]
    return "\n".join(lines) + "\n"


def explain_html(trace: Trace) -> str:
    net = trace.network
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>Worked solution: {e(net.name or 'network')}</title>",
        "<style>body{font-family:serif;max-width:60em;margin:2em auto;line-height:1.4}"
        ".f{font-family:'DejaVu Sans Mono',monospace;white-space:pre-wrap}"
        ".note{color:#555;font-style:italic}td,th{padding:0 1em}</style>",
        "</head>",
        "<body>",
        f"<h1>Worked solution: {e(net.name or 'network')}</h1>",
        f"<p>{e(describe(net))}. One gradient-descent iteration, every value in order.</p>",
        "<h2>The network</h2>",
        "<table>",
        "<tr><th>parameter</th><th>value</th></tr>",
    ]
    parts += [
        f'<tr><td class="f">{e(name)}</td><td class="f">{e(value)}</td></tr>'
        for name, value in _parameters(net)
    ]
    parts += [
        "</table>",
        f'<p class="f">x = {e(inline(net.x, 6, HANDOUT_MAX))}'
        f"<br>y = {e(inline(net.y, 6, HANDOUT_MAX))}"
        f"<br>η = {e(full(net.learning_rate))}</p>",
    ]
    phase = None
    for step in trace.steps:
        if step.phase != phase:
            phase = step.phase
            parts.append(f"<h2>{e(PHASE_TITLES[phase])}</h2>")
        parts += [
            f"<h3>{e(_step_heading(step))}</h3>",
            f'<p class="f">{e(step.formula)}</p>',
            f'<p class="f">{e(_numbers_line(step))}</p>',
        ]
        if step.note:
            parts.append(f'<p class="note">{e(step.note)}</p>')
    parts += [
        "<h2>Result</h2>",
        f"<p>The loss goes from L = {e(full(trace.loss))} to L′ = {e(full(trace.loss_after))}.</p>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


FORMATS = {"markdown": explain_markdown, "latex": explain_latex, "html": explain_html}
