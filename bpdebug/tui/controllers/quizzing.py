"""Quiz mode in the App (a mixin): Q turns it on (asking what to quiz) or off, a answers the
step, h climbs the hint ladder, S shows the score; the end of an iteration shows it too."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bpdebug.engine import Step
from bpdebug.engine.grading import ON_SCREEN, exposers, gives_away
from bpdebug.session.quiz import Quiz, describe_kinds
from bpdebug.tui import screens

if TYPE_CHECKING:
    from bpdebug.tui.debugger import DebuggerApp
else:
    DebuggerApp = object  # a part of the App: at run time the App itself is the rest


class QuizActions(DebuggerApp):
    quiz: Quiz | None = None
    kept_quiz: Quiz | None = None  # a quiz turned off: Q resumes it with its answers
    _exposers: tuple[object, dict[int, list[int]]] | None = None  # per trace and quiz

    def quiz_hints(self, step: Step) -> int | None:
        """How many hints the step panel shows of a hidden step (None: not hidden)."""
        if step.index not in self.view.veiled or self.quiz is None:
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
        return self.trace.plan.where["loss", None] in self.view.veiled

    def veil(self, example: int | None) -> frozenset[int]:
        """The steps a quiz hides at the cursor (every surface writes their values ?): asked
        and not yet answered, unless what the screen shows gives one away (another step or a
        parameter with its value, reached; the followed example's share of a batch mean);
        that one then counts as shown, and says so. Once per step shown: cheap."""
        quiz = self.quiz
        if quiz is None:
            self.view.veiled = frozenset()
            return self.view.veiled
        trace, cursor, it = self.trace, self.view.cursor, self.iteration
        hidden = quiz.hidden(trace, it)
        key = (trace, quiz.tol, quiz.kinds)
        if self._exposers is None or self._exposers[0] != key:  # once per trace
            self._exposers = (key, exposers(trace, self._asked(), quiz.tol))
        found = self._exposers[1]
        said = []
        changed = True
        while changed:  # showing one may give another away
            changed = False
            for j in sorted(hidden):
                by = [i for i in found.get(j, ()) if i == ON_SCREEN or i not in hidden]
                by = [i for i in by if max(i, j) <= cursor]
                if by:
                    what = self._named(by[0])
                    quiz.show(it, j, what)
                    hidden.discard(j)
                    said.append(f"{trace[j].symbol} (step {j + 1}) counts as shown: {what}")
                    changed = True
        said += self._followed_gives_away(hidden, example)
        for line in said:
            self.notify(line, severity="warning")
        self.view.veiled = frozenset(hidden)
        return self.view.veiled

    def quiz_hidden_now(self) -> frozenset[int]:
        """Every value of this iteration the quiz still hides, and every step whose value
        would give one away (for the `x` export, whose worked solution has every step)."""
        self.veil(self.view.example)
        if self.quiz is None or self._exposers is None:
            return frozenset()
        hidden = self.quiz.hidden(self.trace, self.iteration)
        found = self._exposers[1]
        return frozenset(hidden | {i for j in hidden for i in found.get(j, ()) if i >= 0})

    def _asked(self) -> set[int]:
        quiz = self.quiz
        assert quiz is not None
        return {i for i, p in enumerate(self.trace.plan.steps) if quiz.asks_kind(p.kind)}

    def _named(self, exposer: int) -> str:
        if exposer == ON_SCREEN:
            return "a parameter on screen has its value"
        step = self.trace[exposer]
        if step.kind == "loss_after":
            return f"step {exposer + 1} writes it beside L′"
        return f"{step.symbol} (step {exposer + 1}) has its value"

    def _followed_gives_away(self, hidden: set[int], example: int | None) -> list[str]:
        """Following example k at a batch mean (∂L/∂W, ∂L/∂b) writes its share, which can be
        a hidden operand's column (∂Lₖ/∂b⁽ˡ⁾ is δ⁽ˡ⁾ₖ): that operand counts as shown."""
        step = self.trace[self.view.cursor]
        quiz = self.quiz
        if example is None or quiz is None or step.index in hidden:
            return []
        if step.kind not in ("dW", "db") or self.trace.network.batch_size == 1:
            return []
        delta = np.asarray(step.operands[0].value)[:, example]
        if step.kind == "db":
            share = delta
        else:
            share = np.outer(delta, np.asarray(step.operands[1].value)[:, example])
        said = []
        for op in step.operands:
            if op.step in hidden and op.per_example:
                column = np.asarray(op.value)[:, example]
                if gives_away(share, column, quiz.tol) or np.isin(column, share).all():
                    quiz.show(
                        self.iteration,
                        op.step,
                        f"example {example}'s share of "
                        f"{step.symbol} (step {step.index + 1}) has it",
                    )
                    hidden.discard(op.step)
                    said.append(
                        f"{op.name} (step {op.step + 1}) counts as shown: example "
                        f"{example}'s share of {step.symbol} is its column"
                    )
        return said

    def show_all_asked(self, why: str) -> int:
        """Every asked step of this iteration not yet answered counts as shown (`t` applies
        the update: the next iteration starts from its values); how many."""
        quiz = self.quiz
        if quiz is None:
            return 0
        hidden = quiz.hidden(self.trace, self.iteration)
        for j in hidden:
            quiz.show(self.iteration, j, why)
        return len(hidden)

    def renew_quiz(self) -> None:
        """Another network is another quiz: the same questions, no answers yet."""
        if self.quiz is not None:
            self.quiz = Quiz(self.quiz.kinds, self.quiz.tol)
        if self.kept_quiz is not None:
            self.kept_quiz = Quiz(self.kept_quiz.kinds, self.kept_quiz.tol)

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
        step = self.trace[self.view.cursor]
        if self.quiz is None:
            self.say("Not quizzing: Q starts a quiz")
            return
        if not self.quiz.asks(step):
            self.say(f"Step {step.index + 1} is not asked in this quiz")
            return
        if not self.quiz.hides(self.iteration, step):
            r = self.quiz.record(self.iteration, step)
            how = "answered" if r.right else f"shown ({r.shown_by})" if r.shown_by else "shown"
            self.say(f"{step.symbol} is {how}: its value is on screen")
            return
        self.push_screen(
            screens.AnswerScreen(
                self.quiz, self.trace, self.iteration, step, self.view.veiled, self.view.digits
            ),
            lambda _: self.refresh_quiz(),
        )

    def action_hint(self) -> None:
        step = self.trace[self.view.cursor]
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
        if quiz is None or self.view.cursor != len(self.trace) - 1:
            return
        if self.iteration in quiz.summarised:
            return
        quiz.summarised.add(self.iteration)
        self.call_after_refresh(self.action_score)
