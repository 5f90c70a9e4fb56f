"""The forward and backward plans of a dense network, and `plan_for`, the whole iteration's
plan for networks of one shape (built once per shape, shared by every trace of it)."""

from __future__ import annotations

from functools import lru_cache

from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.engine.flat import layout
from bpdebug.engine.losses import LOSSES
from bpdebug.engine.network import Network
from bpdebug.engine.optimizers import plain
from bpdebug.engine.plan.planner import (
    R0,
    R1,
    R2,
    Key,
    Plan,
    Planner,
    Recorded,
    symbol,
)
from bpdebug.engine.plan.update import plan_update
from bpdebug.notation import expr as ex
from bpdebug.notation.numbers import num, sup
from bpdebug.notation.prose import Math, Prose

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
    p = Planner()
    _plan_forward(p, layers, loss, m, n_out)
    _plan_backward(p, layers, loss, m, n_out)
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
    p: Planner, layers: tuple[tuple[str, float], ...], loss: str, m: int, n: int
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
    p: Planner, layers: tuple[tuple[str, float], ...], loss: str, m: int, n: int
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
    p: Planner, l: int, activation: str, alpha: float, loss: str, n: int
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


def _plan_dact(p: Planner, l: int, activation: str, alpha: float) -> None:
    p.add(
        "backward",
        l,
        "dact",
        ex.Call("σ′", symbol("z", l)),
        ACTIVATIONS[activation].prime_formula(R0, alpha),
        p.step("z", l),
        note=_activation_note(activation, alpha),
    )


def _plan_chain_delta(p: Planner, l: int) -> None:
    """δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾), the chain rule's elementwise step."""
    rhs = ex.Had(R0, R1)
    p.add("backward", l, "delta", symbol("δ", l), rhs, p.step("dL_da", l), p.step("dact", l))
