"""What a plan is made of: the steps' kinds and titles, their operands, and the Planner that
lists them in order (forward, backward and update plans all add to one).

The plan of one iteration: every step's kind, formula and operands, once per network shape.

What a step *is* (its symbol, its formula, which earlier steps or parameters it reads)
depends only on the network's shape, so a plan is built once per shape and shared by every
trace of that shape; a trace is a plan plus one iteration's values.
"""

from __future__ import annotations

from typing import NamedTuple

from bpdebug.engine.flat import Layout
from bpdebug.notation import expr as ex
from bpdebug.notation.layout import Bound, Equation, Setting, lay, symbolic
from bpdebug.notation.text import text

PHASES = ("forward", "backward", "update")
# What each kind of step computes, in words (the step panel's header, the worked solutions).
KIND_TITLES = {
    "z": "weighted input",
    "a": "activation",
    "loss": "loss",
    "dL_da": "∂L/∂a",
    "dact": "activation derivative",
    "delta": "error δ",
    "dW": "weight gradient",
    "db": "bias gradient",
    "W_new": "weight update",
    "b_new": "bias update",
    "loss_after": "loss after the update",
}
FACTOR_TITLES = {
    "g": "gradient with weight decay",
    "decayed": "decoupled weight decay",
    "velocity": "velocity",
    "lookahead": "Nesterov look-ahead",
    "square_avg": "running mean of the squared gradient",
    "exp_avg": "first moment",
    "exp_avg_sq": "second moment",
    "exp_avg_hat": "bias-corrected first moment",
    "exp_avg_sq_hat": "bias-corrected second moment",
}
for _p in ("W", "b"):  # the optimizers' factor steps, per parameter
    KIND_TITLES.update({f"{_p}_{k}": f"{_p}: {title}" for k, title in FACTOR_TITLES.items()})
# Kinds whose value has one column per example (the others hold one value for the batch).
PER_EXAMPLE = frozenset({"z", "a", "dL_da", "dact", "delta"})


def symbol(base: str, layer: int | None = None) -> ex.Sym:
    """z⁽ˡ⁾, W⁽ˡ⁾, δ⁽ˡ⁾ … as a formula's symbol."""
    return ex.Sym(base, None if layer is None else str(layer))


def symbol_text(symbol: ex.Expr) -> str:
    """A symbol as the screen writes it: '∂L/∂W⁽¹⁾'."""
    return text(lay(symbol, (), Setting()).box)


# The symbol of each parameter an operand can name ("W2", "b1", "x", "y", "lr").
HYPER_SYMBOLS = {
    "momentum": "μ",
    "beta1": "β₁",
    "beta2": "β₂",
    "eps": "ε",
    "alpha": "α",
    "weight_decay": "λ",
    "beta1_t": "β₁ᵗ",
    "beta2_t": "β₂ᵗ",
}
STATE_SYMBOLS = {"velocity": "v", "square_avg": "s", "exp_avg": "m", "exp_avg_sq": "v"}


def param_symbol(key: str) -> ex.Expr:
    if key.startswith("opt."):  # a hyper-parameter of the optimizer: β₁, ε, or β₁ᵗ
        return ex.Sym(HYPER_SYMBOLS[key[4:]])
    if key.startswith("state."):  # the optimizer's state before this update: m⁽¹⁾_W …
        _, param, tensor = key.split(".")
        return ex.Sym(STATE_SYMBOLS[tensor], param[1:], sub=param[0])
    if key == "x":
        return symbol("a", 0)
    if key == "lr":
        return ex.Sym("η")
    if key == "y":
        return ex.Sym("y")
    return symbol(key[0], int(key[1:]))


class OperandPlan(NamedTuple):
    symbol: ex.Expr
    step: int | None  # the step whose value it is, or
    param: str | None  # the network tensor it is ("W2", "b1", "x", "y", "lr")
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
    keeps_some: bool  # whether some layer freezes a parameter (the update keeps it)


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
    def param(key: str) -> OperandPlan:
        symbol = param_symbol(key)
        return OperandPlan(symbol, None, key, key in ("x", "y"), symbol_text(symbol))

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
