"""The prose of a worked solution: one or two sentences per step saying what it computes and
why, in the words of the text, with one entry's arithmetic in its numbers.

Each kind of step has its sentence (the reasons are the text's own: z weighs the inputs, δ is
the error signal at z, the transpose carries it back through the weights, the forward values
are reused, the update steps downhill). The first time a kind appears it is said in full;
later layers say what differs. Numbers come from the trace at the hand-out's precision and
are left out where a quiz still asks for one of them (`veiled`).
"""

from __future__ import annotations

from collections.abc import Callable

from bpdebug.engine import Step, Trace
from bpdebug.engine.optimizers import plain
from bpdebug.notation.prose import Math, Prose
from bpdebug.output.handout import optimizer_words
from bpdebug.output.lesson.backward import (
    bias_gradient,
    error_signal,
    loss_after,
    loss_gradient,
    slope,
    update,
    weight_gradient,
)
from bpdebug.output.lesson.context import Context
from bpdebug.output.lesson.forward import activation, loss, weighted_input

SENTENCES: dict[str, Callable[[Context], Prose | None]] = {
    "z": weighted_input,
    "a": activation,
    "loss": loss,
    "dL_da": loss_gradient,
    "dact": slope,
    "delta": error_signal,
    "dW": weight_gradient,
    "db": bias_gradient,
    "W_new": update,
    "b_new": update,
    "loss_after": loss_after,
}


def phase_intro(trace: Trace, phase: str) -> Prose:
    """What a phase does, said once under its heading."""
    net = trace.network
    if phase == "forward":
        return Prose(
            "The forward pass runs the input through the network layer by layer: each "
            "layer's weighted input $z$ and activation $a$, then the loss. Every value is "
            "kept, because the backward pass reuses them."
        )
    if phase == "backward":
        return Prose(
            "The backward pass (backpropagation) applies the chain rule from the loss "
            "back to the first layer: at each layer the error signal ",
            Math("δ = ∂L/∂z"),
            ", then the gradients of the layer's weights and biases from it.",
        )
    if not plain(net.optimizer):
        return Prose(
            f"The optimizer ({optimizer_words(net)}) turns each gradient into a step, "
            "one factor at a time."
        )
    return Prose(
        "Gradient descent moves every parameter a small step against its gradient: ",
        Math("θ ← θ − η ∂L/∂θ"),
        ".",
    )


class Lesson:
    """The sentences of one document, in order: each kind said in full the first time."""

    def __init__(self, trace: Trace, digits: int | None, veiled: frozenset[int]) -> None:
        self.trace, self.digits, self.veiled = trace, digits, veiled
        self.said: set[str] = set()

    def __call__(self, step: Step) -> Prose | None:
        sentence = SENTENCES.get(step.kind)
        if sentence is None:  # an optimizer's factor: its note says what it is
            return None
        kind = "update" if step.kind in ("W_new", "b_new") else step.kind  # said once for both
        if kind == "dL_da" and step.layer != self.trace.network.depth:
            kind = "back"  # back through the weights: not the loss's ∂L/∂a, said on its own
        first = kind not in self.said
        reads = {op.step for op in step.operands if op.step is not None}
        shown = step.index not in self.veiled and not reads & self.veiled
        used: set[int] = set()
        said = sentence(Context(self.trace, step, self.digits, first, shown, used))
        if used & self.veiled:  # it read a value a quiz still asks: say it without numbers
            said = sentence(Context(self.trace, step, self.digits, first, False, set()))
        if said is not None:  # (a frozen parameter's update leaves it to the step's note)
            self.said.add(kind)
        return said
