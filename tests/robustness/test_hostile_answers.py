"""Hostile answer files for `bpdebug grade`, through the real command line: every refusal is
one line naming the file and exit 2, every bad answer is graded wrong saying why, nothing
hangs, nothing is read beyond what this network's answers can need, and one step is one
answer however many names it is given under."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from command_line import one_line

from bpdebug.cli import main

BIG = "9" * 5000


def grade(capsys: pytest.CaptureFixture[str], path: Path, *more: str) -> tuple[int, str, str]:
    """`bpdebug grade two_layer PATH`: (exit status, standard output, standard error)."""
    code = main(["grade", "two_layer", str(path), *more])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (f'"{BIG}" = 0.3', "there are steps 1 to 20"),  # was ValueError: Exceeds the limit
        (f'"delta.{BIG}" = 0.3', "names no step"),
        (f'"5" = {BIG}', "a number has more than 4,300 digits"),
        ('"999" = 1', "'999': there are steps 1 to 20"),
        ('"0" = 1', "there are steps 1 to 20"),
        ('"-5" = 1', "'-5' names no step"),
        ('"²" = 1', "'²' names no step"),  # isdigit() says yes, int() says no
        ('"\\u0665" = 0.2984', "'٥' names no step"),  # Arabic-Indic five: int() reads 5
        ('"δ.1" = 1', "'δ.1' names no step"),
        ('"[bold]x[/bold]" = 1', "'[bold]x[/bold]' names no step"),
        ("[x]\na = 1", "'x' names no step"),
        ('"5" = 1\n"5" = 2', "not TOML: Cannot overwrite a value"),
        ('"5" = ' + "[" * 20_000 + "]" * 20_000, "lists nested too deeply"),
        ("\0\0\0", "not TOML"),
        ("", "no answers"),
    ],
)
def test_a_bad_answer_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, says: str
) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(content, encoding="utf-8")
    said = one_line(*grade(capsys, path)[::2])
    assert said.startswith(f"bpdebug: {path}: ") and says in said, said
    assert len(said) < len(str(path)) + 150  # a 5,000-character key is quoted cut short


def test_binary_junk_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert "not UTF-8 text" in one_line(*grade(capsys, path)[::2])


def test_control_characters_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An escape code in a key, or in the file's own name, is written as \\x1b."""
    path = tmp_path / "a\x1b[2Jb.toml"
    path.write_text('"\\u001b[31mred" = 1\n')
    code, _, err = grade(capsys, path)
    said = one_line(code, err)
    assert "\x1b" not in err and "a\\x1b[2Jb.toml" in said and "'\\x1b[31mred'" in said
    path.write_text('"5" = 0.2984\n')
    code, out, err = grade(capsys, path)
    assert code == 0 and "\x1b" not in out and "a\\x1b[2Jb.toml" in out.splitlines()[0]


def test_an_answer_file_larger_than_any_answers_need_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 10⁶-entry array (4 MB) for a network of 20 small steps: refused by its size, before
    a parser builds a million numbers (the 64 MiB network-file limit would have let 40 MB in)."""
    path = tmp_path / "answers.toml"
    path.write_text('"5" = [' + ", ".join(["1.0"] * 1_000_000) + "]\n")
    said = one_line(*grade(capsys, path)[::2])
    size = path.stat().st_size
    assert f"file is {size:,} bytes; answers to these 20 steps need at most 68,480" in said


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("9" * 400, "holds an integer too large to be a number"),  # was OverflowError
        ("nan", "not a finite number"),
        ("-inf", "not a finite number"),
        ('"0.2984"', "not a number, a list of numbers or a list of such rows"),
        ("true", "not a number, a list of numbers or a list of such rows"),
        ("[[[0.2984]]]", "not a number, a list of numbers or a list of such rows"),
        ("{ a = 1 }", "not a number, a list of numbers or a list of such rows"),
        ("[[1, 2], [3]]", "its rows differ in length"),
        ("[" + ", ".join(["0.5"] * 1000) + "]", "expected one number, got a vector of 1000"),
    ],
)
def test_a_bad_answer_is_graded_wrong_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answer: str, says: str
) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(f'"5" = {answer}\n')
    code, out, err = grade(capsys, path)
    assert code == 0 and not err, err
    lines = out.splitlines()
    assert lines[1].startswith("  ✗ step  5  L  wrong: ") and says in lines[1], lines[1]
    assert lines[-1] == "score: 0 of 1 right"


def test_one_step_under_four_names_is_one_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "5", "05", " 5" and "loss" all name step 5: one answer, graded once (the first key),
    the other names said; it was "4 of 4 right"."""
    path = tmp_path / "answers.toml"
    path.write_text('"5" = 0.2984\n"05" = 0.2984\n" 5" = 0.2984\n"loss" = 0.2984\n')
    code, out, err = grade(capsys, path)
    assert code == 0, err
    assert out.splitlines()[1:] == [
        "  ✓ step  5  L  right",
        "      (also answered as '05', ' 5', 'loss': the same step, graded once, as '5')",
        "score: 1 of 1 right",
    ]
    code, out, _ = grade(capsys, path, "--format", "json")
    document = json.loads(out)
    assert (document["right"], document["total"]) == (1, 1)
    assert document["answers"][0]["also"] == ["05", " 5", "loss"]


def test_a_wrong_first_answer_is_not_rescued_by_a_right_second_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.toml"
    many = "".join(f'"{" " * k}5" = 0.2984\n' for k in range(1, 200))
    path.write_text('"loss" = 0.5\n' + many)
    code, out, _ = grade(capsys, path)
    lines = out.splitlines()
    assert code == 0 and "✗ step  5" in lines[1] and lines[-1] == "score: 0 of 1 right"
    assert lines[2].endswith("and 194 more: the same step, graded once, as 'loss')")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bpdebug", *args], capture_output=True, text=True, timeout=30
    )


def test_what_is_not_a_file_is_refused_without_waiting(tmp_path: Path) -> None:
    """A named pipe nobody writes to, /dev/zero, a symbolic link to itself, a folder: one
    line each, in a subprocess (a regression would hang, not the test run)."""
    fifo, loop, folder = tmp_path / "fifo.toml", tmp_path / "loop.toml", tmp_path / "dir"
    os.mkfifo(fifo)
    loop.symlink_to(loop)
    folder.mkdir()
    cases = {
        str(fifo): "is a named pipe, not an answer file",
        "/dev/zero": "is a character device, not an answer file",
        str(loop): "Too many levels of symbolic links",
        str(folder): "is a folder, not an answer file",
        str(tmp_path / "missing.toml"): "no such file",
    }
    for path, says in cases.items():
        proc = _run("grade", "two_layer", path)
        assert proc.returncode == 2 and not proc.stdout, proc.stderr
        assert proc.stderr == f"bpdebug: {path}: {says}\n"


# ---------------------------------------------------------------- typed answers, in the app


def quiz_app():  # type: ignore[no-untyped-def]
    from bpdebug.files.netfile import load_network
    from bpdebug.files.samples import sample_path
    from bpdebug.session.quiz import Quiz
    from bpdebug.tui.app import make_app

    return make_app(load_network(sample_path("two_layer")), quiz=Quiz(None, 1e-3))


def feedback(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#feedback").render())


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("[red]x[/red]", "'[red]x[/red]' is not a number, a vector"),
        ("nan; 1", "every entry must be a finite number"),
        ("1e999; 0", "every entry must be a finite number"),
        ("9" * 400 + "; 0", "every entry must be a finite number"),
        ("[" + "9" * 5000 + ",0] = 1", "that index is outside its 2"),  # was Python's 4300 digits
        ("[5,0] = 1", "[5,0] is outside its 2"),
        ("\x1b[31m1", "'\\x1b[31m1' is not a number"),
        ("[" * 2000 + "1" + "]" * 2000, "is not a number, a vector"),
        ("0.1; 0.2; 0.3", "expected a vector of 2 numbers, got a vector of 3 numbers"),
    ],
)
async def test_a_hostile_typed_answer_is_one_line_in_the_dialog(typed: str, says: str) -> None:
    from bpdebug.tui.screens.quiz import AnswerScreen

    app = quiz_app()
    async with app.run_test(size=(120, 36)) as pilot:
        app.go(12)  # δ⁽¹⁾, a vector of 2
        await pilot.press("a")
        answer = app.screen.query_one("#answer")
        answer.value = typed  # set, not typed: the cap is for keys and pastes
        await pilot.press("enter")
        assert isinstance(app.screen, AnswerScreen)
        said = feedback(app)
        assert said.startswith("✗ can't read that: ") and says in said and "\n" not in said
        assert len(said) < 200 and "\x1b" not in said
        record = app.quiz.records.get((0, 12))
        assert record is None or record.tries == 0  # nothing graded, nothing counted


async def test_an_answer_longer_than_its_step_can_need_is_refused_as_typed() -> None:
    """δ⁽¹⁾ has 2 entries: the answer takes 256 + 32·2 = 320 characters; a key past them, or
    a paste of 10⁵ characters, is not added and the dialog says why; the answer is graded."""
    from textual import events

    from bpdebug.tui.screens.quiz import AnswerInput

    app = quiz_app()
    async with app.run_test(size=(120, 36)) as pilot:
        app.go(12)
        await pilot.press("a")
        answer = app.screen.query_one("#answer", AnswerInput)
        answer.value = " " * 315
        answer.cursor_position = 315
        await pilot.press(*"0.1; 0.2")
        assert answer.value == " " * 315 + "0.1; "
        assert feedback(app) == (
            "✗ an answer here is at most 320 characters; that was not added "
            "(room for 2 entries at every digit)"
        )
        answer.value = ""
        answer.post_message(events.Paste("1" * 100_000))
        await pilot.pause()
        assert answer.value == "" and "at most 320 characters" in feedback(app)
        await pilot.press(*"0.008771; 0.009954", "enter")
        assert app.quiz.records[(0, 12)].right  # graded, and right


def test_a_step_too_large_to_type_whole_says_answer_it_an_entry_at_a_time() -> None:
    from bpdebug.engine import build_trace
    from bpdebug.files.netfile import load_network
    from bpdebug.files.samples import sample_path
    from bpdebug.tui.screens.quiz import ANSWER_MAX, answer_length

    trace = build_trace(load_network(sample_path("wide")))
    big = max(trace.steps, key=lambda s: int(np.prod(s.shape)))
    assert answer_length(big) == ANSWER_MAX == 20_000 and int(np.prod(big.shape)) > 600
    assert answer_length(trace.find("loss")) == 288
