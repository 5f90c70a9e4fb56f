"""Worked solutions: golden files for two nets, the numbers in them, a well-formed HTML page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pdflatex import needs_pdflatex, pdflatex

from bpdebug.cli import main
from bpdebug.engine import build_trace
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.notation import latex, symbolic
from bpdebug.output.explain import FORMATS

GOLDEN = Path(__file__).parent / "explain"


@pytest.mark.parametrize("name", ["two_layer", "softmax_classifier"])
@pytest.mark.parametrize("fmt,ext", [("markdown", "md"), ("latex", "tex")])
def test_explain_matches_its_golden_file(
    name: str, fmt: str, ext: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The golden files were read through by hand; a change to them must be deliberate."""
    assert main(["explain", name, "--format", fmt]) == 0
    assert capsys.readouterr().out == (GOLDEN / f"{name}.{ext}").read_text()


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_explain_has_every_step_and_the_numbers(fmt: str) -> None:
    trace = build_trace(load_network(sample_path("two_layer")))
    text = FORMATS[fmt](trace)
    for step in trace.steps:
        assert f"Step {step.index + 1} " + ("---" if fmt == "latex" else "—") in text
        assert latex(symbolic(step.equation())) in text
    assert "L = 0.298371" in text and "L' = 0.280471" in text
    assert r"\begin{bmatrix} 0.00877135 \\ 0.00995425 \end{bmatrix}" in text  # δ⁽¹⁾, a column
    assert r"\frac{\partial L}{\partial {W}^{( 1 )}}" in text
    if fmt == "latex":
        assert text.startswith(r"\documentclass{article}") and text.rstrip().endswith(
            r"\end{document}"
        )
        assert "η" not in text and "σ" not in text  # pdflatex-safe: symbols became math


class _Strict(HTMLParser):
    """Fails on mismatched tags: a browser-free well-formedness check."""

    VOID = {"meta", "br", "link", "img", "hr", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


@pytest.mark.parametrize("name", ["two_layer", "xor", "wide"])
def test_explain_html_is_well_formed(name: str) -> None:
    trace = build_trace(load_network(sample_path(name)))
    page = FORMATS["html"](trace)
    parser = _Strict()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    assert page.count("<h3>Step ") == len(trace)
    displays = page.count('<div class="display">') + page.count('<div class="aligned">')
    assert displays >= 3 + 2 * trace.network.depth + 2 * len(trace)  # given, formula, numbers
    assert "<mi>δ</mi>" in page and "⊙</mo>" in page


def test_explain_output_never_replaces_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sheet.md"
    assert main(["explain", "xor", "--output", str(out)]) == 0
    first = out.read_text()
    assert first.startswith("# Worked solution: XOR")
    out.write_text("mine")
    assert main(["explain", "xor", "--output", str(out)]) == 2
    assert "already exists (use --force to replace it)" in capsys.readouterr().err
    assert out.read_text() == "mine"
    assert main(["explain", "xor", "--output", str(out), "--force"]) == 0
    assert out.read_text() == first


async def test_the_app_exports_a_worked_solution_and_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bpdebug.output.explain import explain_markdown
    from bpdebug.tui.app import make_app

    monkeypatch.chdir(tmp_path)
    app = make_app(load_network(sample_path("xor")))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("2", "x")
        await pilot.press("x")  # a second export never replaces the first
        await pilot.pause()
        assert (tmp_path / "xor-worked.md").read_text() == explain_markdown(app.trace, app.digits)
        assert (tmp_path / "xor-step6.svg").read_text().startswith("<svg")
        assert (tmp_path / "xor-worked-2.md").exists() and (tmp_path / "xor-step6-2.svg").exists()


@pytest.mark.parametrize("name", ["two_layer", "softmax_classifier", "leaky_bce", "wide"])
def test_latex_is_plain_ascii_for_pdflatex(name: str) -> None:
    """pdflatex stops at the first Unicode symbol it has no glyph for: none may remain."""
    text = FORMATS["latex"](build_trace(load_network(sample_path(name))))
    assert {c for c in text if not c.isascii()} == set()


@needs_pdflatex
@pytest.mark.parametrize("name", sample_names())
def test_latex_compiles(name: str, tmp_path: Path) -> None:
    tex = tmp_path / f"{name}.tex"
    tex.write_text(FORMATS["latex"](build_trace(load_network(sample_path(name)))))
    proc = pdflatex(tmp_path, tex.name)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / f"{name}.pdf").stat().st_size > 1000
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    assert "Overfull" not in log  # every display fits the page


MEASURE = """<script>
window.addEventListener("load", () => {
  const column = [...document.querySelectorAll("mtable")].find(t =>
    !t.hasAttribute("columnalign") && t.querySelectorAll("mtr").length >= 2);
  const number = document.querySelector("mn");
  document.body.setAttribute("data-column", column.getBoundingClientRect().height);
  document.body.setAttribute("data-number", number.getBoundingClientRect().height);
});
</script></body>"""


@pytest.mark.parametrize("name", ["two_layer", "xor"])
def test_the_html_hand_out_is_typeset_by_a_browser(name: str, tmp_path: Path) -> None:
    """Headless Chromium lays the MathML out as mathematics (a matrix of two rows or more
    stands taller than two numbers) and takes a screenshot, which was looked at."""
    from browser import run

    page = tmp_path / f"{name}.html"
    html = FORMATS["html"](build_trace(load_network(sample_path(name))))
    page.write_text(html.replace("</body>", MEASURE))
    dom = run(["--dump-dom", page.as_uri()], tmp_path / "profile").stdout
    heights = dict(re.findall(r'data-(column|number)="([0-9.]+)"', dom))
    assert float(heights["column"]) > 1.8 * float(heights["number"]), heights
    shot = tmp_path / f"{name}.png"
    run([f"--screenshot={shot}", "--window-size=900,1200", page.as_uri()], tmp_path / "p2")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
