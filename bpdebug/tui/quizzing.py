"""Quiz mode in the App (a mixin): Q turns it on (asking what to quiz) or off, a answers the
step, h climbs the hint ladder, S shows the score; the end of an iteration shows it too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import Step
from . import screens
from .quiz import Quiz, describe_kinds

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from ..engine import Trace
    from .session import Session

    class _App(App[None]):
        """What the quiz actions use of the debugger app."""

        session: Session
        trace: Trace
        cursor: int
        iteration: int

        def say(self, message: str, severity: SeverityLevel = "information") -> None: ...
        def show_step(self, keep_scroll: bool = False) -> None: ...
        def show_edit_state(self) -> None: ...
        def show_losses(self) -> None: ...
        def send_out(self, name: str, text: str) -> str: ...

else:
    _App = object


class QuizActions(_App):
    quiz: Quiz | None = None
    kept_quiz: Quiz | None = None  # a quiz turned off: Q resumes it with its answers

    def quiz_hides(self, step: Step) -> bool:
        return self.quiz is not None and self.quiz.hides(self.iteration, step)

    def quiz_hints(self, step: Step) -> int | None:
        """How many hints the step panel shows of a hidden step (None: not hidden)."""
        if self.quiz is None or not self.quiz.hides(self.iteration, step):
            return None
        return self.quiz.hints_shown(self.iteration, step)

    def quiz_masked(self) -> frozenset[int]:
        """The steps whose formula the tape keeps to itself: asked, no hint shown yet."""
        quiz = self.quiz
        if quiz is None:
            return frozenset()
        masked = set()
        for index, planned in enumerate(self.trace.plan.steps):
            if quiz.asks_kind(planned.kind):
                r = quiz.records.get((self.iteration, index))
                if r is None or not (r.done or r.hints):
                    masked.add(index)
        return frozenset(masked)

    def loss_hidden(self) -> bool:
        """The loss is asked for and not yet answered: the title and the plot don't say it."""
        return self.quiz_hides(self.trace.find("loss"))

    def start_quiz(self, quiz: Quiz) -> None:
        kept = self.quiz or self.kept_quiz
        if kept is not None:  # answers already given stay given
            quiz.records, quiz.summarised = kept.records, kept.summarised
        self.quiz, self.kept_quiz = quiz, None
        self.refresh_quiz()
        self.say(
            f"Quiz on: {describe_kinds(quiz.kinds)}, tolerance {quiz.tol:g}. "
            "a answers, h hints after a wrong answer, S the score, Q ends the quiz"
        )

    def refresh_quiz(self) -> None:
        self.show_step(keep_scroll=True)
        self.show_edit_state()
        self.show_losses()

    def action_quiz(self) -> None:
        if self.quiz is not None:
            self.quiz, self.kept_quiz = None, self.quiz
            self.refresh_quiz()
            self.say("Quiz off: every value is shown (Q resumes it, answers kept)")
            return

        def chosen(quiz: Quiz | None) -> None:
            if quiz is not None:
                self.start_quiz(quiz)

        self.push_screen(screens.QuizSetupScreen(), chosen)

    def action_answer(self) -> None:
        step = self.trace[self.cursor]
        if self.quiz is None:
            self.say("Not quizzing: Q starts a quiz")
            return
        if not self.quiz.asks(step):
            self.say(f"Step {step.index + 1} is not asked in this quiz")
            return
        if not self.quiz.hides(self.iteration, step):
            self.say(f"{step.symbol} is answered: its value is shown")
            return
        self.push_screen(
            screens.AnswerScreen(self.quiz, self.trace, self.iteration, step),
            lambda _: self.refresh_quiz(),
        )

    def action_hint(self) -> None:
        step = self.trace[self.cursor]
        if self.quiz is None or not self.quiz.asks(step):
            self.say("No hint here: h gives hints on a step the quiz asks for")
            return
        self.say(self.quiz.hint(self.iteration, step))
        self.refresh_quiz()

    def action_score(self) -> None:
        if self.quiz is None:
            self.say("Not quizzing: Q starts a quiz")
            return
        self.push_screen(screens.ScoreScreen(self.quiz, self.trace, self.iteration, self.send_out))

    def maybe_show_score(self) -> None:
        """At the last step of an iteration, the score (once per iteration)."""
        quiz = self.quiz
        if quiz is None or self.cursor != len(self.trace) - 1:
            return
        if self.iteration in quiz.summarised:
            return
        quiz.summarised.add(self.iteration)
        self.call_after_refresh(self.action_score)
