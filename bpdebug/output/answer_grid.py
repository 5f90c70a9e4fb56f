"""An asked value's answer grid, for exam sheets and for a quiz's worked solution with its
blanks: the left-hand side, a grid of boxes the shape of the value (a 2×2 grid for a 2×2
matrix, a column for a vector), the shape said as a shape ("shape 2 × 1") beside it, and
on an exam sheet room for working. The line and its grid are kept on one page.
"""

from __future__ import annotations

import html

from bpdebug.engine import Step
from bpdebug.notation import latex, mathml
from bpdebug.notation.boxes import Box
from bpdebug.notation.numbers import as_rows
from bpdebug.output.handout import Html, Latex, Writer

GRID_MAX = (12, 8)  # an answer grid of up to this many rows and columns; a larger value gets a box
ANSWER = "Answer"  # each asked step's grid follows a line that starts so
GRID_CSS = (
    "table.answer{border-collapse:collapse;margin:0.4em 0}"
    "table.answer td{border:1px solid #000;width:6.5em;height:2em}"
    "table.answer th{font-weight:normal;color:#777;font-size:80%;padding:0 0.4em}"
    ".answer-block{break-inside:avoid}.shape{float:right;color:#555}"
    ".working{border:1px dashed #999;min-height:7em;"
    "margin:0.4em 0 1em;padding:0.3em;color:#777}.marks{margin:1em 0 2em}"
)


def grid_shape(step: Step) -> tuple[int, int]:
    """The rows and columns of the value as the notation writes it (a vector is a column)."""
    rows, cols = as_rows(step.value).shape
    return int(rows), int(cols)


def shape_words(n: int, m: int) -> str:
    """The grid's shape as a shape, never a bare number a reader could take for a mark:
    'shape 2 × 1' (a column of two), 'one number'."""
    return "one number" if (n, m) == (1, 1) else f"shape {n} × {m}"


def answer_grid(writer: Writer, lhs: Box, step: Step, working: bool = True) -> list[str]:
    """The asked value's left-hand side, a grid of its rows and columns, its shape beside it,
    and (`working`) room for working."""
    n, m = grid_shape(step)
    fits = n <= GRID_MAX[0] and m <= GRID_MAX[1]
    if isinstance(writer, Latex):
        return _latex_grid(lhs, n, m, fits, working)
    if isinstance(writer, Html):
        return _html_grid(lhs, n, m, fits, working)
    return _markdown_grid(lhs, n, m, fits, working)


def _latex_grid(lhs: Box, n: int, m: int, fits: bool, working: bool) -> list[str]:
    """One unbreakable minipage: the Answer line (its shape at the right) and its grid."""
    size = shape_words(n, m).replace("×", r"\(\times\)")
    head = [
        r"\par\noindent\begin{minipage}{\linewidth}",
        rf"\textbf{{{ANSWER}}} \(\displaystyle {latex(lhs)} =\)\hfill{{\small {size}}}",
    ]
    if not fits:
        box = r"\par\smallskip\noindent\fbox{\parbox[c][2cm][c]{0.8\linewidth}{\centering "
        grid = [box + f"a {n}" + r" \(\times\) " + f"{m} matrix: write it on a separate sheet}}}}"]
    else:
        width = min(2.4, 14.0 / m)
        columns = "|" + "|".join([f"p{{{width:.2f}cm}}"] * m) + "|"
        rows = [" & ".join([""] * m) + r" \\[1.2em]\hline" for _ in range(n)]
        grid = [r"\par\smallskip\noindent\begin{tabular}{" + columns + r"}\hline", *rows]
        grid.append(r"\end{tabular}")
    end = [r"\end{minipage}\par\smallskip", ""]
    after = [r"\noindent{\small\itshape Working:}\par\vspace{2.6cm}", ""] if working else []
    return [*head, *grid, *end, *after]


def _html_grid(lhs: Box, n: int, m: int, fits: bool, working: bool) -> list[str]:
    inline = mathml(lhs).replace('display="block"', 'display="inline" displaystyle="true"')
    size = html.escape(shape_words(n, m))
    head = f'<p><span class="shape">{size}</span><strong>{ANSWER}</strong> {inline} =</p>'
    if not fits:
        grid = f'<div class="working">a {n} × {m} matrix: write it on a separate sheet</div>'
    else:
        header = "<tr><th></th>" + "".join(f"<th>{j}</th>" for j in range(m)) + "</tr>"
        body = "".join(f"<tr><th>{i}</th>" + "<td></td>" * m + "</tr>" for i in range(n))
        grid = f'<table class="answer">{header if m > 1 else ""}{body}</table>'
    block = f'<div class="answer-block">{head}{grid}</div>'
    return [block, '<div class="working">Working:</div>'] if working else [block]


def _markdown_grid(lhs: Box, n: int, m: int, fits: bool, working: bool) -> list[str]:
    head = [f"**{ANSWER}** ${latex(lhs)}$ = *({shape_words(n, m)})*", ""]
    if not fits:
        return [*head, f"*(a {n} × {m} matrix: write it on a separate sheet)*", ""]
    header = "|   | " + " | ".join(str(j) for j in range(m)) + " |"
    rule = "|---|" + "|".join(["-------"] * m) + "|"
    rows = [f"| {i} | " + " | ".join(["     "] * m) + " |" for i in range(n)]
    room = ["*Working:*", "", "&nbsp;", "", "&nbsp;", ""] if working else []
    return [*head, header, rule, *rows, "", *room]
