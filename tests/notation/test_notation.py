"""One notation on every surface: every matrix keeps its value's rows and columns, and no two
numbers stand side by side without an operator, on the screen, in `trace` (text, markdown,
JSON) and in the worked solutions (markdown, LaTeX, HTML).

Text is read back with the notation's own tokenizer (the quiz reads typed answers with it);
LaTeX is parsed by latex2mathml, a real LaTeX parser, and the HTML's MathML by an XML parser.
What each formula must show is derived from the formula model, not from the renderers.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest
from latex2mathml.converter import convert

from bpdebug.engine import Step, Trace, build_trace
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.notation import expr as ex
from bpdebug.notation import num, shape_text
from bpdebug.notation.parse import Corners, read_grid, tokens
from bpdebug.output.explain import FORMATS
from bpdebug.output.report import trace_json, trace_markdown, trace_text
from bpdebug.tui.app import make_app
from bpdebug.tui.widgets import StepPanel

# ---------------------------------------------------------------- what a formula must show


def shown_values(step: Step, half_is_number: bool) -> list[object]:
    """The values a formula with numbers writes, in reading order (its result last)."""
    out: list[object] = []

    def walk(e: ex.Expr) -> None:
        if isinstance(e, ex.Ref):
            out.append(step.operands[e.k].value)
        elif isinstance(e, ex.Const):
            out.append(float(e.value))
        elif isinstance(e, ex.Frac):
            if half_is_number or e != ex.Frac(ex.Const(1), ex.Const(2)):
                walk(e.num)
                walk(e.den)
        elif isinstance(e, ex.BatchMean):
            out.extend([1.0, float(e.m)])
            walk(e.arg)
        elif isinstance(e, ex.Sym | ex.Grad | ex.Words):
            return
        else:
            for child in e:
                if isinstance(child, ex.NODES):
                    walk(child)

    walk(step.rhs)
    out.append(step.value)
    return out


Shown = tuple[str, object]  # ("number", 1×1 array) | ("matrix", array) | ("elided", shape)
# | ("corners", Corners): a matrix written in part


def math_rows(value: object) -> np.ndarray:
    """The value as the column convention writes it: a vector (n) is a column n×1."""
    arr = np.asarray(value, dtype=float)
    return arr.reshape(-1, 1) if arr.ndim < 2 else arr


def check_values(shown: list[Shown], expected: list[object], digits: int | None = 6) -> None:
    """Each value written has the rows and columns of the value it stands for, and its
    numbers to `digits`; a value written by its shape gives that value's shape."""
    assert len(shown) == len(expected), (shown, expected)
    for (kind, got), value in zip(shown, expected, strict=True):
        rows = math_rows(value)
        if kind == "elided":
            n, m = rows.shape
            assert got == ((n,) if m == 1 else (n, m))
            continue
        if kind == "corners":
            check_corners(got, rows, value, digits)
            continue
        assert kind == ("number" if rows.size == 1 else "matrix"), (kind, value)
        got = np.asarray(got)
        assert got.shape == rows.shape, f"{got.shape} written for a {rows.shape} value"
        want = np.vectorize(lambda v: float(num(v, digits)))(rows)
        np.testing.assert_array_equal(got, want)


def check_corners(got: object, rows: np.ndarray, value: object, digits: int | None) -> None:
    """A matrix written in part says its whole shape, and its first and last rows and
    columns are the value's, to `digits`."""
    assert isinstance(got, Corners), got
    n, m = rows.shape
    assert got.shape == ((n,) if m == 1 else (n, m)), f"{got.shape} said of a {rows.shape}"
    shown_r, shown_c = got.shown.shape
    r = [*range(got.rows_before), *range(n - (shown_r - got.rows_before), n)]
    c = [*range(got.cols_before), *range(m - (shown_c - got.cols_before), m)]
    assert len(set(r)) == shown_r and len(set(c)) == shown_c and (shown_r < n or shown_c < m)
    want = np.vectorize(lambda v: float(num(v, digits)))(rows[np.ix_(r, c)])
    np.testing.assert_array_equal(got.shown, want)


def check_operators(kinds: list[str]) -> None:
    """No two numbers side by side: an operator stands between any two of them."""
    last = None
    for kind in kinds:
        if kind == "number":
            assert last != "number", "two numbers side by side without an operator"
            last = "number"
        elif kind == "op":
            last = None


# ---------------------------------------------------------------- reading the text notation


def text_values(line: str) -> list[Shown]:
    toks = tokens(line)
    check_operators([t.kind for t in toks])
    out: list[Shown] = []
    for t in toks:
        if t.kind == "elided":
            out.append(("elided", t.shape))
        elif t.kind in ("number", "matrix"):
            out.append((t.kind, t.value))
    return out


def grid_values(lines: list[str]) -> list[Shown]:
    """Two-dimensional text (matrices as bracketed rows) read back in reading order."""
    out: list[Shown] = []
    kinds = []
    for t in read_grid(lines):
        if isinstance(t, Corners):
            out.append(("corners", t))
            kinds.append("matrix")
        elif isinstance(t, np.ndarray):
            out.append(("matrix", t))
            kinds.append("matrix")
        else:
            kinds.append(t.kind)
            if t.kind == "elided":
                out.append(("elided", t.shape))
            elif t.kind == "corners":
                out.append(("corners", t.corners))
            elif t.kind in ("number", "matrix"):
                out.append((t.kind, t.value))
    check_operators(kinds)
    return out


def after_relation(line: str) -> str:
    """A substituted line without its left-hand side ('z⁽¹⁾ = …' → '…')."""
    return re.split(r" [=←] ", line, maxsplit=1)[1]


# ---------------------------------------------------------------- reading MathML


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(e: ET.Element) -> str:
    return "".join(e.itertext()).replace("−", "-").strip()


def mathml_tokens(e: ET.Element) -> list[tuple[str, object]]:
    """A MathML tree as (kind, value) tokens in reading order; scripts (layers, powers,
    subscripts) are not numbers of the formula, a bracketed mtable is one matrix."""
    tag = _local(e.tag)
    kids = list(e)
    if tag == "mn":
        return [("number", _text(e))]
    if tag == "mo":
        return [("op", _text(e))]
    if tag in ("mi", "mtext"):
        return [("other", _text(e))]
    if tag in ("msup", "msub", "msubsup"):
        base = mathml_tokens(kids[0])
        if tag == "msup" and base == [("number", "10")]:
            return [("power10", _text(kids[1]))]
        return base
    if tag == "mfrac":
        return [*mathml_tokens(kids[0]), ("op", "/"), *mathml_tokens(kids[1])]
    out: list[tuple[str, object]] = []
    for k, kid in enumerate(kids):
        if _local(kid.tag) == "mtable" and k and _text(kids[k - 1]) == "[":
            out.append(("matrix", kid))
        elif _local(kid.tag) == "mtable":  # an alignment: its cells in order
            for row in kid:
                for cell in row:
                    out += [("op", "&"), *merge(mathml_tokens(cell))]
        else:
            out += mathml_tokens(kid)
    return out


def merge(toks: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """Signs and powers of ten joined to their numbers; ⟨3×4⟩ as one elided value."""
    out: list[tuple[str, object]] = []
    i = 0
    while i < len(toks):
        kind, v = toks[i]
        unary = not out or (out[-1][0] == "op" and out[-1][1] not in (")", "]", "‖", "⟩"))
        sign = kind == "op" and v in ("-", "−") and unary
        if sign and i + 1 < len(toks) and toks[i + 1][0] == "number":
            out.append(("number", "-" + str(toks[i + 1][1])))
            i += 2
            continue
        if kind == "power10" and len(out) >= 2 and out[-1] == ("op", "×"):
            out.pop()
            mantissa = out.pop()[1]
            out.append(("number", f"{mantissa}e{v}"))
            i += 1
            continue
        if v == "⟨":  # latex2mathml writes \langle as an identifier, we as an operator
            close = next(j for j in range(i, len(toks)) if toks[j][1] == "⟩")
            shape = tuple(int(str(t[1])) for t in toks[i:close] if t[0] == "number")
            out.append(("elided", shape))
            i = close + 1
            continue
        out.append((kind, v))
        i += 1
    return out


def _entry(cell: ET.Element) -> float:
    (only,) = [v for k, v in merge(mathml_tokens(cell)) if k == "number"]
    return float(str(only))


def mathml_values(root: ET.Element) -> list[Shown]:
    toks = merge(mathml_tokens(root))
    check_operators([k for k, _ in toks])
    out: list[Shown] = []
    for kind, v in toks:
        if kind == "number":
            out.append(("number", np.array([[float(str(v))]])))
        elif kind == "matrix":
            assert isinstance(v, ET.Element)
            rows = [r for r in v if _local(r.tag) == "mtr"]
            cells = [[_entry(c) for c in r if _local(c.tag) == "mtd"] for r in rows]
            assert len({len(r) for r in cells}) == 1, "a ragged matrix"
            out.append(("matrix", np.array(cells)))
        elif kind == "elided":
            out.append(("elided", v))
    return out


def latex_values(latex: str) -> list[Shown]:
    # latex2mathml writes aligned's & unescaped: an XML quirk of its own, mended here
    return mathml_values(ET.fromstring(convert(latex).replace("<mi>&</mi>", "<mi>&amp;</mi>")))


# ---------------------------------------------------------------- the surfaces

SAMPLES = sample_names()


def trace_of(name: str) -> Trace:
    return build_trace(load_network(sample_path(name)))


def _aside(line: str) -> bool:
    """A line of `trace` text that is not the formula: the note, the statistics, blank."""
    return line.strip().startswith(("note:", "warning:")) or bool(
        re.match(r"\s+(scalar|\d+(×\d+)?): ", line)
    )


def text_of(e: ex.Expr) -> str:
    from bpdebug.notation import layout, text

    return text(layout.lay(e, (), layout.Setting()).box)


@pytest.mark.parametrize("name", SAMPLES)
def test_trace_text_and_markdown_keep_every_shape(name: str) -> None:
    trace = trace_of(name)
    text = trace_text(trace).splitlines()
    table = [ln for ln in trace_markdown(trace).splitlines() if ln.startswith("| ") and "`" in ln]
    starts = [i for i, ln in enumerate(text) if re.match(r"  \[ *\d+\] ", ln)]
    for step in trace.steps:
        mark = f"  [{step.index + 1:>3}] "
        at = next(i for i, ln in enumerate(text) if ln.startswith(mark))
        end = next((i for i in starts if i > at), len(text))
        body = [ln for ln in text[at + 1 : end] if ln.strip() and not _aside(ln)]
        lhs = text_of(step.lhs)
        assert any(ln.strip().startswith(f"{lhs} {step.relation}") for ln in body), body
        lead = f"{lhs} {step.relation} "
        written = grid_values([ln.replace(lead, " " * len(lead), 1) for ln in body])
        check_values(written, shown_values(step, False))
        cell = table[step.index].split("`")[1].replace("\\|", "|")
        check_values(text_values(after_relation(cell)), shown_values(step, False))


@pytest.mark.parametrize("name", SAMPLES)
def test_trace_json_values_have_their_shapes(name: str) -> None:
    trace = trace_of(name)
    doc = json.loads(trace_json(trace))
    for step, item in zip(trace.steps, doc["steps"], strict=True):
        assert item["shape"] == list(np.shape(step.value))
        assert np.shape(item["value"]) == tuple(item["shape"])
        expected = shown_values(step, False)
        check_values(text_values(after_relation(item["substituted"])), expected)


def _blocks(doc: str, start: str, end: str) -> list[str]:
    return [m.group(1) for m in re.finditer(re.escape(start) + r"(.*?)" + re.escape(end), doc)]


def _fit_blocks(tex: str) -> list[str]:
    """The contents of every \\fit{…} (balanced braces)."""
    out = []
    for m in re.finditer(r"\\fit\{", tex):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(tex[i], 0) if tex[i - 1] != "\\" else 0
            i += 1
        out.append(tex[m.end() : i - 1])
    return out


def step_sections(doc: str, heading: str) -> list[str]:
    """A hand-out's text per step, in order: from one step's heading to the next."""
    return doc.split(heading)[1:]


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_worked_solution_latex_keeps_every_shape(name: str, fmt: str) -> None:
    """Parsed by latex2mathml: the numbers block of every step writes the operands and the
    result with their true rows and columns (W⁽²⁾ of XOR, 1×3, is one row). A step's first
    two displays are its formula and its numbers (prose and derivations may follow)."""
    trace = trace_of(name)
    doc = FORMATS[fmt](trace)
    heading = "\n### Step " if fmt == "markdown" else "\\subsection*{Step "
    sections = step_sections(doc, heading)
    assert len(sections) == len(trace)
    for step, section in zip(trace.steps, sections, strict=True):
        maths = _blocks(section, "$$ ", " $$") if fmt == "markdown" else _fit_blocks(section)
        formula, numbers = maths[:2]
        latex_values(formula)  # its operators are checked
        values = latex_values(numbers)
        check_values(values, shown_values(step, True))


class _Maths(HTMLParser):
    """Collects every <math> element of a page as XML text; the pieces of one display (a
    <div class="display"> or "aligned": inline <math>s the browser may break between) as
    one block <math> of them all, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.maths: list[str] = []
        self.depth = 0
        self.current = ""
        self.divs = 0  # how deep inside a display's <div>s
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and (self.divs or dict(attrs).get("class") in ("display", "aligned")):
            self.divs += 1
        if tag == "math":
            self.depth += 1
        if self.depth:
            a = "".join(f' {k}="{v}"' for k, v in attrs)
            self.current += f"<{tag}{a}>"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.current += f"<{tag}/>"

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.current += f"</{tag}>"
        if tag == "math":
            self.depth -= 1
            if self.divs:  # a piece of a display: its content, without <math …>
                self.pieces.append(self.current[self.current.index(">") + 1 : -len("</math>")])
            else:
                self.maths.append(self.current)
            self.current = ""
        if tag == "div" and self.divs:
            self.divs -= 1
            if not self.divs:
                self.maths.append(
                    f'<math display="block"><mrow>{"".join(self.pieces)}</mrow></math>'
                )
                self.pieces = []

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.current += data

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")


@pytest.mark.parametrize("name", SAMPLES)
def test_worked_solution_html_mathml_keeps_every_shape(name: str) -> None:
    trace = trace_of(name)
    sections = step_sections(FORMATS["html"](trace), "<h3>Step ")
    assert len(sections) == len(trace)
    for step, section in zip(trace.steps, sections, strict=True):
        parser = _Maths()
        parser.feed(section)
        blocks = [ET.fromstring(m) for m in parser.maths if 'display="block"' in m]
        formula, numbers = blocks[:2]
        mathml_values(formula)
        check_values(mathml_values(numbers), shown_values(step, True))


def panel_values(text: str, step: Step) -> list[Shown]:
    """The step panel's numbers and result read back (the header, formula, note, the
    result's shape label and the gradient check left out)."""
    lines = text.splitlines()[2:]
    if step.note:
        lines = [ln for ln in lines if ln.strip() != step.note]
    lines = [re.sub(r"   \((scalar|\d+(×\d+)?)\)$", "", ln) for ln in lines]
    return grid_values(lines)


async def walk_the_panel(
    name: str, size: tuple[int, int], only: int | None = None
) -> dict[str, int]:
    """Every step of the sample (or step `only`, counted from 1) on a screen of `size`: the
    panel's numbers read back as the formula model says (or its result alone, where the
    numbers did not fit); how often each way of writing a matrix was used."""
    app = make_app(load_network(sample_path(name)))
    ways = {"whole": 0, "corners": 0, "elided": 0, "result only": 0}
    async with app.run_test(size=size) as pilot:
        panel = app.query_one(StepPanel)
        steps = app.trace.steps if only is None else [app.trace[only - 1]]
        for step in steps:
            app.go(step.index)
            await pilot.pause()
            lines = panel.text.plain.splitlines()
            assert lines[1].strip() == step.formula or size[0] < 100
            if step.kind == "loss_after":
                assert f"after L′ = {num(step.value)}" in " ".join(panel.text.plain.split())
                continue
            written = panel_values(panel.text.plain, step)
            expected = shown_values(step, False)
            if len(written) == 1 and len(expected) > 1:  # the numbers gave way
                ways["result only"] += 1
                expected = expected[-1:]
            check_values(written, expected)
            for kind, _ in written:
                ways[{"matrix": "whole", "number": "whole"}.get(kind, kind)] += 1
    return ways


@pytest.mark.parametrize("name", SAMPLES)
async def test_the_step_panel_keeps_every_shape(name: str) -> None:
    """The screen at 200×60: every step's numbers and result as the formula model says,
    every matrix of up to 16 rows whole."""
    ways = await walk_the_panel(name, (200, 60))
    if name not in ("wide",):
        assert ways["elided"] == 0 and ways["result only"] == 0, ways


SEEN = [("xor", 13), ("deep", 10), ("softmax_classifier", 8)]  # where only shapes were shown


@pytest.mark.parametrize(("name", "at"), SEEN)
@pytest.mark.parametrize("size", [(120, 36), (200, 60)])
async def test_every_entry_of_a_batch(name: str, at: int, size: tuple[int, int]) -> None:
    """The steps that once showed only shapes (`⟨3×4⟩ ⊙ ⟨3×4⟩`) write every entry."""
    ways = await walk_the_panel(name, size, at)
    assert ways["elided"] == 0 and ways["corners"] == 0 and ways["result only"] == 0, ways
    assert ways["whole"] >= 2


@pytest.mark.parametrize("name", ["xor", "deep", "softmax_classifier"])
async def test_no_shape_stands_for_a_matrix_at_120_by_36(name: str) -> None:
    ways = await walk_the_panel(name, (120, 36))
    assert ways["elided"] == 0 and ways["result only"] == 0, ways


@pytest.mark.parametrize("name", ["xor", "deep", "softmax_classifier"])
async def test_matrices_give_up_their_middle_before_their_numbers_at_80_by_24(name: str) -> None:
    """80×24: matrices that don't fit keep their first and last rows and columns and say
    their shape; a shape alone never stands for a matrix."""
    ways = await walk_the_panel(name, (80, 24))
    assert ways["elided"] == 0 and ways["corners"] > 0, ways


# ---------------------------------------------------------------- the notation itself


def test_numbers_have_one_precision_and_no_negative_zero() -> None:
    assert num(-0.0) == "0" and num(0.0) == "0"
    assert num(0.12193833242754275) == "0.121938"
    assert num(0.12193833242754275, None) == "0.12193833242754275"
    assert num(-1.2345e-7, 3) == "-1.23e-07"
    assert (num(float("nan")), num(float("inf")), num(float("-inf"))) == ("nan", "inf", "-inf")


def test_one_shape_vocabulary() -> None:
    assert shape_text(()) == "scalar"
    assert shape_text((1, 1)) == "scalar" and shape_text((1,)) == "scalar"
    assert shape_text((2,)) == "2" and shape_text((2, 1)) == "2"
    assert shape_text((1, 3)) == "1×3" and shape_text((3, 4)) == "3×4"


def test_a_product_of_numbers_carries_its_operator_and_negatives_their_parentheses() -> None:
    trace = trace_of("scalar_chain")
    z2 = trace.find("z", 2).substituted()
    assert z2 == "z⁽²⁾ = 1.2 · 0.622459 + (-0.3) = 0.446951"
    hidden = trace.find("dL_da", 1).substituted()
    assert hidden == "∂L/∂a⁽¹⁾ = 1.2 · (-0.0928088) = -0.111371"  # Wᵀδ of scalars
    update = trace.find("W_new", 1).substituted()
    assert update == "W⁽¹⁾ ← 0.8 − 1 · (-0.0130862) = 0.813086"


def test_vectors_are_columns_and_a_row_stays_a_row() -> None:
    xor = trace_of("xor")
    w2 = xor.find("z", 2).operands[0]
    assert np.shape(w2.value) == (1, 3)
    assert xor.find("z", 2).numbers().startswith("[-0.62, 0.49, 0.36] ")  # one row
    two = trace_of("two_layer")
    assert two.find("db", 2).substituted() == (
        "∂L/∂b⁽²⁾ = [0.138499; -0.0380982] = [0.138499; -0.0380982]"  # both columns
    )
    assert "+ [0.35; 0.35]" in two.find("z", 1).substituted()


def test_named_constants_are_filled_in_beside_numbers() -> None:
    deep = trace_of("deep")  # mse on 2 outputs, a batch of 5
    dL_da = deep.find("dL_da", 4)
    assert dL_da.formula == "∂L/∂a⁽⁴⁾ = (2/n) (a⁽⁴⁾ − y), n = 2"
    assert dL_da.numbers().startswith("(2/2) · (")
    dW = deep.find("dW", 1)
    assert dW.formula == "∂L/∂W⁽¹⁾ = (1/m) δ⁽¹⁾ (a⁽⁰⁾)ᵀ, m = 5"
    assert dW.numbers().startswith("(1/5) · ")


def test_the_text_notation_reads_back() -> None:
    (t,) = [t for t in tokens("= [0.3775; 0.3925]") if t.kind == "matrix"]
    assert t.value is not None and t.value.shape == (2, 1)
    kinds = [t.kind for t in tokens("0.6 · 1 + 0.9")]
    assert kinds == ["number", "op", "number", "op", "number"]
    with pytest.raises(AssertionError):
        check_operators([t.kind for t in tokens("0.6 1 + 0.9")])
