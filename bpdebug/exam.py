"""Question sheets for a class: `bpdebug exam NET --variants N --seed S`.

Each variant is a network of NET's shape (activations, loss, η) whose weights and biases (and,
with --data, inputs and targets) are drawn from the seed, rounded to two decimals so the
numbers can be worked by hand. Its sheet gives the network and lists every step in order: the
asked ones with their formula and a blank, the others worked out (they are what a student needs
on the way). Its answer key is the worked solution of `bpdebug explain` for that network. The
same seed gives the same sheets, byte for byte.
"""

from __future__ import annotations

import html

import numpy as np

from .engine import Network, Step, Trace, build_trace
from .engine.quiz import QUIZZABLE
from .explain import (
    FORMATS,
    Worked,
    _given,
    _step_heading,
    _walk,
    html_head,
    latex_preamble,
    latex_text,
)
from .netfile import network_to_document
from .notation import DIGITS, latex, mathml
from .notation.boxes import Mo, Row, Text
from .report import describe, markdown_escape
from .validate import DEFAULT_LIMITS, network_from_document

SHEET_SUFFIX = {"markdown": ".md", "latex": ".tex", "html": ".html"}
BLANK_CSS = ".blank{display:inline-block;min-width:16em;border-bottom:1px solid #000}"
INSTRUCTIONS = (
    "Compute every value marked with a blank, in order, for one gradient-descent iteration "
    "(to 4 significant digits). Vectors are columns; a batch has one column per example; "
    "∂L/∂W and ∂L/∂b are means over the batch."
)


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
) -> dict[str, str]:
    """{file name: text}: exam-1 and exam-1-key, exam-2 … in the format's suffix."""
    suffix, files = SHEET_SUFFIX[fmt], {}
    asked = set(QUIZZABLE if kinds is None else kinds)
    for k in range(variants):
        trace = build_trace(variant_network(net, seed, k, data))
        files[f"exam-{k + 1}{suffix}"] = SHEETS[fmt](trace, asked, digits)
        files[f"exam-{k + 1}-key{suffix}"] = FORMATS[fmt](trace, digits)
    return files


def _asked(step: Step, asked: set[str]) -> bool:
    return step.kind in asked


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


LATER = "(follows from the answers above: not asked)"


def sheet_markdown(trace: Trace, asked: set[str], digits: int | None) -> str:
    net = trace.network
    later = _downstream(trace, asked)
    lines = [f"# Exam: {markdown_escape(net.name)}", "", f"{describe(net)}. {INSTRUCTIONS}", ""]
    lines += ["## The network", ""]
    lines += [
        f"- ${latex(box)}$" + (f" ({label})" if label else "") for label, box in _given(net, digits)
    ]

    def step_lines(step: Step, worked: Worked) -> list[str]:
        out = ["", f"### {_step_heading(step)}", "", f"$$ {latex(worked.formula)} $$", ""]
        if _asked(step, asked):
            return out + [f"${latex(worked.lhs)}$ ({step.shape_text}) = ______________________"]
        if step.index in later:
            return out + [f"*{LATER}*"]
        return out + [f"$$ {worked.latex_lines()} $$"]

    lines += _walk(trace, digits, lambda title: ["", f"## {title}"], step_lines)
    return "\n".join(lines) + "\n"


def sheet_latex(trace: Trace, asked: set[str], digits: int | None) -> str:
    net = trace.network
    later = _downstream(trace, asked)
    lines = latex_preamble(f"Exam: {net.name}")
    lines += [latex_text(f"{describe(net)}. {INSTRUCTIONS}"), "", r"\section*{The network}"]
    for label, box in _given(net, digits):
        tag = rf" \quad \text{{{latex_text(label)}}}" if label else ""
        lines.append(rf"\fit{{{latex(box)}{tag}}}")

    def step_lines(step: Step, worked: Worked) -> list[str]:
        out = [
            rf"\subsection*{{{latex_text(_step_heading(step))}}}",
            rf"\fit{{{latex(worked.formula)}}}",
        ]
        if _asked(step, asked):
            blank = r"\underline{\hspace{8cm}}"
            shape = latex_text(f"({step.shape_text})")
            return out + [rf"\noindent\({latex(worked.lhs)}\) {shape} \(=\) {blank}\bigskip"]
        if step.index in later:
            return out + [rf"\emph{{{latex_text(LATER)}}}"]
        return out + [rf"\fit{{{worked.latex_lines()}}}"]

    lines += _walk(trace, digits, lambda title: ["", rf"\section*{{{title}}}"], step_lines)
    return "\n".join([*lines, "", r"\end{document}"]) + "\n"


def sheet_html(trace: Trace, asked: set[str], digits: int | None) -> str:
    net, e = trace.network, html.escape
    later = _downstream(trace, asked)
    parts = html_head(f"Exam: {net.name}", BLANK_CSS)
    parts += [f"<p>{e(describe(net))}. {e(INSTRUCTIONS)}</p>", "<h2>The network</h2>"]
    for label, box in _given(net, digits):
        parts.append(mathml(Row((box, Mo(","), Text(label))) if label else box))

    def step_lines(step: Step, worked: Worked) -> list[str]:
        out = [f"<h3>{e(_step_heading(step))}</h3>", mathml(worked.formula)]
        if _asked(step, asked):
            lhs = mathml(worked.lhs).replace('display="block"', 'display="inline"')
            return out + [f'<p>{lhs} ({e(step.shape_text)}) = <span class="blank"></span></p>']
        if step.index in later:
            return out + [f'<p class="note">{e(LATER)}</p>']
        return out + [worked.mathml_lines()]

    parts += _walk(trace, digits, lambda title: [f"<h2>{e(title)}</h2>"], step_lines)
    return "\n".join([*parts, "</body>", "</html>"]) + "\n"


SHEETS = {"markdown": sheet_markdown, "latex": sheet_latex, "html": sheet_html}
