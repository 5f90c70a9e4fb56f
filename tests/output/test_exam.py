"""Exam sheets a class can write on, and the README's teacher examples run as written.

A sheet has a name and marks line, an answer grid the shape of each asked value (read back
from the .tex, the markdown table and the HTML table), the shape in the margin, room for
working; its key is the variant's worked solution with the graph.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from command_line import bpdebug
from paths import ROOT
from pdflatex import needs_pdflatex, pdflatex

from bpdebug.engine import build_trace
from bpdebug.engine.grading import QUIZZABLE, grade
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.notation.parse import matrix
from bpdebug.output.answer_grid import GRID_MAX, grid_shape, shape_words
from bpdebug.output.exam import exam_files, variant_network

README = ROOT / "README.md"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return bpdebug(*args, cwd=cwd, timeout=300)


def asked_shapes(name: str, k: int, kinds: set[str]) -> list[tuple[tuple[int, int], str]]:
    """The grid shape and the shape said beside it of each asked step of variant k."""
    trace = build_trace(variant_network(load_network(sample_path(name)), 0, k, False))
    return [(grid_shape(s), shape_words(*grid_shape(s))) for s in trace.steps if s.kind in kinds]


def latex_grids(tex: str) -> list[tuple[tuple[int, int], str]]:
    """Each answer grid of a .tex sheet: (rows, columns) of its tabular and the shape said
    at the right of its Answer line, both inside one minipage (kept on one page)."""
    out = []
    for block in tex.split(r"\textbf{Answer}")[1:]:
        block = block.split(r"\end{minipage}")[0]
        shape = re.search(r"\\hfill\{\\small (.*?)\}\n", block)[1]  # type: ignore[index]
        shape = shape.replace(r"\(\times\)", "×")
        table = re.search(r"\\begin\{tabular\}\{(.*?)\}\\hline\n(.*?)\\end\{tabular\}", block, re.S)
        assert table, block[:300]
        columns = table[1].count("p{")
        rows = table[2].count(r"\\[1.2em]\hline")
        cells = {row.count("&") + 1 for row in table[2].strip().splitlines()}
        assert cells == {columns}, "a row with another number of boxes"
        out.append(((rows, columns), shape))
    return out


@needs_pdflatex
@pytest.mark.parametrize(
    ("name", "kinds"), [("softmax_classifier", None), ("two_layer", "backward")]
)
def test_latex_sheets_compile_and_each_grid_has_its_values_rows_and_columns(
    name: str, kinds: str | None, tmp_path: Path
) -> None:
    """Two variants of two exams compiled with pdflatex, no Overfull box; parsed from the
    .tex, each asked step has a grid of its value's rows and columns (softmax's 5×6 z⁽¹⁾, a
    column of 2 for δ⁽²⁾, one box for L) with the shape in the margin; the marks line counts
    the asked steps. The PDF pages were looked at."""
    args = ["exam", name, "--variants", "2", "--format", "latex", "-o", str(tmp_path)]
    assert run(*args, *(["--kinds", kinds] if kinds else [])).returncode == 0
    asked = set(QUIZZABLE) if kinds is None else {"dL_da", "dact", "delta", "dW", "db"}
    for k in (1, 2):
        tex = (tmp_path / f"exam-{k}.tex").read_text()
        grids = latex_grids(tex)
        assert grids == asked_shapes(name, k - 1, asked)
        assert f"Marks: \\underline{{\\hspace{{1.5cm}}}} / {len(grids)}" in tex and "Name:" in tex
        assert tex.count("Working:") == len(grids)
        for sheet in (f"exam-{k}.tex", f"exam-{k}-key.tex"):
            proc = pdflatex(tmp_path, sheet)
            assert proc.returncode == 0, proc.stdout[-1500:]
            assert "Overfull" not in (tmp_path / sheet.replace(".tex", ".log")).read_text()


@needs_pdflatex
def test_each_asked_step_is_on_one_page_and_its_shape_is_a_shape(tmp_path: Path) -> None:
    """two_layer, 2 variants, seed 1 (where "Answer δ⁽²⁾ =" sat at the foot of page 3 and
    its grid on page 4): the Answer line and its grid are one minipage, and in the PDF
    (pdftotext page by page) every step's heading is on the page of its Answer line; the
    shape beside it reads "shape 2 × 1", never a bare 2 beside the marks line's "/ 19"."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    args = ["exam", "two_layer", "--variants", "2", "--seed", "1", "--format", "latex"]
    assert run(*args, "-o", str(tmp_path)).returncode == 0
    tex = (tmp_path / "exam-1.tex").read_text()
    together = r"\begin{minipage}{\linewidth}" + "\n" + r"\textbf{Answer}"
    assert tex.count(together) == tex.count(r"\textbf{Answer}") == 19
    assert pdflatex(tmp_path, "exam-1.tex").returncode == 0
    pages = int(re.search(r"Pages:\s+(\d+)", run_tool("pdfinfo", tmp_path / "exam-1.pdf"))[1])  # type: ignore[index]
    where: dict[str, list[int]] = {}
    for page in range(1, pages + 1):
        text = run_tool("pdftotext", "-f", str(page), "-l", str(page), tmp_path / "exam-1.pdf", "-")
        for k in re.findall(r"Step (\d+) —", text):
            where.setdefault(k, []).append(page)
        where.setdefault("Answer", []).extend([page] * text.count("Answer"))
        if page == 1:
            assert "/ 19" in text
    headings = sorted((int(k), p[0]) for k, p in where.items() if k != "Answer")
    asked = [p for k, p in headings if k <= 19]  # every step but L′ is asked by default
    assert asked == where["Answer"], (headings, where["Answer"])
    assert "shape 2 × 1" in run_tool("pdftotext", tmp_path / "exam-1.pdf", "-")


def run_tool(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True).stdout


def test_markdown_and_html_grids_have_the_values_shape(tmp_path: Path) -> None:
    """xor, δ asked: a markdown table of 4 columns and 1 row for δ⁽²⁾ (1×4), 3 rows for δ⁽¹⁾;
    the HTML sheet the same as <table class="answer">."""
    files = exam_files(load_network(sample_path("xor")), 1, 0, frozenset({"delta"}), "markdown")
    sheet = str(files["exam-1.md"])
    tables = re.findall(r"\*\*Answer\*\* .*? = \*\((.*?)\)\*\n\n((?:\|.*\n)+)", sheet)
    assert [shape for shape, _ in tables] == ["shape 1 × 4", "shape 3 × 4"]
    for (_, table), rows in zip(tables, (1, 3), strict=True):
        lines = table.strip().splitlines()
        assert len(lines) == 2 + rows and all(line.count("|") == 4 + 2 for line in lines)
    page = str(
        exam_files(load_network(sample_path("xor")), 1, 0, frozenset({"delta"}), "html")[
            "exam-1.html"
        ]
    )
    grids = re.findall(r'<table class="answer">(.*?)</table>', page)
    rows = [[r for r in g.split("</tr>") if "<td>" in r] for g in grids]
    assert [len(r) for r in rows] == [1, 3]
    assert {r.count("<td></td>") for rs in rows for r in rs} == {4}
    assert page.count('class="working"') == 2 and "Marks:" in page and "Name:" in page


def test_a_value_too_large_for_a_grid_gets_a_box_of_its_own() -> None:
    files = exam_files(load_network(sample_path("wide")), 1, 0, frozenset({"dW"}), "markdown")
    sheet = str(files["exam-1.md"])
    assert GRID_MAX == (12, 8)
    assert "*(a 32 × 64 matrix: write it on a separate sheet)*" in sheet  # W⁽¹⁾ of 64 inputs
    assert "*(shape 10 × 32)*" in sheet  # ∂L/∂W⁽²⁾: 32 columns, a box too


@needs_dot
def test_the_keys_carry_the_graph(tmp_path: Path) -> None:
    assert (
        run(
            "exam", "two_layer", "--variants", "2", "--format", "latex", "-o", str(tmp_path)
        ).returncode
        == 0
    )
    assert (tmp_path / "exam-graph.pdf").read_bytes()[:4] == b"%PDF"
    for k in (1, 2):
        assert r"\fitgraphic{exam-graph.pdf}" in (tmp_path / f"exam-{k}-key.tex").read_text()
        assert r"\fitgraphic{" not in (tmp_path / f"exam-{k}.tex").read_text()  # not the sheet
    md = tmp_path / "md"
    assert run("exam", "two_layer", "-o", str(md)).returncode == 0
    assert "](exam-graph.svg)" in (md / "exam-1-key.md").read_text()
    assert "<svg" in (md / "exam-graph.svg").read_text()


def test_exam_makes_its_folder_and_refuses_a_file_in_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "term" / "week 3" / "sheets"
    proc = run("exam", "two_layer", "-o", str(deep))
    assert proc.returncode == 0, proc.stderr
    assert (deep / "exam-1.md").exists() and f"to {deep}" in proc.stdout
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    proc = run("exam", "two_layer", "-o", str(taken))
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        f"bpdebug exam: {taken}: a file is there, not a folder"
    ]
    assert taken.read_text() == "mine"


# ---------------------------------------------------------------- the README's examples


def readme_blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README.read_text(), re.S)


def test_the_readme_grade_example_grades_as_it_says(tmp_path: Path) -> None:
    """The answers.toml the README shows, graded at the default tolerance, prints exactly the
    output the README shows (three right, the forgotten σ′ named)."""
    (answers,) = [b for b in readme_blocks("toml") if b.startswith("# answers.toml")]
    (shown,) = [b for b in readme_blocks("text") if b.startswith("$ bpdebug grade")]
    command, *expected = shown.splitlines()
    (tmp_path / "answers.toml").write_text(answers)
    proc = run(*shlex.split(command)[2:], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == expected


def test_the_readme_quiz_session_answers_are_right_at_the_default_tolerance() -> None:
    """The session the README walks through (`bpdebug quiz two_layer --kinds backward`): its
    typed answers for ∂L/∂a⁽²⁾, σ′(z⁽²⁾) and δ⁽²⁾ are right at the default 1e-3, and typing
    ∂L/∂a⁽²⁾ again for δ⁽²⁾ is the mistake it names."""
    session = re.search(r"A session: (.*?)\n\n", README.read_text(), re.S)[1]  # type: ignore[index]
    typed = re.findall(r"`(-?\d[\d.]*; -?\d[\d.]*)`", session)
    assert len(typed) == 3
    trace = build_trace(load_network(sample_path("two_layer")))
    steps = [trace.find("dL_da", 2), trace.find("dact", 2), trace.find("delta", 2)]
    for answer, step in zip(typed, steps, strict=True):
        value = matrix(answer).reshape(step.shape)
        assert grade(trace, step, value).right, (answer, step.symbol)
    again = matrix(typed[0]).reshape(steps[2].shape)
    result = grade(trace, steps[2], again)
    assert not result.right and "forgot σ′" in [m.title for m in result.mistakes]
    assert "forgot σ′" in session


HEADLESS = ("exam", "grade", "snapshot", "graph", "train", "compare", "trace", "check", "explain")


def test_every_headless_command_in_the_readme_runs(tmp_path: Path) -> None:
    """Every `bpdebug` line of the README's shell blocks that needs no terminal or server
    (exam, grade, snapshot, graph, train, compare), run in order in a fresh folder: each
    exits 0 (or 1 where the README says so: a run that diverges) and writes what it names
    (sheets/ is made by exam itself)."""
    (tmp_path / "answers.toml").write_text(
        [b for b in readme_blocks("toml") if b.startswith("# answers.toml")][0]
    )
    lines = [line.split("  #")[0].strip() for b in readme_blocks("sh") for line in b.splitlines()]
    commands = [
        line for line in lines if line.startswith("bpdebug ") and line.split()[1] in HEADLESS
    ]
    assert len(commands) >= 9
    for line in commands:
        words = shlex.split(line)
        out = None
        if ">" in words:  # bpdebug graph two_layer > two_layer.dot
            out, words = words[words.index(">") + 1], words[: words.index(">")]
        proc = run(*words[1:], cwd=tmp_path)
        # the README's second run diverges at η = 0.2 and says so: status 1, its log written
        diverged = proc.returncode == 1 and "stopped: the loss diverges" in proc.stderr
        assert proc.returncode == 0 or (diverged and words[1] == "train"), (line, proc.stderr)
        if out:
            (tmp_path / out).write_text(proc.stdout)
    assert len(list((tmp_path / "sheets").glob("exam-*-key.tex"))) == 30
    written = ("delta1.svg", "light.svg", "two_layer.dot", "deep-trained.toml", "deep-eta02.csv")
    for name in written:
        assert (tmp_path / name).stat().st_size > 0, name
    if shutil.which("dot"):
        assert "<svg" in (tmp_path / "step13.svg").read_text()
    assert np.isfinite(float((tmp_path / "deep.csv").read_text().splitlines()[-1].split(",")[1]))
