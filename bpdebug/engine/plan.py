"""The plan of one iteration: every step's kind, formula and operands, once per network shape.

What a step *is* (its symbol, its formula, which earlier steps or parameters it reads)
depends only on the network's shape, so a plan is built once per shape and shared by every
trace of that shape; a trace is a plan plus one iteration's values.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from ..notation import expr as ex
from ..notation.layout import Bound, Equation, Setting, lay, symbolic
from ..notation.numbers import num, sup
from ..notation.prose import Math, Prose
from ..notation.text import text
from .activations import ACTIVATIONS
from .flat import Layout, layout
from .losses import LOSSES
from .network import Network
from .optimizers import plain

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


class _Planner:
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


# What the plan depends on. Per layer: activation, leaky slope (0 for the others), W's shape,
# the parameters the update keeps; then the loss and the batch size.
LayerKey = tuple[str, float, tuple[int, ...], frozenset[str]]
ShapeKey = tuple[tuple[LayerKey, ...], str, int, tuple[str, bool] | None]


def shape_key(net: Network) -> ShapeKey:
    layers = tuple(
        (
            la.activation,
            la.alpha if la.activation == "leaky_relu" else 0.0,
            la.W.shape,
            la.frozen,
        )
        for la in net.layers
    )
    optimizer = None if plain(net.optimizer) else net.optimizer.key  # type: ignore[union-attr]
    return layers, net.loss, net.batch_size, optimizer


@lru_cache(maxsize=64)
def plan_for(key: ShapeKey) -> Plan:
    """The steps of one iteration for networks of this shape, without their values."""
    layer_keys, loss, m, optimizer = key
    layers = tuple((activation, alpha) for activation, alpha, _, _ in layer_keys)
    kept = tuple(f for _, _, _, f in layer_keys)
    n_out = layer_keys[-1][2][0]
    p = _Planner()
    _plan_forward(p, layers, loss, m, n_out)
    _plan_backward(p, layers, loss, m, n_out)
    from .update_plan import plan_update  # (it builds on this module)

    plan_update(p, len(layers), kept, optimizer)
    starts: dict[str, int] = {}
    for i, s in enumerate(p.steps):
        starts.setdefault(s.phase, i)
    lay = layout(tuple(shape for _, _, shape, _ in layer_keys))
    order = tuple((s.kind, s.layer) for s in p.steps if s.kind != "loss_after")
    recorded = Recorded(order, frozenset(order))
    kinds = {s.kind for s in p.steps if s.layer is not None}
    by_layer: tuple[dict[str, Key], ...] = tuple(
        {k: (k, l) for k in kinds} for l in range(len(layers) + 1)
    )
    return Plan(tuple(p.steps), recorded, by_layer, dict(p.index), starts, lay, any(kept))


def _activation_note(activation: str, alpha: float) -> Prose:
    act = ACTIVATIONS[activation]
    if not act.elementwise:  # softmax: no σ′ to name, the Jacobian product instead
        return Prose(
            f"{act.words}: ",
            Math(f"aᵢ = {act.definition}"),
            "; it has no elementwise derivative: the backward pass takes ",
            Math(act.derivative),
        )
    slope = (", ", Math(f"α = {num(alpha, None)}")) if activation == "leaky_relu" else ()
    return Prose(
        Math("σ"),
        f" = {act.words}: ",
        Math(f"σ(z) = {act.definition}"),
        ", ",
        Math(f"σ′(z) = {act.derivative}"),
        *slope,
    )


def _batch_note(m: int) -> str:
    return Prose("mean over the batch of ", Math(f"m = {m}"), " examples") if m > 1 else ""


def _plan_forward(
    p: _Planner, layers: tuple[tuple[str, float], ...], loss: str, m: int, n: int
) -> None:
    a_prev = p.param("x")
    for l, (activation, alpha) in enumerate(layers, start=1):
        note: str = ""
        if m > 1:
            note = Prose(Math(f"b{sup(l)}"), " is added to every column (one per example)")
        p.add(
            "forward",
            l,
            "z",
            symbol("z", l),
            ex.Add(ex.MatMul(R0, R1), R2),
            p.param(f"W{l}"),
            a_prev,
            p.param(f"b{l}"),
            note=note,
        )
        fn = ACTIVATIONS[activation].symbol
        note = _activation_note(activation, alpha)
        p.add("forward", l, "a", symbol("a", l), ex.Call(fn, R0), p.step("z", l), note=note)
        a_prev = p.step("a", l)
    per_example = LOSSES[loss].formula(R0, R1, n)
    rhs = ex.BatchMean(per_example, m) if m > 1 else per_example
    note = f"{LOSSES[loss].words} loss"
    if m > 1:
        note = Prose(note + ", ", _batch_note(m), " (", Math("k"), " runs over the columns)")
    p.add("forward", None, "loss", ex.Sym("L"), rhs, a_prev, p.param("y"), note=note)


def _plan_backward(
    p: _Planner, layers: tuple[tuple[str, float], ...], loss: str, m: int, n: int
) -> None:
    L = len(layers)
    for l in range(L, 0, -1):
        activation, alpha = layers[l - 1]
        if l == L:
            _plan_output_factors(p, l, activation, alpha, loss, n)
        else:
            p.add(
                "backward",
                l,
                "dL_da",
                ex.Grad(symbol("a", l)),
                ex.MatMul(ex.T(R0), R1),
                p.param(f"W{l + 1}"),
                p.step("delta", l + 1),
            )
            _plan_dact(p, l, activation, alpha)
            _plan_chain_delta(p, l)
        delta = p.step("delta", l)
        a_prev = p.param("x") if l == 1 else p.step("a", l - 1)
        dW: ex.Expr = ex.MatMul(R0, ex.T(R1))
        db: ex.Expr = R0
        if m > 1:
            dW, db = ex.BatchMean(dW, m, sums=False), ex.BatchMean(db, m)
        note = _batch_note(m)
        p.add("backward", l, "dW", ex.Grad(symbol("W", l)), dW, delta, a_prev, note=note)
        p.add("backward", l, "db", ex.Grad(symbol("b", l)), db, delta, note=note)


def _plan_output_factors(
    p: _Planner, l: int, activation: str, alpha: float, loss: str, n: int
) -> None:
    loss_fn = LOSSES[loss]
    a_op, y_op = p.step("a", l), p.param("y")
    p.add(
        "backward",
        l,
        "dL_da",
        ex.Grad(symbol("a", l)),
        loss_fn.grad_formula(R0, R1, n),
        a_op,
        y_op,
        note=f"{loss_fn.words} loss, per example",
    )
    fused = loss_fn.fused_delta is not None and loss_fn.requires_output == activation
    if activation != "softmax":
        _plan_dact(p, l, activation, alpha)
        if fused:
            p.add(
                "backward",
                l,
                "delta",
                symbol("δ", l),
                ex.Sub(R0, R1),
                a_op,
                y_op,
                note=Prose(
                    f"fused {loss_fn.fused_name}: ",
                    Math("∂L/∂a ⊙ σ′(z)"),
                    " simplifies to ",
                    Math("a − y"),
                    ", computed directly so saturated units stay exact",
                ),
            )
        else:
            _plan_chain_delta(p, l)
        return
    jvp = ex.MatMul(ex.T(symbol("J", l)), ex.Grad(symbol("a", l)))
    if fused:
        p.add(
            "backward",
            l,
            "dact",
            jvp,
            ex.Sub(R0, R1),
            a_op,
            y_op,
            note=Prose(
                f"fused {loss_fn.fused_name}: the softmax Jacobian-vector product ",
                Math("a ⊙ (g − Σⱼ (a ⊙ g)ⱼ)"),
                " with ",
                Math("g = −y ⊘ a"),
                " is exactly ",
                Math("a − y"),
            ),
        )
    else:
        g_minus_mean = ex.Sub(R0, ex.SumUnits(ex.Had(R1, R0)))
        p.add(
            "backward",
            l,
            "dact",
            jvp,
            ex.Had(R1, ex.Paren(g_minus_mean)),
            p.step("dL_da", l),
            a_op,
            note=Prose(
                "softmax has no elementwise derivative: this is the Jacobian-vector product ",
                Math("Jᵀg"),
                ", with ",
                Math("J = diag(a) − a aᵀ"),
                " and ",
                Math("g = ∂L/∂a"),
            ),
        )
    p.add(
        "backward",
        l,
        "delta",
        symbol("δ", l),
        R0,
        p.step("dact", l),
        note=f"fused {loss_fn.fused_name}"
        if fused
        else Prose(Math("δ = Jᵀ ∂L/∂a"), " for softmax"),
    )


def _plan_dact(p: _Planner, l: int, activation: str, alpha: float) -> None:
    p.add(
        "backward",
        l,
        "dact",
        ex.Call("σ′", symbol("z", l)),
        ACTIVATIONS[activation].prime_formula(R0, alpha),
        p.step("z", l),
        note=_activation_note(activation, alpha),
    )


def _plan_chain_delta(p: _Planner, l: int) -> None:
    """δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾), the chain rule's elementwise step."""
    rhs = ex.Had(R0, R1)
    p.add("backward", l, "delta", symbol("δ", l), rhs, p.step("dL_da", l), p.step("dact", l))
