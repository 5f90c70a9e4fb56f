"""Formulas as LaTeX math: markdown hand-outs ($$ … $$) and the .tex document.

Plain ASCII, so that pdflatex needs no Unicode support.
"""

from __future__ import annotations

import re

from bpdebug.notation.boxes import (
    Apply,
    Box,
    Dots,
    Elided,
    Fenced,
    Fraction,
    Mi,
    Mn,
    Mo,
    Row,
    Subscript,
    Sup,
    Table,
    Text,
)

GREEK = {"δ": r"\delta", "σ": r"\sigma", "η": r"\eta", "α": r"\alpha", "∂": r"\partial"}
GREEK.update({"θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "β": r"\beta", "ε": r"\varepsilon"})
FUNCTIONS = {"tanh": r"\tanh", "log": r"\log", "exp": r"\exp", "√": r"\sqrt", "max": r"\max"}
# the activations' names in a formula, as the texts write them (not the file's keys)
FUNCTIONS.update({"relu": r"\operatorname{ReLU}", "leaky_relu": r"\operatorname{LeakyReLU}"})
OPERATORS = {
    "−": "-",
    "·": r"\cdot",
    "⊙": r"\odot",
    "⊘": r"\oslash",
    "←": r"\leftarrow",
    "≤": r"\le",
    "Σ": r"\sum",
    ",": r",\quad",  # between the named constants after a formula
    ", ": ",",  # inside a list: max(0, z)
    "×": r"\times",
}
FENCES = {
    "(": (r"\left(", r"\right)"),
    "[": (r"\left[", r"\right]"),
    "‖": (r"\left\|", r"\right\|"),
}
EXPONENT = re.compile(r"^(-?[0-9.]+)e([+-])0*([0-9]+)$")


DOTS = {"⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots"}


def _cell(n: Mn | Dots) -> str:
    return number(n.text) if isinstance(n, Mn) else DOTS[n.text]


def latex(box: Box) -> str:
    """The box as LaTeX math (without the $ or \\[ around it)."""
    if isinstance(box, Mi):
        return identifier(box.text)
    if isinstance(box, Mn):
        return number(box.text)
    if isinstance(box, Mo):
        return OPERATORS.get(box.text, box.text)
    if isinstance(box, Row):
        return " ".join(latex(b) for b in box.items)  # math mode ignores the spaces
    if isinstance(box, Sup):
        script = r"\top" if box.script == Mi("⊤") else latex(box.script)
        return "{" + latex(box.base) + "}^{" + script + "}"
    if isinstance(box, Subscript):
        return "{" + latex(box.base) + "}_{" + latex(box.script) + "}"
    if isinstance(box, Fraction):
        top, bottom = latex(box.num), latex(box.den)
        if box.style == "half":
            return r"\tfrac{1}{2}"
        return r"\frac{" + top + "}{" + bottom + "}"
    if isinstance(box, Fenced):
        left, right = FENCES[box.open]
        return f"{left} {latex(box.body)} {right}"
    if isinstance(box, Table):
        body = r" \\ ".join(" & ".join(_cell(n) for n in row) for row in box.rows)
        return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
    if isinstance(box, Elided):
        return r"\langle " + box.shape.replace("×", r" \times ") + r" \rangle"
    if isinstance(box, Text):
        return r"\text{" + escape(box.text) + "}"
    if isinstance(box, Apply):
        fn = latex(box.fn)
        if fn == r"\sqrt":  # a root takes its argument under its bar
            return r"\sqrt{" + latex(box.arg) + "}"
        return fn + r"\left( " + latex(box.arg) + r" \right)"
    raise TypeError(f"no LaTeX for {type(box).__name__}")


# The optimizers' symbols (engine/vocabulary.py): each as the texts set it.
SYMBOLS = {
    "β₁": r"\beta_1",
    "β₂": r"\beta_2",
    "β₁ᵗ": r"\beta_1^{t}",
    "β₂ᵗ": r"\beta_2^{t}",
    "ε": r"\varepsilon",
    "μ": r"\mu",
    "λ": r"\lambda",
    "m\u0302": r"\hat{m}",
    "v\u0302": r"\hat{v}",
    "W\u0303": r"\tilde{W}",
    "b\u0303": r"\tilde{b}",
}


def identifier(name: str) -> str:
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    if name in SYMBOLS:
        return SYMBOLS[name]
    out = "".join(GREEK.get(ch, ch) for ch in name).replace("′", "'")
    if len(name.rstrip("′")) > 1 and name not in GREEK:
        return r"\operatorname{" + out.replace("_", r"\_") + "}"
    return out


def number(text: str) -> str:
    """'1.2e-05' as 1.2 × 10⁻⁵; nan and infinities spelled as mathematicians do."""
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if text == "nan":
        return r"\mathrm{nan}"
    match = EXPONENT.match(text)
    if match:
        mantissa, sign, power = match.groups()
        return mantissa + r" \times 10^{" + ("-" if sign == "-" else "") + power + "}"
    return text


_SPECIAL = re.compile(r"[\\&%$#_{}~^]")
_ESCAPED = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def escape(words: str) -> str:
    """Text safe inside \\text{} and in prose: every LaTeX special character escaped, in one
    pass (so the braces of a \\textbackslash{} written for a backslash stay braces)."""
    return _SPECIAL.sub(lambda m: _ESCAPED.get(m.group(), "\\" + m.group()), words)
