"""What a plan is made of: its steps, their operands, and the Planner that lists them in
order (the layer kinds' formula models, the loss and the update plans all add to one)."""

from __future__ import annotations

from typing import NamedTuple

from bpdebug.engine.vector import Layout
from bpdebug.engine.vocabulary import PER_EXAMPLE, TensorRef, tensor_symbol
from bpdebug.notation import expr as ex
from bpdebug.notation.layout import Bound, Equation, Setting, lay, symbolic
from bpdebug.notation.prose import Math, Prose
from bpdebug.notation.text import text


def symbol_text(symbol: ex.Expr) -> str:
    """A symbol as the screen writes it: '∂L/∂W⁽¹⁾'."""
    return text(lay(symbol, (), Setting()).box)


def batch_note(m: int) -> str:
    """What a batch mean says of itself ('' for one example)."""
    return Prose("mean over the batch of ", Math(f"m = {m}"), " examples") if m > 1 else ""


class OperandPlan(NamedTuple):
    symbol: ex.Expr
    step: int | None  # the step whose value it is, or
    tensor: TensorRef | None  # the tensor of the network it is (W⁽²⁾, x, η, β₁ …)
    per_example: bool  # one column per example (z, a, δ, x, y …)
    name: str  # the symbol as text


class StepPlan(NamedTuple):
    phase: str
    layer: int | None
    kind: str
    lhs: ex.Expr
    rhs: ex.Expr  # Ref(k) stands for operands[k]
    operands: tuple[OperandPlan, ...]
    note: str  # a Prose where it holds a formula (the hand-outs typeset it)
    relation: str
    symbol: str  # lhs as text: 'z⁽¹⁾'
    formula: str  # the whole formula as text: 'z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾' (', m = 4' …)


Key = tuple[str, int | None]  # (kind, layer): what a step's value is


class Recorded(NamedTuple):
    """The steps whose values a trace records at once (all but L′): in order, and as a set."""

    order: tuple[Key, ...]
    set: frozenset[Key]


class Plan(NamedTuple):
    steps: tuple[StepPlan, ...]
    recorded: Recorded
    layer_keys: tuple[dict[str, Key], ...]  # layer_keys[l][kind] == (kind, l), l = 1..L
    where: dict[tuple[str, int | None], int]  # (kind, layer) → step index
    phase_starts: dict[str, int]
    layout: Layout  # where each W and b sit in the flat gradient
    freezes_some: bool  # whether some layer freezes a parameter (the update leaves it be)


R0, R1, R2, R3, R4 = (ex.Ref(k) for k in range(5))


class Planner:
    """Lists the steps in order; operands name earlier steps by (kind, layer)."""

    def __init__(self) -> None:
        self.steps: list[StepPlan] = []
        self.index: dict[tuple[str, int | None], int] = {}

    def step(self, kind: str, layer: int | None) -> OperandPlan:
        i = self.index[(kind, layer)]
        sp = self.steps[i]
        return OperandPlan(sp.lhs, i, None, kind in PER_EXAMPLE, sp.symbol)

    @staticmethod
    def tensor(ref: TensorRef) -> OperandPlan:
        symbol = tensor_symbol(ref)
        return OperandPlan(symbol, None, ref, ref.kind in ("x", "y"), symbol_text(symbol))

    def add(
        self,
        phase: str,
        layer: int | None,
        kind: str,
        lhs: ex.Expr,
        rhs: ex.Expr,
        *operands: OperandPlan,
        note: str = "",
        relation: str = "=",
    ) -> None:
        self.index[(kind, layer)] = len(self.steps)
        bounds = tuple(Bound(op.symbol, None, op.per_example) for op in operands)
        formula = text(symbolic(Equation(lhs, relation, rhs, bounds, None)))
        step = StepPlan(
            phase, layer, kind, lhs, rhs, operands, note, relation, symbol_text(lhs), formula
        )
        self.steps.append(step)
