"""The plan of a whole iteration, `plan_for`, built once per network shape and shared by every
trace of it: each layer's forward steps, the loss, each layer's backward steps (from the
output layer down, in the order backprop.backward_pass computes them), then the update."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bpdebug.engine.layers import Shape
from bpdebug.engine.layers.dense import DenseShape
from bpdebug.engine.losses import LOSSES
from bpdebug.engine.network import Network
from bpdebug.engine.optimizers import plain
from bpdebug.engine.plan.planner import (
    R0,
    R1,
    Key,
    OperandPlan,
    Plan,
    Planner,
    Recorded,
    batch_note,
)
from bpdebug.engine.plan.update import plan_update
from bpdebug.engine.vector import layout
from bpdebug.engine.vocabulary import X, Y
from bpdebug.notation import expr as ex
from bpdebug.notation.prose import Math, Prose

# What the plan depends on: each layer's shape (its kind's: activation, leaky slope, W's
# shape, the parameters the update leaves be), the loss, the batch size, the optimizer.
ShapeKey = tuple[tuple[DenseShape, ...], str, int, tuple[str, bool] | None]


def shape_key(net: Network) -> ShapeKey:
    layers = tuple(layer.shape for layer in net.layers)
    optimizer = None if plain(net.optimizer) else net.optimizer.key  # type: ignore[union-attr]
    return layers, net.loss, net.batch_size, optimizer


@lru_cache(maxsize=64)
def plan_for(key: ShapeKey) -> Plan:
    """The steps of one iteration for networks of this shape, without their values."""
    layers, loss, m, optimizer = key
    n_out = layers[-1].W_shape[0]
    p = Planner()
    a_L = _plan_forward(p, layers, m)
    _plan_loss(p, a_L, loss, m, n_out)
    _plan_backward(p, layers, loss, m, n_out)
    plan_update(p, tuple(layer.frozen for layer in layers), optimizer)
    starts: dict[str, int] = {}
    for i, s in enumerate(p.steps):
        starts.setdefault(s.phase, i)
    lay = layout(tuple(layer.W_shape for layer in layers))
    order = tuple((s.kind, s.layer) for s in p.steps if s.kind != "loss_after")
    recorded = Recorded(order, frozenset(order))
    kinds = {s.kind for s in p.steps if s.layer is not None}
    by_layer: tuple[dict[str, Key], ...] = tuple(
        {k: (k, l) for k in kinds} for l in range(len(layers) + 1)
    )
    frozen = any(layer.frozen for layer in layers)
    return Plan(tuple(p.steps), recorded, by_layer, dict(p.index), starts, lay, frozen)


def _plan_forward(p: Planner, layers: Sequence[Shape], m: int) -> OperandPlan:
    """Each layer's forward steps, layer 1 first; a⁽ᴸ⁾, which the loss reads."""
    a_prev = p.tensor(X)
    for l, layer in enumerate(layers, start=1):
        a_prev = layer.plan_forward(p, l, a_prev, m)
    return a_prev


def _plan_loss(p: Planner, a_L: OperandPlan, loss: str, m: int, n: int) -> None:
    per_example = LOSSES[loss].formula(R0, R1, n)
    rhs = ex.BatchMean(per_example, m) if m > 1 else per_example
    note = f"{LOSSES[loss].words} loss"
    if m > 1:
        note = Prose(note + ", ", batch_note(m), " (", Math("k"), " runs over the columns)")
    p.add("forward", None, "loss", ex.Sym("L"), rhs, a_L, p.tensor(Y), note=note)


def _plan_backward(p: Planner, layers: Sequence[Shape], loss: str, m: int, n: int) -> None:
    """Each layer's backward steps, the output layer first, as backward_pass runs them."""
    L = len(layers)
    for l in range(L, 0, -1):
        layer = layers[l - 1]
        if l == L:
            layer.plan_output_error(p, l, loss, n)
        else:
            layers[l].plan_input_gradient(p, l + 1)
            layer.plan_error(p, l)
        a_prev = p.tensor(X) if l == 1 else p.step("a", l - 1)
        layer.plan_gradients(p, l, a_prev, m)
