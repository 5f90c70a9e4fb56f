"""The plan of the update phase: today's θ ← θ − η ∂L/∂θ per parameter, or, with an optimizer,
each of its stages as a step of its own (the values come from engine/optimizers.py)."""

from __future__ import annotations

from bpdebug.engine.plan.planner import R0, R1, R2, R3, R4, OperandPlan, Planner
from bpdebug.engine.vocabulary import (
    LEARNING_RATE,
    PARAMS,
    STATE_SYMBOLS,
    hyper,
    parameter,
    state,
    symbol,
)
from bpdebug.notation import expr as ex
from bpdebug.notation.numbers import sup
from bpdebug.notation.prose import Math, Prose


def plan_update(
    p: Planner,
    frozen: tuple[frozenset[str], ...],
    optimizer: tuple[str, bool] | None = None,
) -> None:
    """Each layer's W⁽ˡ⁾ then b⁽ˡ⁾ (`frozen[l - 1]`: those it leaves be), then L′."""
    learning_rate = p.tensor(LEARNING_RATE)
    for l, leaves in enumerate(frozen, start=1):
        for name in PARAMS:
            old = p.tensor(parameter(name, l))
            lhs = symbol(name, l)
            if name in leaves:
                note = Prose(
                    Math(f"{name}{sup(l)}"),
                    " is frozen in the network file: the update keeps it as it is",
                )
                p.add("update", l, f"{name}_new", lhs, R0, old, relation="←", note=note)
                continue
            grad = p.step(f"d{name}", l)
            if optimizer is not None:
                _plan_optimizer(p, l, name, optimizer, old, learning_rate, grad)
                continue
            rhs = ex.Sub(R0, ex.MatMul(R1, R2))
            p.add("update", l, f"{name}_new", lhs, rhs, old, learning_rate, grad, relation="←")
    p.add(
        "update",
        None,
        "loss_after",
        ex.Sym("L", prime=True),
        ex.Words("the loss of the updated network on the same data"),
        p.step("loss", None),
        note="the loss of the updated parameters on the same data",
    )


def _plan_optimizer(
    p: Planner,
    l: int,
    name: str,
    optimizer: tuple[str, bool],
    old: OperandPlan,
    learning_rate: OperandPlan,
    grad: OperandPlan,
) -> None:
    """One parameter's update stage by stage (engine/optimizers.py computes the values)."""
    opt, decays = optimizer
    theta = parameter(name, l)

    def hyper_op(h: str) -> OperandPlan:
        return p.tensor(hyper(h))

    def state_op(t: str) -> OperandPlan:
        return p.tensor(state(t, theta))

    def stage(kind: str, base: str, rhs: ex.Expr, *ops: OperandPlan) -> OperandPlan:
        """A stage's step; one that updates the optimizer's state is written with ←."""
        lhs = ex.Sym(base, str(l), sub=name)
        rel = "←" if kind in STATE_SYMBOLS else "="
        note = STAGE_NOTES.get(kind, "")
        p.add("update", l, f"{name}_{kind}", lhs, rhs, *ops, relation=rel, note=note)
        return p.step(f"{name}_{kind}", l)

    def new(rhs: ex.Expr, *ops: OperandPlan) -> None:
        p.add("update", l, f"{name}_new", symbol(name, l), rhs, *ops, relation="←")

    step_rule = ex.Sub(R0, ex.MatMul(R1, R2))  # θ − η d
    adaptive = ex.Sub(R0, ex.MatMul(R1, ex.Div(R2, ex.Paren(ex.Add(ex.Call("√", R3), R4)))))
    mean = ex.Add(ex.MatMul(R0, R1), ex.MatMul(ex.Paren(ex.Sub(ex.Const(1), R0)), R2))
    mean_sq = ex.Add(
        ex.MatMul(R0, R1), ex.MatMul(ex.Paren(ex.Sub(ex.Const(1), R0)), ex.Had(R2, R2))
    )
    corrected = ex.Div(R0, ex.Paren(ex.Sub(ex.Const(1), R1)))
    g = grad
    if opt == "adamw":
        shrink = ex.MatMul(ex.Paren(ex.Sub(ex.Const(1), ex.MatMul(R1, R2))), R0)
        old = stage(
            "decayed", name + "\u0303", shrink, old, learning_rate, hyper_op("weight_decay")
        )
    elif decays:
        plus = ex.Add(R0, ex.MatMul(R1, R2))
        g = stage("g", "g", plus, grad, hyper_op("weight_decay"), old)
    if opt == "sgd":
        new(step_rule, old, learning_rate, g)
    elif opt in ("momentum", "nesterov"):
        velocity = ex.Add(ex.MatMul(R0, R1), R2)
        v = stage("velocity", "v", velocity, hyper_op("momentum"), state_op("velocity"), g)
        if opt == "nesterov":
            v = stage("lookahead", "d", ex.Add(R0, ex.MatMul(R1, R2)), g, hyper_op("momentum"), v)
        new(step_rule, old, learning_rate, v)
    elif opt == "rmsprop":
        s = stage("square_avg", "s", mean_sq, hyper_op("alpha"), state_op("square_avg"), g)
        new(adaptive, old, learning_rate, g, s, hyper_op("eps"))
    else:  # adam, adamw
        m = stage("exp_avg", "m", mean, hyper_op("beta1"), state_op("exp_avg"), g)
        v = stage("exp_avg_sq", "v", mean_sq, hyper_op("beta2"), state_op("exp_avg_sq"), g)
        m_hat = stage("exp_avg_hat", "m\u0302", corrected, m, hyper_op("beta1_t"))
        v_hat = stage("exp_avg_sq_hat", "v\u0302", corrected, v, hyper_op("beta2_t"))
        new(adaptive, old, learning_rate, m_hat, v_hat, hyper_op("eps"))


STAGE_NOTES = {
    "g": "coupled weight decay: λθ is added to the gradient (L2 regularisation)",
    "decayed": "decoupled weight decay (AdamW): θ shrinks by ηλ before the Adam step",
    "velocity": "momentum: the velocity remembers past gradients (zero before the first update)",
    "lookahead": "Nesterov: the step looks ahead along the new velocity",
    "square_avg": "RMSProp: a running mean of the squared gradient (zero before the first)",
    "exp_avg": "Adam's first moment: a running mean of the gradient (zero before the first)",
    "exp_avg_sq": "Adam's second moment: a running mean of the squared gradient",
    "exp_avg_hat": "bias correction: m starts at zero, so early means are too small (t: updates)",
    "exp_avg_sq_hat": "bias correction of the second moment",
}
