"""Training in the App (a mixin): `t` one iteration, `T` many, the loss plot, `P` pinning a
run, `G` the gradient flow. In quiz mode the next iteration is a new quiz: the one left
behind counts its unanswered steps as shown (the next starts from their values), and a loss
still asked is kept off the plot and out of the messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bpdebug.notation import num
from bpdebug.tui import screens
from bpdebug.tui.views import panels
from bpdebug.tui.widgets import LossPlot

if TYPE_CHECKING:
    from bpdebug.tui.debugger import DebuggerApp
else:
    DebuggerApp = object  # a part of the App: at run time the App itself is the rest


class TrainActions(DebuggerApp):
    def leave_iteration(self) -> None:
        """Before training on: this iteration's unanswered steps count as shown (its update
        becomes the network, its loss joins the plot), saying how many."""
        left = self.show_all_asked("training applied this iteration's update")
        if left:
            self.say(
                f"Quiz: {left} unanswered step{'s' if left != 1 else ''} of iteration "
                f"{self.iteration} count as shown (training applies its values)",
                "warning",
            )

    def action_train_one(self) -> None:
        """Apply this iteration's update, unless it makes a parameter nan or inf (then say
        so and show the step where it does)."""
        broken = [i for i in sorted(self.trace.nonfinite_steps) if self.trace[i].relation == "←"]
        if broken:
            self.go(broken[0])
            self.say(
                f"Not applied: this update makes {self.trace[broken[0]].symbol} nan or inf "
                f"(step {broken[0] + 1}); undo an edit or lower η"
            )
            return
        self.leave_iteration()
        self.session.train_one()
        self.reload()

    def show_losses(self) -> None:
        """The loss plot; a loss a quiz still asks for is neither drawn nor written."""
        hidden = self.view.plot_hides_loss = self.loss_hidden()
        self.query_one(LossPlot).show(panels.loss_shown(self.session, self.view, hidden))

    def action_pin(self) -> None:
        """Pin the loss curve so the next run is drawn beside it; again: unpin."""
        if self.session.pinned is not None:
            self.session.pinned = None
            self.say("Unpinned the loss curve")
        else:
            pinned = self.session.pin()
            self.say(
                f"Pinned the loss curve ({pinned.network}, {pinned.name}): change something "
                "and train again to compare; P unpins"
            )
        self.show_losses()

    def action_flow(self) -> None:
        """The gradient flow over the iterations trained so far (in a quiz, without this
        iteration's norms and loss while it asks for some of them)."""
        flow = self.session.flow
        if self.view.veiled:
            if flow.rows < 2:
                self.say("G: no iteration trained yet, and the quiz hides this one's norms")
                return
            flow = flow.take(slice(0, -1))
            self.say("G: the iterations before this one (the quiz hides this one's norms)")
        self.push_screen(screens.FlowScreen(flow, self.network, self.iteration, self.view.digits))

    def action_train_many(self) -> None:
        self.push_screen(screens.TrainScreen(self.network), self.trained)

    def trained(self, result: screens.TrainResult | None) -> None:
        """A training run ended: show where it stopped, and why if it stopped early."""
        if result is None:
            return
        run = result.run
        self.leave_iteration()
        self.session.advance(run)
        self.reload()
        first = num(run.losses[0], self.view.digits)
        last = "?" if self.loss_hidden() else num(run.losses[-1], self.view.digits)
        ran = f"{run.iterations:,}"
        if run.iterations != result.asked:
            ran += f" of {result.asked:,}"
        said = f"Trained {ran} iterations: L {first} → {last}"
        if run.stopped == "nonfinite":
            bad = self.trace.first_nonfinite()
            if bad is not None:
                self.go(bad.index)
            self.say(f"{said}. Stopped at {run.reason}; kept the last finite network", "warning")
        elif run.stopped in ("rising", "factor"):
            self.say(f"{said}. Stopped: the loss diverges ({run.reason})", "warning")
        elif run.stopped:
            self.say(f"{said} (stopped)")
        else:
            self.say(said)
