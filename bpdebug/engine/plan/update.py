"""The plan of the update phase: today's θ ← θ − η ∂L/∂θ per parameter, or, with an optimizer,
each of its factors as a step of its own (the values come from engine/optimizers.py)."""

from __future__ import annotations

from bpdebug.engine.plan.planner import R0, R1, R2, R3, R4, OperandPlan, Planner, symbol
from bpdebug.notation import expr as ex
from bpdebug.notation.numbers import sup
from bpdebug.notation.prose import Math, Prose


def plan_update(
    p: Planner,
    depth: int,
    kept: tuple[frozenset[str], ...],
    optimizer: tuple[str, bool] | None = None,
) -> None:
    lr = p.param("lr")
    for l in range(1, depth + 1):
        for name in ("W", "b"):
            old = p.param(f"{name}{l}")
            lhs = symbol(name, l)
            if name in kept[l - 1]:
                note = Prose(
                    Math(f"{name}{sup(l)}"),
                    " is frozen in the network file: the update keeps it as it is",
                )
                p.add("update", l, f"{name}_new", lhs, R0, old, relation="←", note=note)
                continue
            grad = p.step(f"d{name}", l)
            if optimizer is not None:
                _plan_optimizer(p, l, name, optimizer, old, lr, grad)
                continue
            rhs = ex.Sub(R0, ex.MatMul(R1, R2))
            p.add("update", l, f"{name}_new", lhs, rhs, old, lr, grad, relation="←")
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
    lr: OperandPlan,
    grad: OperandPlan,
) -> None:
    """One parameter's update factor by factor (engine/optimizers.py computes the values)."""
    opt, decays = optimizer
    key = f"{name}{l}"

    def hyper(h: str) -> OperandPlan:
        return p.param(f"opt.{h}")

    def state(t: str) -> OperandPlan:
        return p.param(f"state.{key}.{t}")

    def factor(kind: str, base: str, rhs: ex.Expr, *ops: OperandPlan) -> OperandPlan:
        """A factor step; one that updates the optimizer's state is written with ←."""
        lhs = ex.Sym(base, str(l), sub=name)
        rel = "←" if kind in STATE_KINDS else "="
        note = FACTOR_NOTES.get(kind, "")
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
        old = factor("decayed", name + "\u0303", shrink, old, lr, hyper("weight_decay"))
    elif decays:
        plus = ex.Add(R0, ex.MatMul(R1, R2))
        g = factor("g", "g", plus, grad, hyper("weight_decay"), old)
    if opt == "sgd":
        new(step_rule, old, lr, g)
    elif opt in ("momentum", "nesterov"):
        velocity = ex.Add(ex.MatMul(R0, R1), R2)
        v = factor("velocity", "v", velocity, hyper("momentum"), state("velocity"), g)
        if opt == "nesterov":
            v = factor("lookahead", "d", ex.Add(R0, ex.MatMul(R1, R2)), g, hyper("momentum"), v)
        new(step_rule, old, lr, v)
    elif opt == "rmsprop":
        s = factor("square_avg", "s", mean_sq, hyper("alpha"), state("square_avg"), g)
        new(adaptive, old, lr, g, s, hyper("eps"))
    else:  # adam, adamw
        m = factor("exp_avg", "m", mean, hyper("beta1"), state("exp_avg"), g)
        v = factor("exp_avg_sq", "v", mean_sq, hyper("beta2"), state("exp_avg_sq"), g)
        m_hat = factor("exp_avg_hat", "m\u0302", corrected, m, hyper("beta1_t"))
        v_hat = factor("exp_avg_sq_hat", "v\u0302", corrected, v, hyper("beta2_t"))
        new(adaptive, old, lr, m_hat, v_hat, hyper("eps"))


STATE_KINDS = frozenset({"velocity", "square_avg", "exp_avg", "exp_avg_sq"})
FACTOR_NOTES = {
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
