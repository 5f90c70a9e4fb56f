"""Hand-outs read like a lesson: prose, the chain rule of one weight, typeset notes, a quiz's
veil (the steps a quiz still asks written as blanks), display-size numbers in the browser and
a graph figure that prints at 8 pt or more.

The numbers of the lesson's sentences and of the derivations are checked twice: in the model
(each arithmetic line holds at the precision shown, each factor is a number of the trace) and
read back from every format (the same numbers, in the same order, as LaTeX parsed by
latex2mathml and MathML by an XML parser say).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from latex2mathml.converter import convert
from pdflatex import needs_pdflatex, pdflatex

from bpdebug.cli import main
from bpdebug.engine import Trace, build_trace
from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.engine.chain import chain_for
from bpdebug.engine.params import ParamRef
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.notation import num, text
from bpdebug.notation.boxes import Apply, Box, Fenced, Fraction, Mn, Row, Subscript, Sup, Table
from bpdebug.notation.prose import Prose
from bpdebug.output.explain import FORMATS, explain_latex, explain_markdown
from bpdebug.output.graph import to_dot
from bpdebug.output.lesson import Lesson
from bpdebug.output.why import Derivation, default_whys, derivations

SAMPLES = sample_names()


def _trace(name: str) -> Trace:
    return build_trace(load_network(sample_path(name)))


def _digits(trace: Trace, index: int) -> list[str]:
    return [num(float(v)) for v in np.asarray(trace[index].value).reshape(-1)]


# ---------------------------------------------------------------- a quiz's veil


def test_a_veiled_step_is_an_answer_grid_and_later_numbers_write_a_question_mark() -> None:
    """two_layer with z⁽¹⁾ (step 1) veiled: its section is the exam sheets' answer grid (a
    column of two boxes, "shape 2 × 1" after the =, no underline after a bare "(2)" where
    an argument would be), and a⁽¹⁾'s numbers read
    σ(?) — 0.3775 and 0.3925 appear nowhere, not in a sentence either; without a veil
    nothing changes."""
    trace = _trace("two_layer")
    plain = explain_markdown(trace)
    assert explain_markdown(trace, veiled=frozenset()) == plain
    assert all(d in plain for d in _digits(trace, 0))
    veiled = explain_markdown(trace, veiled=frozenset({0}))
    for d in _digits(trace, 0):
        assert d not in veiled, d
    step1 = veiled.split("### Step 1 ")[1].split("### Step 2 ")[0]
    assert "**Answer** ${z}^{( 1 )}$ = *(shape 2 × 1)*" in step1  # a shape, not an argument
    assert "| 0 |       |\n| 1 |       |" in step1  # the exam sheets' grid: a column of two
    assert "____" not in veiled and "(2) =" not in veiled and "Working" not in veiled
    tex = explain_latex(trace, veiled=frozenset({0}))
    assert r"\begin{minipage}{\linewidth}" in tex and r"\hfill{\small shape 2 \(\times\) 1}" in tex
    step2 = veiled.split("### Step 2 ")[1].split("### Step 3 ")[0]
    assert r"\sigma\left( ? \right)" in step2


def test_a_veiled_gradient_takes_its_derivation_and_its_sentences_numbers_with_it() -> None:
    """δ⁽²⁾ veiled: no sentence writes one of its digits, and the derivation of W⁽²⁾[0,0],
    whose check writes δ⁽²⁾[0] · a⁽¹⁾[0], is left out (W⁽¹⁾[0,0]'s paths write none of them and
    stay). (∂L/∂b⁽²⁾, not asked, is δ⁽²⁾ itself: the quiz marks δ⁽²⁾ shown when it shows it.)"""
    trace = _trace("two_layer")
    delta = trace.find("delta", 2)
    text_ = explain_markdown(trace, veiled=frozenset({delta.index}))
    sentences = [line for line in text_.splitlines() if line and line[0] not in "$-#>`"]
    assert len(sentences) > len(trace)
    for d in _digits(trace, delta.index):
        assert not any(d in line for line in sentences), d
    assert "#### Why ∂L/∂W⁽²⁾[0,0]" not in text_ and "#### Why ∂L/∂W⁽¹⁾[0,0]" in text_


@pytest.mark.parametrize("name", ["two_layer", "xor", "leaky_bce"])
def test_no_sentence_gives_a_veiled_value_away(name: str) -> None:
    """Each step veiled alone: no sentence of the lesson writes one of its entries, unless
    another step or a parameter has that same number (∂L/∂b = δ: the quiz marks it shown).
    σ′ = a(1 − a) reads a⁽ˡ⁾, which is not an operand of the σ′ step: its sentence then goes
    without numbers too."""
    trace = _trace(name)
    net = trace.network
    params = [net.x, net.y] + [t for la in net.layers for t in (la.W, la.b)]
    for step in trace.steps:
        others = [trace.value(i) for i in range(len(trace)) if i != step.index] + params
        elsewhere = {num(float(v)) for value in others for v in np.asarray(value).flat}
        secret = set(_digits(trace, step.index)) - elsewhere - {"0", "1"}
        lesson = Lesson(trace, 6, frozenset({step.index}))
        for later in trace.steps:
            said = lesson(later)
            found = {
                d for d in secret if said and re.search(rf"(?<![\d.]){re.escape(d)}(?!\d)", said)
            }
            assert not found, (step.index, later.index, str(said))


def test_a_veiled_loss_leaves_the_result_sentence_a_question_mark() -> None:
    trace = _trace("two_layer")
    steps = frozenset({trace.find("loss").index, trace.find("loss_after").index})
    text_ = explain_markdown(trace, veiled=steps)
    terse = explain_markdown(trace, veiled=steps, terse=True)
    for doc in (text_, terse):
        assert num(trace.loss) not in doc and num(trace.loss_after) not in doc
    assert "$L' - L = ?$" in text_ and "$L = ?$" in terse and "$L' = ?$" in terse


def test_the_dot_of_a_step_writes_a_veiled_value_as_a_question_mark() -> None:
    trace = _trace("two_layer")
    assert all(d in to_dot(trace, 1) for d in _digits(trace, 0)[:1])
    dot = to_dot(trace, 1, veiled=frozenset({0}))
    assert not any(d[:5] in dot for d in _digits(trace, 0)), dot
    assert "z(1) = ?" in re.sub(r"<[^>]+>", "", dot)  # the labels' text, without their tags


# ---------------------------------------------------------------- the numbers of the prose


def boxes_of(p: Prose) -> list[Box]:
    return [part for part in p.parts if not isinstance(part, str)]


def lesson_and_derivations(trace: Trace) -> Iterator[tuple[int, str, list[Box]]]:
    """(step index, "lesson" or "why", the formulas) in document order, as the default
    worked solution writes them."""
    lesson = Lesson(trace, 6, frozenset())
    whys = derivations(trace, default_whys(trace.network), 6)
    for step in trace.steps:
        said = lesson(step)
        if said:
            yield step.index, "lesson", boxes_of(said)
        for d in whys.get(step.index, []):
            yield step.index, "why", derivation_boxes(d)


def derivation_boxes(d: Derivation) -> list[Box]:
    out: list[Box] = []
    for block in d.blocks:
        out += boxes_of(block.prose) if block.prose else [block.display]  # type: ignore[list-item]
    return out


def numbers_in(box: Box) -> list[str]:
    """The numbers a formula writes, in reading order (not its layers, indices or powers)."""
    if isinstance(box, Mn):
        return [box.text]
    if isinstance(box, Row):
        return [n for b in box.items for n in numbers_in(b)]
    if isinstance(box, Sup | Subscript):
        return numbers_in(box.base)
    if isinstance(box, Fenced):
        return numbers_in(box.body)
    if isinstance(box, Fraction):
        return numbers_in(box.num) + numbers_in(box.den)
    if isinstance(box, Apply):
        return numbers_in(box.arg)
    if isinstance(box, Table):
        return [n.text for row in box.rows for n in row]
    return []


def trace_numbers(trace: Trace) -> set[str]:
    """Every number of the trace (each step's value, every parameter, the data, η) as the
    hand-outs write it, with or without its sign, and the small whole numbers of formulas
    (1 − a, 2/n, 1/m)."""
    net = trace.network
    values = [trace.value(i) for i in range(len(trace))] + [net.x, net.y, net.learning_rate]
    values += [t for layer in net.layers for t in (layer.W, layer.b)]
    entries = [float(v) for value in values for v in np.asarray(value, dtype=float).flat]
    shown = {num(v) for v in entries} | {num(abs(v)) for v in entries}  # (a − 0.58 · …)
    return shown | {str(k) for k in range(0, 2 * max(net.sizes) + net.batch_size + 1)}


def functions_of(trace: Trace, step: int) -> dict[str, object]:
    layer = trace[step].layer or trace.network.depth
    net_layer = trace.network.layers[layer - 1]
    act, alpha = ACTIVATIONS[net_layer.activation], net_layer.alpha

    def f(fn: object) -> object:
        return lambda z: float(fn(np.array([float(z)]), alpha)[0])  # type: ignore[operator]

    names: dict[str, object] = {name: f(a.fn) for name, a in ACTIVATIONS.items() if a.elementwise}
    names["sig"] = names["sigmoid"]
    names["dact"] = lambda z: float(
        act.prime(np.array([float(z)]), act.fn(np.array([float(z)]), alpha), alpha)[0]
    )
    return names


_NUMERIC = re.compile(r"^[\d.e+\-*/() ]*$")


def arithmetic_lines(box: Box) -> Iterator[list[str]]:
    """A formula's sides that hold numbers only (after function names), as Python."""
    written = text(box).replace("·", "*").replace("−", "-").replace("σ′(", "dact(")
    written = written.replace("σ(", "sig(").replace("⊙", "*")
    sides = [s.strip() for s in written.split("=")]
    numeric = [s for s in sides if _NUMERIC.match(re.sub(r"\b[a-z_]+\(", "(", s))]
    if len(numeric) >= 2:
        yield numeric


@pytest.mark.parametrize("name", SAMPLES)
def test_each_sentence_and_derivation_computes_what_it_says(name: str) -> None:
    """Every line of arithmetic in the lesson's sentences and in the derivations holds at
    the precision written (0.15 · 0.05 + 0.2 · 0.1 + 0.35 = 0.3775; the paths of W⁽¹⁾[0,0]
    add up to its entry), and every number on the left of one is a number of the trace or
    the result of a line before it."""
    trace = _trace(name)
    known = trace_numbers(trace)
    for ref in default_whys(trace.network):  # a batch's shares: δ⁽ˡ⁾ₖ[i] · a⁽ˡ⁻¹⁾ₖ[j]
        known |= {num(v) for v in chain_for(trace, ref).per_example}
    checked = 0
    for step, _, boxes in lesson_and_derivations(trace):
        names = functions_of(trace, step)
        for box in boxes:
            for n in numbers_in(box):
                assert n == num(float(n)), f"{n} is not written at the precision"
            for sides in arithmetic_lines(box):
                values = [eval(s, {"__builtins__": {}}, names) for s in sides]  # noqa: S307
                scale = max(abs(float(v)) for s in sides for v in re.findall(r"\d[\d.e+-]*", s))
                for v in values[:-1]:
                    assert abs(v - values[-1]) <= 2e-5 * max(abs(values[-1]), scale), sides
                known |= {num(float(v)) for v in values}
                checked += 1
            assert set(numbers_in(box)) <= known, (step, text(box))
    assert checked >= trace.network.depth * 3  # a sentence with its numbers per layer at least


def written_numbers(root: ET.Element) -> list[str]:
    """The numbers a MathML tree writes, in order, without signs (as the model's), scripts
    skipped: a⁽¹⁾₀ writes none, 1.2 × 10⁻⁵ writes 1.2 and 10."""
    tag = root.tag.rsplit("}", 1)[-1]
    if tag == "mn":
        return ["".join(root.itertext()).strip().lstrip("−-")]
    kids = list(root)
    if tag in ("msup", "msub", "msubsup"):
        return written_numbers(kids[0])
    return [n for kid in kids for n in written_numbers(kid)]


def model_numbers(boxes: list[Box]) -> list[str]:
    out = []
    for box in boxes:
        for n in numbers_in(box):
            mantissa, _, power = n.lstrip("-").partition("e")
            out += [mantissa, "10"] if power else [mantissa]
    return out


def _latex_maths(section: str, inline: str, display: str) -> list[str]:
    pattern = re.escape(inline[0]) + r"(.+?)" + re.escape(inline[1])
    found = [(m.start(), m.group(1)) for m in re.finditer(pattern, section)]
    found += [(m.start(), m.group(1)) for m in re.finditer(display, section, re.S)]
    return [latex for _, latex in sorted(found)]


def prose_sections(doc: str, fmt: str) -> list[tuple[str, list[ET.Element]]]:
    """Per step, in order: ("lesson", its sentence's formulas) and ("why", a derivation's
    formulas), read back from a written document."""
    out = []
    if fmt == "html":
        for section in doc.split("<h3>Step ")[1:]:
            parts = section.split("<h4>")
            lesson = re.findall(r'<p class="lesson">(.*?)</p>', parts[0], re.S)
            if lesson:
                out.append(("lesson", _xml_maths(lesson[0])))
            for why in parts[1:]:
                why = why.split("<h2>")[0]
                out.append(("why", _xml_maths(re.sub(r'<p class="lesson">|</p>', "", why))))
        return out
    step, why, ends = (
        ("\n### Step ", "\n#### Why", "\n## ")
        if fmt == "markdown"
        else ("\\subsection*{Step ", "\\subsubsection*{Why", "\\section*{")
    )
    inline = ("$", "$") if fmt == "markdown" else ("\\(", "\\)")
    for section in doc.split(step)[1:]:
        section = section.split(ends)[0]
        head, *derivs = section.split(why)
        if fmt == "markdown":
            lesson = head.split("\n\n")[1]
            lesson = "" if lesson.startswith("$$") else lesson
        else:
            lesson = head.split("\\fit{", 1)[0].split("\n", 1)[1]
        if lesson.strip():
            maths = _latex_maths(lesson, inline, NEVER)
            out.append(("lesson", [_latex_math(m) for m in maths]))
        for d in derivs:
            display = r"\$\$ (.*?) \$\$" if fmt == "markdown" else r"\\fit\{(.*?)\}\n"
            d = re.sub(r"\$\$ .*? \$\$", lambda m: m.group(0).replace("$", "¤"), d)
            maths = _latex_maths(d, inline, display.replace(r"\$\$", "¤¤"))
            out.append(("why", [_latex_math(m) for m in maths]))
    return out


NEVER = r"(?!)"  # a pattern that matches nothing: a sentence has no displays


def _latex_math(latex: str) -> ET.Element:
    return ET.fromstring(convert(latex).replace("<mi>&</mi>", "<mi>&amp;</mi>"))


def _xml_maths(fragment: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<math.*?</math>", fragment, re.S)]


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
@pytest.mark.parametrize("name", SAMPLES)
def test_the_prose_and_derivation_numbers_read_back_from_every_format(name: str, fmt: str) -> None:
    """Read back from the document (LaTeX through latex2mathml, MathML as XML): each
    sentence and each derivation writes exactly the model's numbers, in order, at the
    precision setting — none dropped, rounded or moved."""
    trace = _trace(name)
    expected = [(kind, model_numbers(boxes)) for _, kind, boxes in lesson_and_derivations(trace)]
    written = [
        (kind, [n for m in maths for n in written_numbers(m)])
        for kind, maths in prose_sections(FORMATS[fmt](trace), fmt)
    ]
    assert written == expected


# ---------------------------------------------------------------- Mazur's derivation


MAZUR_W5 = (0.74136507, 0.186815602, 0.593269992, 0.082167041)  # ∂E/∂out, ∂out/∂net, ∂net/∂w5
MAZUR_W1 = (0.036350306, 0.241300709, 0.05, 0.000438568)  # ∂E/∂out_h1, ∂out_h1/∂net_h1, i1


def _why(name: str, ref: ParamRef) -> Derivation:
    trace = _trace(name)
    (d,) = derivations(trace, [ref], 6)[trace.find("dW", ref.layer).index]
    return d


def _displays(d: Derivation) -> list[str]:
    return [text(b.display) for b in d.blocks if b.display is not None]


def _shown(values: tuple[float, ...]) -> str:
    return " · ".join(num(v) for v in values[:-1]) + f" = {num(values[-1])}"


def test_why_on_two_layer_reproduces_mazurs_derivations_factor_by_factor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """∂L/∂w5 = ∂L/∂a⁽²⁾[0] · σ′(z⁽²⁾[0]) · a⁽¹⁾[0] = 0.741365 · 0.186816 · 0.59327 = 0.082167 and
    ∂L/∂w1 = ∂L/∂a⁽¹⁾[0] · σ′(z⁽¹⁾[0]) · x[0] = 0.0363503 · 0.241301 · 0.05 = 0.000438568, his
    published numbers (to 9 digits) at the 6 digits shown; each of w1's two paths too."""
    w5 = _displays(_why("two_layer", ParamRef("W", 2, 0, 0)))
    assert w5[1] == f"∂L/∂a⁽²⁾[0] · σ′(z⁽²⁾[0]) · a⁽¹⁾[0] = {_shown(MAZUR_W5)}"
    w1 = _displays(_why("two_layer", ParamRef("W", 1, 0, 0)))
    assert w1[-1] == f"∂L/∂W⁽¹⁾[0,0] = ∂L/∂a⁽¹⁾[0] · σ′(z⁽¹⁾[0]) · x[0] = {_shown(MAZUR_W1)}"
    # his ∂E_o1/∂out_h1 = 0.138498562 · 0.40 and ∂E_o2/∂out_h1 = −0.019049119, then · σ′ · i1
    paths = [line for line in w1 if line.startswith("∂L/∂a⁽²⁾")]
    assert paths == [
        "∂L/∂a⁽²⁾[0] · σ′(z⁽²⁾[0]) · W⁽²⁾[0,0] · σ′(z⁽¹⁾[0]) · x[0] = "
        "0.741365 · 0.186816 · 0.4 · 0.241301 · 0.05 = 0.000668396",
        "∂L/∂a⁽²⁾[1] · σ′(z⁽²⁾[1]) · W⁽²⁾[1,0] · σ′(z⁽¹⁾[0]) · x[0] = "
        "-0.217072 · 0.17551 · 0.5 · 0.241301 · 0.05 = -0.000229828",
    ]
    assert w1[-2] == "0.000668396 + (-0.000229828) = 0.000438568"
    assert main(["explain", "two_layer", "--why", "W2[0,0]", "--why", "W1[0,0]"]) == 0
    out = capsys.readouterr().out
    assert (
        out.count("#### Why") == 2 and "0.741365 \\cdot 0.186816 \\cdot 0.59327 = 0.082167" in out
    )


def test_the_mazur_sample_ends_at_his_loss_and_two_layer_says_why_it_does_not() -> None:
    mazur = _trace("mazur")
    assert num(mazur.loss_after) == "0.291028"  # his 0.291027924 at 6 significant digits
    assert f"{0.291027924:.6g}" == "0.291028" and num(mazur.loss) == num(_trace("two_layer").loss)
    assert num(_trace("two_layer").loss_after) == "0.280471"
    assert "0.291027924" in sample_path("two_layer").read_text()  # its comment says why
    from bpdebug.tui.screens.open import about

    assert "biases updated too" in about("two_layer") and "mazur" in about("two_layer")


def test_mazur_says_each_thing_once_where_it_belongs() -> None:
    """The network's "frozen" note on the b lines, not the W lines; steps 17 and 19 say
    that b⁽¹⁾ (b⁽²⁾) is frozen once, in the step's note, typeset (no ⁽¹⁾ in words); where
    the derivations of W⁽²⁾[0,0] and W⁽¹⁾[0,0] start, once each, that they are Mazur's w5
    and w1 (the sample file's `# names` comment: no sample named in the code); two_layer,
    whose file names nothing, says neither."""
    for fmt in ("markdown", "latex"):
        doc = FORMATS[fmt](_trace("mazur"))
        given = [line for line in doc.split("Forward pass")[0].splitlines() if "bmatrix" in line]
        lines = {k: next(line for line in given if k in line) for k in ("0.15", "0.35 ")}
        assert "frozen" not in lines["0.15"] and "frozen" in lines["0.35 "], fmt
        assert doc.count("frozen") == 4, fmt  # b⁽¹⁾ and b⁽²⁾: the network, the note
        assert doc.count("w5 in Mazur's post") == doc.count("w1 in Mazur's post") == 1, fmt
    steps = explain_markdown(_trace("mazur")).split("### Step ")
    for k, l in ((17, 1), (19, 2)):
        assert steps[k].count("frozen") == 1 and "⁽" not in steps[k], steps[k]
        assert f"> ${{b}}^{{( {l} )}}$ is frozen in the network file" in steps[k]
    why = explain_markdown(_trace("mazur")).split("#### Why")
    assert "(w5 in Mazur's post) affects" in why[1] and "(w1 in Mazur's post)" in why[2]
    assert "Mazur's post" not in explain_markdown(_trace("two_layer"))


def test_names_comment_is_read_from_the_file_and_a_bad_name_is_left_out(tmp_path: Path) -> None:
    from bpdebug.output.why import file_names

    net = tmp_path / "n.toml"
    text = sample_path("two_layer").read_text()
    net.write_text("# names (the book): W2[1,0] = w7, W9[0,0] = nine, b1[0] = b1\n" + text)
    named = file_names(load_network(net))
    assert named == {
        ParamRef("W", 2, 1, 0): "w7 in the book",
        ParamRef("b", 1, 0, 0): "b1 in the book",
    }
    assert file_names(_trace("two_layer").network) == {}


@pytest.mark.parametrize("name", ["two_layer", "xor", "softmax_classifier", "mazur"])
def test_the_transpose_is_explained_the_first_time_back_through_the_weights(name: str) -> None:
    """The first ∂L/∂a of a hidden layer (step 11 of two_layer) says why the transpose: δ
    carried back through the same weights as forward; it does not say "again" (the
    output's ∂L/∂a, step 6, is another thing), in every format."""
    trace = _trace(name)
    back = trace.find("dL_da", trace.network.depth - 1)
    for fmt in ("markdown", "latex", "html"):
        doc = FORMATS[fmt](trace)
        assert "transpose" in doc.lower(), fmt
        step = doc.split(f"Step {back.index + 1} ")[1].split(f"Step {back.index + 2} ")[0]
        assert "again" not in step and "the same weight as on the way forward" in step, fmt
        assert "What the transpose does" in step.replace("what the", "What the"), fmt


def test_the_update_sentence_and_the_result_say_new_things() -> None:
    """Step 16 is a sentence ("… points uphill, so a small enough step the other way lowers
    L"); the Result does not repeat step 20's L′ sentence but what the iteration changed."""
    doc = explain_markdown(_trace("two_layer"))
    steps = doc.split("### Step ")
    assert "the gradient points uphill, so a small enough step the other way lowers" in steps[16]
    assert "since for a small enough step that" not in doc
    result = doc.split("## Result")[1]
    assert "$L' = 0.280471$" in steps[20] and "0.280471" not in result
    assert "$L' - L = - 0.0178997$ (−6.0%)" in result
    terse = explain_markdown(_trace("two_layer"), terse=True).split("## Result")[1]
    assert "$L = 0.298371$ to $L' = 0.280471$" in terse


def test_the_softmax_loss_and_its_division_read_right_in_every_format() -> None:
    """softmax_classifier's loss is a mean of negated sums, not a subtraction: Σₖ (−Σⱼ …);
    its ∂L/∂a is −y ⊘ a⁽²⁾ in the formula as in the numbers line (notation/layout.py's,
    checked here in the hand-outs)."""
    trace = _trace("softmax_classifier")
    for fmt in ("latex", "markdown"):
        doc = FORMATS[fmt](trace)
        assert r"{\sum}_{k} \left( - {\sum}_{j}" in doc, fmt
        assert r"= - y \oslash {a}^{( 2 )}" in doc and r"\oslash \begin{bmatrix}" in doc, fmt
    page = FORMATS["html"](trace)
    loss = r"<mo>Σ</mo><mi>k</mi></msub><mrow><mo[^>]*>\(</mo><mrow><mo[^>]*>−</mo>"
    assert len(re.findall(loss, page)) == 2  # the formula and its numbers
    assert "⊘</mo><msup><mi>a</mi>" in page


def test_an_entrys_index_is_not_written_in_brackets_a_renderer_takes_for_math() -> None:
    doc = explain_markdown(_trace("two_layer"))
    assert r"\[" not in doc and "This is entry (0, 0) of" in doc


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("W9[0,0]", "--why W9[0,0]: there is no layer 9: this network has layers 1 to 2"),
        ("eta", "--why eta: name a weight or a bias, e.g. W1[0,0] or b1[0]"),
        ("W1[5,0]", "--why W1[5,0]:"),
        ("bogus", "--why bogus: no parameter is named"),
    ],
)
def test_a_why_that_names_no_weight_is_one_line_and_exit_2(name: str, said: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "explain", "two_layer", "--why", name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(f"bpdebug explain: {said}") and proc.stderr.count("\n") == 1


# ---------------------------------------------------------------- terse, notes, names


def test_terse_is_the_answer_key_without_sentences_or_derivations() -> None:
    trace = _trace("two_layer")
    for fmt, writer in FORMATS.items():
        full, terse = writer(trace), writer(trace, terse=True)
        assert "Why" in full and "Why" not in terse, fmt
        assert "error signal" in full and "error signal" not in terse, fmt
        assert terse.count("Step ") == full.count("Step ") >= len(trace)


@pytest.mark.parametrize("name", ["two_layer", "softmax_classifier", "leaky_bce", "deep"])
def test_notes_are_mathematics_said_once_and_names_are_words(name: str) -> None:
    """The sigmoid's note is typeset (σ′(z) = σ(z)(1 − σ(z)) with a true minus, e^{−z}),
    written once however many steps carry it; L′'s words once; no file key in the prose."""
    trace = _trace(name)
    tex, page = FORMATS["latex"](trace), FORMATS["html"](trace)
    md = FORMATS["markdown"](trace)
    for doc in (tex, md):
        assert "e^−z" not in doc and "e^-z" not in doc and "σ(z)(1 - σ(z))" not in doc
        assert doc.count("the loss of the updated network on the same data") == 1
        assert "cross_entropy" not in doc and "leaky_relu" not in doc and "_relu" not in doc
    if "sigmoid" in {layer.activation for layer in trace.network.layers}:
        note = r"\sigma'\left( z \right) = \sigma\left( z \right) \left( 1 - "
        note += r"\sigma\left( z \right) \right)"
        assert tex.count(note) == md.count(note) == 1 and "{e}^{- z}" in tex
        assert page.count("<mi>e</mi><mrow><mo lspace") == 1  # e^{−z}: a superscript, once
    assert "cross_entropy" not in page and "leaky_relu" not in page
    assert not re.search(r"<mn>-", page), "a hyphen for a minus sign"


# ---------------------------------------------------------------- HTML in a real browser

MEASURE = """<script>
window.addEventListener("load", () => {
  // the body text's size, as a number of the page: one typeset inline in a paragraph
  const probe = document.createElement("span");
  probe.innerHTML = "<math><mn>0.123</mn></math>";
  document.querySelector("p").appendChild(probe);
  const body = probe.querySelector("mn").getBoundingClientRect().height;
  const scripted = (mn) => {
    for (let e = mn; e.tagName.toLowerCase() !== "math"; e = e.parentElement) {
      const tag = e.parentElement.tagName.toLowerCase();
      if (["msup", "msub", "msubsup"].includes(tag) && e.parentElement.firstElementChild !== e)
        return true;  // a layer, an index or a power: a script by design
    }
    return false;
  };
  const small = [];
  let numbers = 0;
  for (const mn of document.querySelectorAll("mn")) {
    if (mn === probe.querySelector("mn") || scripted(mn)) continue;
    numbers++;
    const h = mn.getBoundingClientRect().height;
    if (h < 0.8 * body) small.push(mn.textContent + " " + h.toFixed(1));
  }
  const framed = [...document.querySelectorAll("mfrac")].filter(f => f.querySelector("mtable"));
  // a layer's superscript a⁽²⁾: "(2)" as wide as about 2.5 digits, not 4.5 (stretchy parentheses)
  const layers = [...document.querySelectorAll("msup > mrow")].filter(r =>
    r.children.length === 3 && r.children[0].textContent === "("
    && r === r.parentElement.children[1]);
  const spaced = layers.filter(r =>
    r.getBoundingClientRect().width > 3 * r.children[1].getBoundingClientRect().width);
  document.body.setAttribute("data-result", JSON.stringify(
    {body, numbers, small: small.slice(0, 10), count: small.length, framed: framed.length,
     layers: layers.length, spaced: spaced.length}));
});
</script></body>"""


def test_the_html_numbers_are_display_size_in_a_browser(tmp_path: Path) -> None:
    """softmax_classifier in headless Chromium, measured with getBoundingClientRect: every
    number not in a script (a layer, a power) stands at least 0.8× the height of a number
    in the body text (today's −y / a as a fraction of two 3×6 matrices set them at 0.7×);
    no <mfrac> holds an <mtable>. A screenshot was looked at."""
    from browser import run

    page = tmp_path / "softmax.html"
    page.write_text(FORMATS["html"](_trace("softmax_classifier")).replace("</body>", MEASURE))
    dom = run(["--dump-dom", page.as_uri()], tmp_path / "profile").stdout
    found = re.search(r'data-result="([^"]*)"', dom)
    assert found, dom[-500:]
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert result["body"] > 5 and result["numbers"] > 1000
    assert result["count"] == 0 and result["framed"] == 0, result
    assert result["layers"] > 50 and result["spaced"] == 0, result


FITS = """<script>
window.addEventListener("load", () => {
  // scroll boxes: an element that clips what it holds behind a scrollbar
  const scrolled = [...document.querySelectorAll("body *")].filter(e => {
    const s = getComputedStyle(e);
    const x = ["auto", "scroll"].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1;
    const y = ["auto", "scroll"].includes(s.overflowY) && e.scrollHeight > e.clientHeight + 1;
    return x || y || (["auto", "scroll"].includes(s.overflowX) && e.tagName === "math");
  }).map(e => e.tagName + " " + e.textContent.slice(0, 40));
  // every piece of a display inside its display, which is inside the page's column
  const column = document.body.getBoundingClientRect();
  const right = column.right - parseFloat(getComputedStyle(document.body).paddingRight);
  const outside = [];
  for (const d of document.querySelectorAll(".display, .aligned")) {
    const box = d.getBoundingClientRect();
    for (const m of d.querySelectorAll("math")) {
      const r = m.getBoundingClientRect();
      if (r.right > Math.min(box.right, right) + 1 || r.left < box.left - 1)
        outside.push(m.textContent.slice(0, 40) + " " + r.right.toFixed(0));
    }
  }
  const all = [...document.querySelectorAll(".display math, .aligned math")];
  const size = (e) => parseFloat(getComputedStyle(e).fontSize);
  // a piece set smaller that would have fitted its line (within a tenth) at full size
  const room = (m) => {
    const line = m.parentElement, left = line.previousElementSibling;
    const lhs = line.classList.contains("rhs") ? left.getBoundingClientRect().width : 0;
    return line.closest(".display, .aligned").getBoundingClientRect().width - lhs;
  };
  const shrunk = all.filter(m => size(m) < 0.99 * size(m.parentElement)).filter(m =>
    m.getBoundingClientRect().width * size(m.parentElement) / size(m) < 0.9 * room(m))
    .map(m => m.textContent.slice(0, 40));
  document.body.setAttribute("data-fits", JSON.stringify(
    {scrolled, outside, shrunk, pieces: all.length}));
});
</script></body>"""


@pytest.mark.parametrize(
    "name", ["softmax_classifier", "deep", "wide", "vanishing", "badly_scaled"]
)
def test_the_html_displays_fit_the_page_without_a_scroll_box(name: str, tmp_path: Path) -> None:
    """In headless Chromium at 1200 and at 560 pixels wide: no element of the page scrolls
    (today's overflow-x:auto on every display drew ⇕ arrows, a vertical scrollbar across
    softmax's loss and a horizontal one over step 9's numbers) and every piece of every
    display lies inside the page's column: a line too wide breaks before a sign or between
    factors, and only a piece too wide alone for its line is set smaller. The screenshots
    were looked at."""
    from browser import run

    page = tmp_path / f"{name}.html"
    page.write_text(FORMATS["html"](_trace(name)).replace("</body>", FITS))
    for width in (1200, 560):
        dom = run(
            ["--dump-dom", f"--window-size={width},900", page.as_uri()], tmp_path / f"p{width}"
        ).stdout
        found = re.search(r'data-fits="([^"]*)"', dom)
        assert found, dom[-500:]
        result = json.loads(found.group(1).replace("&quot;", '"'))
        assert result["pieces"] > 50
        assert result["scrolled"] == [] and result["outside"] == [], (width, result)
        assert result["shrunk"] == [], (width, result["shrunk"])  # only what must be


def test_a_wide_line_breaks_before_a_sign_or_between_factors_never_inside_a_bracket() -> None:
    """The places where the HTML lets a numbers line break (mathml.pieces): before + and ⊙,
    between the factors of (1/6) · δ (a)ᵀ; the loss's parentheses, a function's argument
    and a matrix stay whole."""
    import importlib

    from bpdebug.output.handout import worked

    mathml_module = importlib.import_module("bpdebug.notation.mathml")
    trace = _trace("softmax_classifier")

    def cut(index: int) -> list[str]:
        return [text(p) for p in mathml_module.pieces(worked(trace[index], 6).numbers)]

    z2, loss, a1, dW2, delta1 = cut(2), cut(4), cut(1), cut(8), cut(12)
    assert len(z2) == 3 and z2[2].startswith("+ [") and z2[0].startswith("[0.06, -0.59")
    assert len(loss) == 2 and loss[0] == "(1/6)" and loss[1].startswith("Σₖ (−Σⱼ (")
    assert loss[1].endswith(")ⱼ)")  # the parentheses whole
    assert a1 == [text(worked(trace[1], 6).numbers)]  # tanh(…): one piece
    assert len(dW2) == 3 and dW2[0] == "(1/6)" and dW2[1].startswith("· [-0.663904")
    assert dW2[2].startswith("[-0.42428") and dW2[2].endswith("]ᵀ")
    assert len(delta1) == 2 and delta1[1].startswith("⊙ [0.819987")


def test_nothing_of_the_html_is_lost_when_printed(tmp_path: Path) -> None:
    """softmax_classifier printed by Chromium (--print-to-pdf, US letter) and read back with
    pdftotext: every number of five characters or more that the page's MathML writes is in
    the PDF's text as often as in the page (printed, today's scroll boxes lost 89 of them,
    step 9's a⁽¹⁾ cut after 0.6331). The PDF's pages were looked at (pdftoppm)."""
    import shutil
    from collections import Counter

    from browser import run

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    page, pdf = tmp_path / "softmax.html", tmp_path / "softmax.pdf"
    html = FORMATS["html"](_trace("softmax_classifier"))
    page.write_text(html)
    run([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()], tmp_path / "p")
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    written = Counter(n for n in re.findall(r"<mn>([^<]*)</mn>", html) if len(n) >= 5)
    found = Counter(re.findall(r"[−-]?\d+\.\d+(?:e[+-]?\d+)?", printed))
    assert sum(written.values()) > 800
    lost = {n: (count, found[n]) for n, count in written.items() if found[n] < count}
    assert lost == {}, list(lost.items())[:10]


@pytest.mark.parametrize("name", SAMPLES)
def test_no_fraction_holds_a_matrix(name: str) -> None:
    """Elementwise division of arrays is written ⊘ (or / by a number), never one matrix
    over another, in every format."""
    trace = _trace(name)
    page = FORMATS["html"](trace)
    for m in re.findall(r"<math.*?</math>", page, re.S):
        for frac in ET.fromstring(m).iter("mfrac"):
            assert frac.find(".//mtable") is None, m[:300]
    for doc in (FORMATS["latex"](trace), FORMATS["markdown"](trace)):
        for top in re.finditer(r"\\frac(?=\{)", doc):
            numerator_end = _group_end(doc, top.end())
            fraction = doc[top.end() : _group_end(doc, numerator_end)]
            assert "bmatrix" not in fraction, fraction[:200]


def _group_end(doc: str, start: int) -> int:
    """The index after the brace group that opens at `start`."""
    depth, i = 0, start
    while True:
        depth += {"{": 1, "}": -1}.get(doc[i], 0) if doc[i - 1] != "\\" else 0
        i += 1
        if depth == 0:
            return i


# ---------------------------------------------------------------- the graph on paper


@needs_pdflatex
@pytest.mark.parametrize("name", ["single_neuron", "two_layer", "deep", "vanishing"])
def test_the_graph_figure_prints_at_8_points_or_more(name: str, tmp_path: Path) -> None:
    """Compiled with pdflatex, the figure's printed width (LaTeX's log) against its own
    (the PDF's MediaBox): every label's text (13 pt edges, 14 pt nodes and titles in the
    DOT) prints at 8 pt or more, superscripts at 6.5 pt or more; the page takes it with no
    Overfull box. The PDF pages were looked at."""
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    tex = tmp_path / f"{name}.tex"
    assert main(["explain", name, "--format", "latex", "-o", str(tex)]) == 0
    proc = pdflatex(tmp_path, tex.name)
    assert proc.returncode == 0, proc.stdout[-1500:]
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    assert "Overfull" not in log
    printed = float(re.search(rf"bpdebug figure {name}-graph.pdf: ([0-9.]+)pt wide", log)[1])  # type: ignore[index]
    box = re.search(
        rb"/MediaBox \[ ?0 0 ([0-9.]+) ([0-9.]+)", (tmp_path / f"{name}-graph.pdf").read_bytes()
    )
    natural = float(box[1])  # type: ignore[index]
    scale = printed / natural
    dot = to_dot(_trace(name))
    sizes = [float(s) for s in re.findall(r"fontsize=([0-9.]+)", dot)] + [14.0]  # titles
    assert min(sizes) * scale >= 8, (scale, sizes)
    sup = min(float(s) for s in re.findall(r'POINT-SIZE="([0-9.]+)"', dot))
    assert sup * scale >= 6.5, (scale, sup)
