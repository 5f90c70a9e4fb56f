"""The quiz's dialogs: what to quiz, answering a step, and the score."""

from __future__ import annotations

import math
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input

from bpdebug.engine import Step, Trace
from bpdebug.engine.grading import TOLERANCE
from bpdebug.notation import DIGITS, text
from bpdebug.notation import layout as lay
from bpdebug.notation.grid import flatten, flow
from bpdebug.session.quiz import HINTS, Quiz, parse_kinds, score_table, summary_markdown
from bpdebug.tui.screens.dialog import Dialog, Plain


class QuizSetupScreen(Dialog[Quiz | None]):
    """Which steps to ask (all, phases, kinds) and the tolerance; returns the quiz."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Quiz"
            yield Plain(
                "Each asked step hides its value until you answer it. Ask which steps? "
                "all, a phase (forward, backward, update) or kinds "
                "(z a loss dL_da dact delta dW db W_new b_new), e.g. delta, dW:"
            )
            yield Input(value="all", id="kinds", select_on_focus=True)
            yield Plain("Relative tolerance (enter starts):")
            yield Input(value=f"{TOLERANCE:g}", id="tolerance", select_on_focus=True)
            yield Plain("", id="error")

    def on_mount(self) -> None:
        self.query_one("#kinds", Input).focus()

    @on(Input.Submitted)
    def start(self, event: Input.Submitted) -> None:
        if event.input.id == "kinds":
            self.query_one("#tolerance", Input).focus()
            return
        try:
            kinds = parse_kinds(self.query_one("#kinds", Input).value)
            tol = float(self.query_one("#tolerance", Input).value)
            if not 0 < tol < 1:
                raise ValueError("the tolerance is a number between 0 and 1, e.g. 1e-3")
        except ValueError as exc:
            text = str(exc)
            if text.startswith("could not convert"):
                text = "the tolerance is a number between 0 and 1, e.g. 1e-3"
            self.query_one("#error", Plain).update(f"✗ {text}")
            return
        self.dismiss(Quiz(kinds, tol))

    def action_cancel(self) -> None:
        self.dismiss(None)


# The longest answer the dialog takes: room for every entry at every digit (32 characters
# each, beside 256), at most ANSWER_MAX. Each key costs more to draw the longer the line is (a
# 10⁵-character answer typed key by key took minutes); a larger value is answered an entry
# at a time.
ANSWER_MAX = 20_000


def answer_length(step: Step) -> int:
    return min(ANSWER_MAX, 256 + 32 * math.prod(step.shape))


class AnswerInput(Input):
    """The answer's Input: says so when a key or a paste would pass its length."""

    class TooLong(Message):
        """What was typed or pasted would have made the answer longer than the cap."""

    def restricted(self) -> None:
        super().restricted()  # the bell
        self.post_message(self.TooLong())


HINT_LINES = 10  # the most lines the formula with its numbers takes in the dialog


def numbers_lines(step: Step, veiled: frozenset[int], digits: int | None, width: int) -> list[str]:
    """The step's formula with its numbers, in two dimensions at the most detail that fits
    `width` and HINT_LINES, an asked operand ?; never the result."""
    eq = step.equation(veiled)
    for keep in lay.DETAIL:
        blocks = flow(lay.numbers(eq, digits, 1, None, keep), width, "  ")
        if blocks is not None and len(lines := flatten(blocks)) <= HINT_LINES:
            return lines
    return ["  " + text(lay.numbers(eq, digits, 1, None, None))]


class AnswerScreen(Dialog[bool]):
    """Type the step's value (or one entry); wrong answers say which mistake gives them and
    open the hints, written in the dialog (it covers the step panel). Returns whether the
    step is now answered."""

    BINDINGS = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = """
    AnswerScreen > .box { width: 80; }
    AnswerScreen #feedback { margin-top: 1; }
    AnswerScreen #hint { color: $text-muted; }
    AnswerScreen #hints { margin-top: 1; }
    AnswerScreen #hints.-empty { display: none; }
    """

    def __init__(
        self,
        quiz: Quiz,
        trace: Trace,
        iteration: int,
        step: Step,
        veiled: frozenset[int] = frozenset(),
        digits: int | None = DIGITS,
    ) -> None:
        """`veiled`: the steps the quiz hides now (a hint writes their values ?)."""
        super().__init__()
        self.quiz, self.trace, self.iteration, self.step = quiz, trace, iteration, step
        self.veiled, self.digits = veiled, digits

    def compose(self) -> ComposeResult:
        step = self.step
        with Vertical(classes="box") as box:
            box.border_title = f"Step {step.index + 1}: {step.symbol} = ?"
            yield Plain(self._prompt())
            yield AnswerInput(
                id="answer", placeholder=self._example(), max_length=answer_length(step)
            )
            yield Plain("", id="feedback")
            hints = self._hints()
            yield Plain(hints, id="hints").set_class(not hints, "-empty")
            yield Plain(self._hint_text(), id="hint")
            with Horizontal(classes="buttons"):
                yield Button("Check", id="check", variant="primary")
                yield Button("Hint", id="hint-button")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def _prompt(self) -> str:
        shape = self.step.shape_text
        how = {
            "scalar": "one number",
            "matrix": "rows separated by ';', numbers in a row by ',' or spaces",
        }.get("scalar" if self.step.is_scalar else "matrix" if "×" in shape else "", "")
        how = how or "its numbers separated by ';' (a column)"
        return (
            f"{self.step.symbol} ({shape}): {how}. Or one entry: [row,column] = value "
            f"(rows and columns from 0, as on screen). Relative tolerance {self.quiz.tol:g}."
        )

    def _example(self) -> str:
        if self.step.is_scalar:
            return "0.2984"
        return "0.1; 0.2" if "×" not in self.step.shape_text else "0.1, 0.2; 0.3, 0.4"

    def _hint_text(self) -> str:
        r = self.quiz.records.get((self.iteration, self.step.index))
        if r is None or not r.wrong:
            return "Hints open after a wrong answer."
        if r.hints >= len(HINTS):
            return "The value is shown in the step panel."
        return f"Hint {r.hints + 1} shows {HINTS[r.hints]}."

    def _hints(self) -> str:
        """The hints climbed so far, written out: 1 the formula, 2 its numbers."""
        r = self.quiz.records.get((self.iteration, self.step.index))
        climbed = r.hints if r is not None else 0
        lines = [f"Hint 1, {HINTS[0]}: {self.step.formula}"] if climbed >= 1 else []
        if climbed >= 2:
            width = max(min(76, self.app.size.width - 6), 20)
            lines.append(f"Hint 2, {HINTS[1]}:")
            lines += numbers_lines(self.step, self.veiled, self.digits, width)
        return "\n".join(lines)

    @on(AnswerInput.TooLong)
    def too_long(self) -> None:
        cap, n = answer_length(self.step), math.prod(self.step.shape)
        said = f"✗ an answer here is at most {cap:,} characters; that was not added"
        if cap == ANSWER_MAX:
            said += ": type a value this large an entry at a time ([row,column] = value)"
        else:
            said += f" (room for {n:,} {'entry' if n == 1 else 'entries'} at every digit)"
        self.query_one("#feedback", Plain).update(said)

    @on(Input.Submitted)
    @on(Button.Pressed, "#check")
    def check(self) -> None:
        text = self.query_one("#answer", Input).value
        try:
            outcome = self.quiz.answer(self.trace, self.iteration, self.step, text)
        except ValueError as exc:
            self.query_one("#feedback", Plain).update(f"✗ can't read that: {exc}")
            return
        if outcome.right:
            self.dismiss(True)
            self.app.notify(f"{self.step.symbol}: {outcome.said}")
            return
        self.query_one("#feedback", Plain).update(outcome.said)
        self.query_one("#hint", Plain).update(self._hint_text())

    @on(Button.Pressed, "#hint-button")
    def hint(self) -> None:
        said = self.quiz.hint(self.iteration, self.step)
        hints = self._hints()
        shown = self.query_one("#hints", Plain)
        shown.update(hints)
        shown.set_class(not hints, "-empty")
        self.query_one("#hint", Plain).update(f"{said}. {self._hint_text()}")
        if self.quiz.records[(self.iteration, self.step.index)].revealed:
            self.dismiss(True)
            return
        self.app.call_later(self.app.refresh_quiz)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(False)


class ScoreScreen(Dialog[None]):
    """The score of this iteration, per phase and per kind; x writes it as markdown."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("x", "export", "Export")]
    DEFAULT_CSS = "ScoreScreen > .box { width: 84; } ScoreScreen .table { margin-top: 1; }"

    def __init__(
        self, quiz: Quiz, trace: Trace, iteration: int, send: Callable[[str, str], str]
    ) -> None:
        super().__init__()
        self.quiz, self.trace, self.iteration = quiz, trace, iteration
        self.send = send  # writes a file (a terminal) or a download (served); says which

    def compose(self) -> ComposeResult:
        from bpdebug.engine.grading import MISTAKES

        q, t, it = self.quiz, self.trace, self.iteration
        with Vertical(classes="box") as box:
            box.border_title = f"Quiz score · iteration {it}"
            yield Plain("\n".join(score_table(q, it, t, "phase")), classes="table")
            yield Plain("\n".join(score_table(q, it, t, "kind")), classes="table")
            met = q.mistakes_met(it)
            said = ", ".join(f"{MISTAKES[k][0]} ({n}×)" for k, n in met.most_common())
            yield Plain(f"Mistakes met: {said or 'none'}", classes="table")
            yield Plain("", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Export markdown (x)", id="export", variant="primary")
                yield Button("Close", id="close")

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        name = (self.trace.network.name or "network").replace("/", "-").replace(" ", "_")
        name = f"{name[:60]}-quiz.md"
        text = summary_markdown(self.quiz, self.iteration, self.trace)
        try:
            said = self.send(name, text)
        except (OSError, ValueError) as exc:
            self.query_one("#error", Plain).update(f"✗ not written: {exc}")
            return
        self.query_one("#error", Plain).update(f"✓ {said}")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
