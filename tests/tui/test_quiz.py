"""Quiz mode: grading, the mistakes named, the app's quiz, `grade` and `exam`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from command_line import bpdebug
from conftest import random_network
from pdflatex import needs_pdflatex, pdflatex

from bpdebug.engine import Layer, Network, build_trace, read_only_array
from bpdebug.engine.grading import MISTAKES, collisions, diagnose, fit, grade, variants
from bpdebug.files.netfile import load_network, save_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.session.quiz import Quiz, parse_kinds
from bpdebug.tui.app import make_app
from bpdebug.tui.screens import AnswerScreen, ScoreScreen
from bpdebug.tui.widgets import NetworkDiagram, StepPanel, Tape, ValuesView


def sample(name: str) -> Network:
    return load_network(sample_path(name))


def square_mse_batch() -> Network:
    """3-3-3-3 (tanh, tanh, identity), mse, a batch of 4: square weights, so the forgotten
    transpose and a⁽ˡ⁾ for a⁽ˡ⁻¹⁾ have the right shape and can be told apart."""
    rng = np.random.default_rng(4)
    layers = tuple(
        Layer(
            act, read_only_array(rng.normal(0, 0.8, (3, 3))), read_only_array(rng.normal(0, 0.3, 3))
        )
        for act in ("tanh", "tanh", "identity")
    )
    x, y = rng.normal(0, 1, (3, 4)), rng.normal(0, 1, (3, 4))
    return Network(layers, "mse", 0.1, read_only_array(x), read_only_array(y), name="square")


SCALAR = ["scalar_chain", "single_neuron"]
BATCH = ["xor", "deep", "softmax_classifier", "leaky_bce", "dead_relu", "two_layer"]


def nets() -> dict[str, Network]:
    found = {name: sample(name) for name in SCALAR + BATCH}
    found["square mse batch"] = square_mse_batch()
    found["softmax batch"] = random_network(3, 2, 5, "softmax", "cross_entropy", hidden="relu")
    return found


def diagnosed_on(net: Network) -> set[str]:
    """Every mistake that some step's variant of this net is diagnosed as (by itself)."""
    trace = build_trace(net)
    seen = set()
    for step in trace.steps:
        for v in variants(trace, step):
            found = diagnose(trace, step, v.value)
            assert v.key in [f.key for f in found], (step, v.key)
            assert not grade(trace, step, v.value).right or v.value.shape != step.shape
            seen.add(v.key)
    return seen


def test_every_mistake_is_diagnosed_on_two_nets_one_of_them_a_batch() -> None:
    where: dict[str, list[str]] = {key: [] for key in MISTAKES}
    for name, net in nets().items():
        for key in diagnosed_on(net):
            where[key].append(name)
    for key, names in where.items():
        assert len(names) >= 2, (key, names)
        assert any(n not in SCALAR for n in names), (key, names)  # a batch net among them


def test_on_a_scalar_chain_the_mistakes_that_can_show_there_are_named() -> None:
    seen = diagnosed_on(sample("scalar_chain"))
    assert {
        "forgot_dact",
        "sigma_for_dact",
        "updated_weights",
        "dropped_half",
        "update_sign",
        "forgot_bias",
        "forgot_activation",
    } <= seen
    assert "no_transpose" not in seen  # a 1×1 W is its own transpose: nothing to tell apart
    assert "batch_sum" not in seen  # one example: the mean is the sum


@pytest.mark.parametrize("name", sample_names())
def test_the_right_answer_is_never_a_mistake_and_no_two_mistakes_collide(name: str) -> None:
    trace = build_trace(sample(name))
    for step in trace.steps:
        assert diagnose(trace, step, step.value) == []
        assert grade(trace, step, step.value).right
        assert collisions(trace, step) == [], (name, step)


def test_the_classic_mistakes_on_the_worked_example_give_their_textbook_numbers() -> None:
    trace = build_trace(sample("two_layer"))
    delta1 = trace.find("delta", 1)
    forgot = np.asarray(trace.find("dL_da", 1).value)  # δ⁽¹⁾ without σ′
    assert [v.key for v in diagnose(trace, delta1, forgot)] == ["forgot_dact"]
    W2_new = np.asarray(trace.find("W_new", 2).value)
    stale = (W2_new.T @ np.asarray(trace.find("delta", 2).value)) * np.asarray(
        trace.find("dact", 1).value
    )
    assert [v.key for v in diagnose(trace, delta1, stale)] == ["updated_weights"]
    loss = trace.find("loss")
    assert [v.key for v in diagnose(trace, loss, 2 * trace.loss)] == ["dropped_half"]
    W1 = trace.find("W_new", 1)
    plus = sample("two_layer").layers[0].W + 0.5 * np.asarray(trace.find("dW", 1).value)
    assert [v.key for v in diagnose(trace, W1, plus)] == ["update_sign"]
    dW2 = trace.find("dW", 2)
    assert [v.key for v in diagnose(trace, dW2, np.asarray(dW2.value).T)] == ["swapped_product"]


def test_answers_rounded_to_four_digits_are_right_and_a_near_miss_is_not() -> None:
    trace = build_trace(sample("two_layer"))
    step = trace.find("delta", 1)
    value = np.asarray(step.value)
    assert grade(trace, step, np.round(value, 5)).right
    assert not grade(trace, step, value * 1.01).right
    g = grade(trace, step, np.array([value[0], value[1] * 2]))
    assert list(g.marks) == [True, False] and g.mistakes == []


def test_a_vector_answer_may_be_a_row_or_a_column_and_a_bad_shape_says_what_it_expects() -> None:
    assert fit(np.array([[1.0], [2.0]]), (2,)).shape == (2,)
    assert fit(np.array([[1.0, 2.0]]), (2,)).shape == (2,)
    assert fit(np.array([[0.5]]), ()).shape == ()
    with pytest.raises(ValueError, match="expected a 2×3 matrix"):
        fit(np.ones((3, 2)), (2, 3))
    with pytest.raises(ValueError, match="expected a vector of 2 numbers, got one number"):
        fit(np.array([[1.0]]), (2,))


def test_kinds_and_phases_choose_the_steps_asked() -> None:
    assert parse_kinds("all") is None
    assert parse_kinds("delta, dW") == {"delta", "dW"}
    assert parse_kinds("update") == {"W_new", "b_new"}
    with pytest.raises(ValueError, match="'deltas' is not a phase or a kind"):
        parse_kinds("deltas")


def test_entry_by_entry_answers_add_up() -> None:
    trace = build_trace(sample("two_layer"))
    step = trace.find("dW", 1)
    quiz = Quiz()
    v = np.asarray(step.value)
    first = quiz.answer(trace, 0, step, f"[0,0] = {v[0, 0]:.6g}")
    assert not first.right and "3 to go" in first.said
    wrong = quiz.answer(trace, 0, step, "[1,1] = 5")
    assert not wrong.right and "[1,1] is not right" in wrong.said
    for i, j in ((0, 1), (1, 0), (1, 1)):
        last = quiz.answer(trace, 0, step, f"[{i},{j}] = {v[i, j]:.6g}")
    assert last.right and not quiz.hides(0, step)
    with pytest.raises(ValueError, match="outside"):
        Quiz().answer(trace, 0, step, "[2,0] = 1")


# ---------------------------------------------------------------- in the app


def quiz_app(name: str = "two_layer", kinds: str = "all"):  # type: ignore[no-untyped-def]
    return make_app(sample(name), quiz=Quiz(parse_kinds(kinds)))


def typed(value: object) -> str:
    """A vector as a student types it: its entries to 6 digits, separated by ';'."""
    return "; ".join(f"{v:.6g}" for v in np.asarray(value).reshape(-1))


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("a")
    assert isinstance(pilot.app.screen, AnswerScreen)
    pilot.app.screen.query_one("#answer").value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_a_quizzed_step_hides_its_value_until_answered_right() -> None:
    app = quiz_app()
    async with app.run_test(size=(100, 32)) as pilot:
        panel = app.query_one(StepPanel).text.plain
        assert "? z⁽¹⁾ = ?" in panel and "0.3775" not in panel
        assert all(b.role != "result" for b in app.query_one(ValuesView).blocks)
        assert "L = ?" in app.view.status
        tape = app.query_one(Tape)
        assert 0 in tape.masked and 4 in tape.masked
        await answer(pilot, "0.3775; 0.3925")
        assert not isinstance(app.screen, AnswerScreen)
        panel = app.query_one(StepPanel).text.plain
        assert "0.3775" in panel and "W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾" in panel
        assert app.query_one(ValuesView).blocks[0].role == "result"
        assert 0 not in tape.masked
        app.go(trace_index := app.trace.find("a", 1).index)
        await pilot.resize_terminal(120, 36)  # a resize redraws the diagram: a⁽¹⁾ still ?
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        assert app.cursor == trace_index and diagram.mode != "units"
        drawn = diagram.text.plain
        assert "?" in drawn and "0.59327" not in drawn


async def test_a_wrong_answer_names_the_mistake_and_opens_the_hint_ladder() -> None:
    app = quiz_app(kinds="delta")
    async with app.run_test(size=(100, 32)) as pilot:
        step = app.trace.find("delta", 1)
        app.go(step.index)
        await pilot.pause()
        await pilot.press("h")
        assert "answer first" in app.said
        forgot = np.asarray(app.trace.find("dL_da", 1).value)
        await answer(pilot, typed(forgot))
        screen = app.screen
        assert isinstance(screen, AnswerScreen)
        said = str(screen.query_one("#feedback").render())
        assert "✗ forgot σ′" in said and "slope" in said
        await pilot.press("escape")
        panel = lambda: app.query_one(StepPanel).text.plain  # noqa: E731
        assert "? δ⁽¹⁾ = ?" in panel()
        await pilot.press("h")  # 1: the formula
        assert "δ⁽¹⁾ = ∂L/∂a⁽¹⁾ ⊙ σ′(z⁽¹⁾)" in panel()
        assert "0.0363" not in panel() and "0.00877" not in panel()  # no numbers yet
        await pilot.press("h")  # 2: with its numbers
        assert "⊙" in panel() and "0.0363" in panel() and "0.00877" not in panel()
        await pilot.press("h")  # 3: the value
        assert "0.00877135" in panel()
        record = app.quiz.records[(0, step.index)]
        assert record.revealed and not record.right and record.mistakes == ["forgot_dact"]


async def test_input_that_cannot_be_read_says_why_and_loses_nothing() -> None:
    app = quiz_app()
    async with app.run_test(size=(100, 32)) as pilot:
        for text in ("0.3775", "abc", "0.1; x", "", "[5] = 1", "[0] = 1 2"):
            await answer(pilot, text)
            assert isinstance(app.screen, AnswerScreen)
            said = str(app.screen.query_one("#feedback").render())
            assert said.startswith("✗ can't read that:"), (text, said)
            await pilot.press("escape")
        assert app.quiz.records[(0, 0)].tries == 0  # nothing counted
        await answer(pilot, "[0.3775; 0.3925]")
        assert app.quiz.records[(0, 0)].right


async def test_the_score_at_the_end_of_the_iteration_and_its_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = quiz_app(kinds="loss, delta")
    async with app.run_test(size=(100, 40)) as pilot:
        trace = app.trace
        app.go(trace.find("loss").index)
        await pilot.pause()
        await answer(pilot, f"{trace.loss:.5g}")  # right first try
        app.go(trace.find("delta", 2).index)
        await pilot.pause()
        await answer(pilot, "1; 2")  # wrong
        await pilot.press("escape")
        await answer(pilot, typed(trace.find("delta", 2).value))
        await pilot.press("end")
        await pilot.pause()
        assert isinstance(app.screen, ScoreScreen)
        text = " ".join(str(w.render()) for w in app.screen.query(".table"))
        assert "loss" in text and "error δ" in text
        await pilot.press("x")
        written = tmp_path / "Two-layer_example-quiz.md"
        md = written.read_text()
        assert "| forward | 1 | 1 | 1 | 0 | 0 |" in md
        # δ⁽¹⁾ was never answered, and ∂L/∂b⁽¹⁾ (one example: the same vector) showed it
        assert "| backward | 2 | 0 | 1 | 0 | 1 |" in md
        await pilot.press("escape")
        await pilot.press("u")  # stepping, undo: answers stay given
        app.go(trace.find("loss").index)
        await pilot.pause()
        assert "0.298371" in app.query_one(StepPanel).text.plain


async def test_Q_turns_the_quiz_on_with_its_choices_and_off_keeping_answers() -> None:
    app = make_app(sample("two_layer"))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("Q")
        app.screen.query_one("#kinds").value = "forward"
        await pilot.press("enter", "enter")
        assert app.quiz is not None and app.quiz.kinds == {"z", "a", "loss"}
        await answer(pilot, "0.3775; 0.3925")
        await pilot.press("Q")
        assert app.quiz is None and "0.3775" in app.query_one(StepPanel).text.plain
        await pilot.press("Q", "enter", "enter")
        assert app.quiz.records[(0, 0)].right  # resumed with the answer given


# ---------------------------------------------------------------- grade and exam


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return bpdebug(*args, cwd=cwd)


def test_grade_says_right_wrong_and_the_mistake_per_answer(tmp_path: Path) -> None:
    trace = build_trace(sample("two_layer"))
    d1 = np.asarray(trace.find("delta", 1).value).reshape(-1)
    forgot = np.asarray(trace.find("dL_da", 1).value).reshape(-1)
    answers = tmp_path / "answers.toml"
    answers.write_text(
        f'"5" = {trace.loss:.5g}\n'
        f'"delta.1" = [{forgot[0]:.6g}, {forgot[1]:.6g}]\n'
        f'"delta.2" = [1, 2]\n'
        f'"dW.1" = [[1, 2, 3]]\n'
        f'"db.1" = [{d1[0]:.6g}, {d1[1]:.6g}]\n'
        '"z.2" = [true, 1]\n'
    )
    proc = run("grade", "two_layer", str(answers))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "✗ step  3  z⁽²⁾" in lines[1] and "not a number" in lines[1]  # true is not 1
    assert lines[2].startswith("  ✓ step  5  L") and lines[2].endswith("right")
    assert "✗ step  8  δ⁽²⁾" in lines[3] and "2 entries" in lines[3]  # no known mistake
    assert "✗ step 13  δ⁽¹⁾" in lines[4] and "forgot σ′" in lines[4]
    assert "expected a 2×2 matrix" in lines[5] and "✓ step 15" in lines[6]
    assert lines[-1] == "score: 2 of 6 right"
    as_json = json.loads(run("grade", "two_layer", str(answers), "--format", "json").stdout)
    assert as_json["right"] == 2 and as_json["total"] == 6
    assert as_json["answers"][3]["mistakes"][0]["key"] == "forgot_dact"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not toml [", "not TOML"),
        ('"delta.9" = 1', "'delta.9' names no step"),
        ('"99" = 1', "there are steps 1 to 20"),
        ("", "no answers"),
        ('"5" = ' + "[" * 5000 + "1" + "]" * 5000, "lists nested too deeply"),
    ],
)
def test_grade_refuses_a_bad_answer_file_in_one_line(
    tmp_path: Path, content: str, problem: str
) -> None:
    answers = tmp_path / "a.toml"
    answers.write_text(content)
    proc = run("grade", "two_layer", str(answers))
    assert proc.returncode == 2 and problem in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_exam_is_reproducible_and_its_keys_are_the_variants_worked_solutions(
    tmp_path: Path,
) -> None:
    from bpdebug.output.exam import variant_network
    from bpdebug.output.explain import explain_markdown

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for folder in (a, b):
        proc = run("exam", "xor", "--variants", "3", "--seed", "5", "--data", "-o", str(folder))
        assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in a.iterdir())
    graph = ["exam-graph.svg"] if shutil.which("dot") else []  # the keys' picture of the graph
    assert names == sorted([*graph, *(f"exam-{k}{s}.md" for k in (1, 2, 3) for s in ("", "-key"))])
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "exam-1.md").read_text() != (a / "exam-2.md").read_text()
    net = variant_network(sample("xor"), 5, 1, data=True)
    key = explain_markdown(build_trace(net), graph_file=graph[0] if graph else None)
    assert (a / "exam-2-key.md").read_text() == key
    path = tmp_path / "variant.toml"  # the variant is a network the loader takes
    save_network(net, path)
    trace = json.loads(run("trace", str(path), "--format", "json").stdout)
    assert trace["loss"] == build_trace(net).loss
    sheet = (a / "exam-2.md").read_text()
    assert sheet.count("**Answer**") == 19  # every step asked but L′
    assert f"{build_trace(net).loss:.6g}"[:6] not in sheet


def test_exam_kinds_leave_only_those_blank(tmp_path: Path) -> None:
    proc = run("exam", "two_layer", "--kinds", "delta,dW", "-o", str(tmp_path))
    assert proc.returncode == 0
    sheet = (tmp_path / "exam-1.md").read_text()
    assert sheet.count("**Answer**") == 4
    from bpdebug.notation import num
    from bpdebug.output.exam import variant_network

    trace = build_trace(variant_network(sample("two_layer"), 0, 0, data=False))
    for kind, layer in (("delta", 1), ("delta", 2), ("dW", 1), ("W_new", 2)):
        for v in np.asarray(trace.find(kind, layer).value).reshape(-1):
            assert num(float(v)) not in sheet, (kind, layer)  # no later step gives it away
    assert (
        "not asked" in sheet and num(float(np.asarray(trace.find("z", 1).value).flat[0])) in sheet
    )


@needs_pdflatex
def test_exam_latex_compiles(tmp_path: Path) -> None:
    assert (
        run("exam", "softmax_classifier", "--format", "latex", "-o", str(tmp_path)).returncode == 0
    )
    for name in ("exam-1.tex", "exam-1-key.tex"):
        proc = pdflatex(tmp_path, name)
        assert proc.returncode == 0, proc.stdout[-2000:]
        assert "Overfull" not in proc.stdout


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["quiz", "two_layer", "--kinds", "deltas"], "'deltas' is not a phase or a kind"),
        (["quiz", "two_layer", "--tolerance", "2"], "between 0 and 1"),
        (["exam", "two_layer", "-o", "/dev/null"], "/dev/null: a file is there, not a folder"),
        (["exam", "two_layer", "--seed", "-5"], "--seed: must be from 0"),
    ],
)
def test_quiz_and_exam_arguments_get_one_line(args: list[str], problem: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2 and problem in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bpdebug_quiz_opens_the_debugger_asking_for_the_first_value() -> None:
    from terminal import on_a_terminal

    code, out = on_a_terminal(["quiz", "two_layer", "--kinds", "forward"], wait=4.0, sig=2)
    assert "? z⁽¹⁾ = ?" in out and "L = ?" in out


BLANK_WIDTH = """<script>
window.addEventListener("load", () => {
  const blank = document.querySelector("table.answer td");
  document.body.setAttribute("data-blank", blank.getBoundingClientRect().width);
  document.body.setAttribute("data-blanks", document.querySelectorAll("table.answer").length);
});
</script></body>"""


def test_the_html_exam_sheet_is_laid_out_by_a_browser(tmp_path: Path) -> None:
    """Headless Chromium shows each asked value as a grid of boxes to write in (a screenshot
    was looked at)."""
    import re

    from browser import run as browser

    assert (
        run("exam", "xor", "--kinds", "delta", "--format", "html", "-o", str(tmp_path)).returncode
        == 0
    )
    page = tmp_path / "exam-1.html"
    page.write_text(page.read_text().replace("</body>", BLANK_WIDTH))
    dom = browser(["--dump-dom", page.as_uri()], tmp_path / "profile").stdout
    found = dict(re.findall(r'data-(blank|blanks)="([0-9.]+)"', dom))
    assert float(found["blanks"]) == 2 and float(found["blank"]) > 80
    shot = tmp_path / "exam.png"
    browser([f"--screenshot={shot}", "--window-size=900,1400", page.as_uri()], tmp_path / "p2")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- what gives a value away


def test_what_gives_a_value_away_is_found_from_the_values() -> None:
    """∂L/∂b⁽ˡ⁾ is δ⁽ˡ⁾ for one example (both ways), L′'s step writes L, a frozen bias's
    update is the bias on screen; nothing else in 2-2-2 matches another value."""
    from dataclasses import replace

    from bpdebug.engine.grading import ON_SCREEN, exposers

    net = sample("two_layer")
    trace = build_trace(net)
    at = {(s.kind, s.layer): s.index for s in trace.steps}
    found = exposers(trace, range(len(trace)))
    for l in (1, 2):
        assert found[at["delta", l]] == [at["db", l]]
        assert found[at["db", l]] == [at["delta", l]]
    assert found[at["loss", None]] == [len(trace) - 1]
    assert sum(1 for v in found.values() if v) == 5
    frozen = net.with_params([(la.W, la.b) for la in net.layers])
    layers = (replace(frozen.layers[0], frozen=frozenset("b")), *frozen.layers[1:])
    trace = build_trace(replace(frozen, layers=layers))
    assert ON_SCREEN in exposers(trace, [at["b_new", 1]])[at["b_new", 1]]


async def test_a_value_given_away_counts_as_shown_never_first_try() -> None:
    """Asking δ only, on 2-2-2: at ∂L/∂b⁽²⁾ (not asked: the same vector as δ⁽²⁾) δ⁽²⁾ counts
    as shown and says why; answering it then is refused, and the score says shown."""
    app = quiz_app(kinds="delta")
    async with app.run_test(size=(100, 32)) as pilot:
        delta, db = app.trace.find("delta", 2), app.trace.find("db", 2)
        app.go(delta.index)
        await pilot.pause()
        assert delta.index in app.view.veiled
        app.go(db.index)
        await pilot.pause()
        assert delta.index not in app.view.veiled
        r = app.quiz.records[(0, delta.index)]
        assert r.revealed and not r.right and "∂L/∂b⁽²⁾ (step 10)" in r.shown_by
        app.go(delta.index)
        await pilot.pause()
        outcome = app.quiz.answer(app.trace, 0, delta, typed(delta.value))
        assert not outcome.right and outcome.said == "already shown"
        rows = {row[0]: row for row in app.quiz.rows(0, app.trace, "kind")}
        assert rows["error δ"] == ("error δ", 2, 0, 0, 0, 1)  # asked 2, shown 1, no hints


async def test_another_network_is_another_quiz() -> None:
    app = quiz_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await answer(pilot, "0.3775; 0.3925")
        assert app.quiz.records[(0, 0)].right
        app.replace_network(sample("xor"))
        await pilot.pause()
        assert app.quiz is not None and not app.quiz.records and 0 in app.view.veiled
