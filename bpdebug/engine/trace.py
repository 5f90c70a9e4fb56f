"""The trace: one immutable step per value a person would compute by hand.

`build_trace` runs the equations of `backprop` in order and keeps each result. What each step
*is* — its symbol, formula, notes and which earlier steps or parameters it reads — depends only
on the network's shape, so that plan is built once per shape and shared; a trace is the plan
plus this iteration's values. Steps are assembled from the two when someone looks at them.
The screen is a cursor over the steps; it computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple, cast

import numpy as np

from . import backprop
from .activations import Array
from .fmt import INLINE_MAX, full, inline, shape_text
from .losses import LOSSES
from .network import Network
from .params import tensor_of

PHASES = ("forward", "backward", "update")
KINDS = {
    "forward": ("z", "a", "loss"),
    "backward": ("dL_da", "dact", "delta", "dW", "db"),
    "update": ("W_new", "b_new", "loss_after"),
}
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
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@lru_cache(maxsize=256)
def sup(l: int | str) -> str:
    """The layer superscript of the notation: sup(2) == '⁽²⁾'."""
    return f"⁽{str(l).translate(_SUPERSCRIPT)}⁾"


class Operand(NamedTuple):
    """A value a step reads: an earlier step's result, a parameter, the data or η."""

    name: str
    value: Array | float
    step: int | None = None  # index of the step that produced it
    param: str | None = None  # "W2", "b2", "x", "y" or "lr" when it is not a step

    def __eq__(self, other: object) -> bool:
        """By identity: an operand holds an array, never compared element by element."""
        return self is other

    def __hash__(self) -> int:
        return id(self)


class Step(NamedTuple):
    """One recorded value: `symbol relation template(operands)` = `value`."""

    index: int  # type: ignore[assignment]
    phase: str
    layer: int | None
    kind: str
    symbol: str
    template: str  # the right-hand side, with {0}, {1}, … standing for the operands
    value: Array | float
    operands: tuple[Operand, ...]
    note: str = ""  # which activation, which fused form, what was averaged
    relation: str = "="

    @property
    def formula(self) -> str:
        """The symbolic formula, e.g. 'z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾'."""
        names = [op.name for op in self.operands]
        return f"{self.symbol} {self.relation} {self.template.format(*names)}"

    def numbers(self, digits: int = 6, max_entries: int = INLINE_MAX) -> str:
        """The right-hand side with each operand's number in place of its name."""
        return self.template.format(
            *(inline(op.value, digits, max_entries) for op in self.operands)
        )

    def substituted(self, digits: int = 6) -> str:
        """The formula with the operands' numbers in place and the result after '='."""
        result = inline(self.value, digits)
        return f"{self.symbol} {self.relation} {self.numbers(digits)} = {result}"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.value))

    @property
    def shape_text(self) -> str:
        return shape_text(self.shape)

    @property
    def is_scalar(self) -> bool:
        return np.ndim(self.value) == 0

    def value_text(self) -> str:
        return full(float(self.value)) if self.is_scalar else inline(self.value)

    def __repr__(self) -> str:
        return f"Step({self.index}, {self.phase}, L{self.layer}, {self.kind}: {self.formula})"

    def __eq__(self, other: object) -> bool:
        """By identity: a step holds an array, never compared element by element."""
        return self is other

    def __hash__(self) -> int:
        return id(self)


# ---------------------------------------------------------------- the plan (per network shape)


class OperandPlan(NamedTuple):
    name: str
    step: int | None  # the step whose value it is, or
    param: str | None  # the network tensor it is ("W2", "b1", "x", "y", "lr")


class StepPlan(NamedTuple):
    phase: str
    layer: int | None
    kind: str
    symbol: str
    template: str
    operands: tuple[OperandPlan, ...]
    note: str
    relation: str


class Plan(NamedTuple):
    steps: tuple[StepPlan, ...]
    where: dict[tuple[str, int | None], int]  # (kind, layer) → step index
    phase_starts: dict[str, int]
    layout: backprop.Layout  # where each W and b sit in the flat gradient
    frozen: bool  # whether the update keeps any parameter as it is


class _Planner:
    """Lists the steps in order, resolving each operand name to the step that produced it."""

    def __init__(self) -> None:
        self.steps: list[StepPlan] = []
        self.produced: dict[str, int] = {}

    def step(self, name: str) -> OperandPlan:
        return OperandPlan(name, self.produced[name], None)

    @staticmethod
    def param(name: str, key: str) -> OperandPlan:
        return OperandPlan(name, None, key)

    def add(
        self,
        phase: str,
        layer: int | None,
        kind: str,
        symbol: str,
        template: str,
        *operands: OperandPlan,
        note: str = "",
        relation: str = "=",
    ) -> None:
        self.produced[symbol if relation == "=" else f"{symbol}′"] = len(self.steps)
        self.steps.append(StepPlan(phase, layer, kind, symbol, template, operands, note, relation))


# What the plan depends on: per layer (activation, leaky alpha), the loss, the batch size.
# Per layer: activation, leaky slope (0 for the others), W's shape, frozen parameters;
# then the loss and the batch size.
LayerKey = tuple[str, float, tuple[int, ...], frozenset[str]]
ShapeKey = tuple[tuple[LayerKey, ...], str, int]


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
    return layers, net.loss, net.batch_size


@lru_cache(maxsize=64)
def plan_for(key: ShapeKey) -> Plan:
    """The steps of one iteration for networks of this shape, without their values."""
    layer_keys, loss, m = key
    layers = tuple((activation, alpha) for activation, alpha, _, _ in layer_keys)
    frozen = tuple(f for _, _, _, f in layer_keys)
    p = _Planner()
    _plan_forward(p, layers, loss, m)
    _plan_backward(p, layers, loss, m)
    _plan_update(p, len(layers), frozen)
    index = {(s.kind, s.layer): i for i, s in enumerate(p.steps)}
    starts: dict[str, int] = {}
    for i, s in enumerate(p.steps):
        starts.setdefault(s.phase, i)
    layout = backprop.layout(tuple(shape for _, _, shape, _ in layer_keys))
    return Plan(tuple(p.steps), index, starts, layout, any(frozen))


def _activation_note(activation: str, alpha: float) -> str:
    from .activations import ACTIVATIONS

    act = ACTIVATIONS[activation]
    slope = f", α = {full(alpha)}" if activation == "leaky_relu" else ""
    return f"σ = {act.name}: σ(z) = {act.definition}, σ′(z) = {act.derivative}{slope}"


def _batch_note(m: int) -> str:
    return f"mean over the batch of {m} examples" if m > 1 else ""


def _plan_forward(p: _Planner, layers: tuple[tuple[str, float], ...], loss: str, m: int) -> None:
    a_prev = p.param("a⁽⁰⁾", "x")
    for l, (activation, alpha) in enumerate(layers, start=1):
        p.add(
            "forward",
            l,
            "z",
            f"z{sup(l)}",
            "{0} {1} + {2}",
            p.param(f"W{sup(l)}", f"W{l}"),
            a_prev,
            p.param(f"b{sup(l)}", f"b{l}"),
        )
        fn = "σ" if activation == "sigmoid" else activation
        p.add(
            "forward",
            l,
            "a",
            f"a{sup(l)}",
            fn + "({0})",
            p.step(f"z{sup(l)}"),
            note=_activation_note(activation, alpha),
        )
        a_prev = p.step(f"a{sup(l)}")
    loss_fn = LOSSES[loss]
    template = loss_fn.template if m == 1 else f"mean[{loss_fn.template}]"
    note = f"{loss} loss" + (f", {_batch_note(m)}" if m > 1 else "")
    p.add("forward", None, "loss", "L", template, a_prev, p.param("y", "y"), note=note)


def _plan_backward(p: _Planner, layers: tuple[tuple[str, float], ...], loss: str, m: int) -> None:
    L = len(layers)
    for l in range(L, 0, -1):
        activation, alpha = layers[l - 1]
        if l == L:
            _plan_output_factors(p, l, activation, alpha, loss)
        else:
            p.add(
                "backward",
                l,
                "dL_da",
                f"∂L/∂a{sup(l)}",
                "({0})ᵀ {1}",
                p.param(f"W{sup(l + 1)}", f"W{l + 1}"),
                p.step(f"δ{sup(l + 1)}"),
            )
            _plan_dact(p, l, activation, alpha)
            _plan_chain_delta(p, l)
        delta = p.step(f"δ{sup(l)}")
        a_prev = p.param("a⁽⁰⁾", "x") if l == 1 else p.step(f"a{sup(l - 1)}")
        if m == 1:
            p.add("backward", l, "dW", f"∂L/∂W{sup(l)}", "{0} ({1})ᵀ", delta, a_prev)
            p.add("backward", l, "db", f"∂L/∂b{sup(l)}", "{0}", delta)
        else:
            p.add(
                "backward",
                l,
                "dW",
                f"∂L/∂W{sup(l)}",
                f"(1/{m}) {{0}} ({{1}})ᵀ",
                delta,
                a_prev,
                note=_batch_note(m),
            )
            p.add(
                "backward",
                l,
                "db",
                f"∂L/∂b{sup(l)}",
                "mean of the columns of {0}",
                delta,
                note=_batch_note(m),
            )


def _plan_output_factors(p: _Planner, l: int, activation: str, alpha: float, loss: str) -> None:
    loss_fn = LOSSES[loss]
    a_op, y_op = p.step(f"a{sup(l)}"), p.param("y", "y")
    p.add(
        "backward",
        l,
        "dL_da",
        f"∂L/∂a{sup(l)}",
        loss_fn.grad_template,
        a_op,
        y_op,
        note=f"{loss} loss, per example",
    )
    fused = loss_fn.fused_delta is not None and loss_fn.requires_output == activation
    if activation != "softmax":
        _plan_dact(p, l, activation, alpha)
        if fused:
            p.add(
                "backward",
                l,
                "delta",
                f"δ{sup(l)}",
                "{0} − {1}",
                a_op,
                y_op,
                note=f"fused {loss_fn.fused_name}: ∂L/∂a ⊙ σ′(z) simplifies to a − y, "
                "computed directly so saturated units stay exact",
            )
        else:
            _plan_chain_delta(p, l)
        return
    symbol = f"J{sup(l)}ᵀ ∂L/∂a{sup(l)}"
    if fused:
        p.add(
            "backward",
            l,
            "dact",
            symbol,
            "{0} − {1}",
            a_op,
            y_op,
            note=f"fused {loss_fn.fused_name}: the softmax Jacobian-vector product "
            "a ⊙ (g − aᵀg) with g = −y/a is exactly a − y",
        )
    else:
        p.add(
            "backward",
            l,
            "dact",
            symbol,
            "{1} ⊙ ({0} − {1}ᵀ{0})",
            p.step(f"∂L/∂a{sup(l)}"),
            a_op,
            note="softmax has no elementwise derivative: this is the Jacobian-vector "
            "product Jᵀg, with J = diag(a) − a aᵀ and g = ∂L/∂a",
        )
    p.add(
        "backward",
        l,
        "delta",
        f"δ{sup(l)}",
        "{0}",
        p.step(symbol),
        note=f"fused {loss_fn.fused_name}" if fused else "δ = Jᵀ ∂L/∂a for softmax",
    )


def _plan_dact(p: _Planner, l: int, activation: str, alpha: float) -> None:
    from .activations import ACTIVATIONS

    p.add(
        "backward",
        l,
        "dact",
        f"σ′(z{sup(l)})",
        ACTIVATIONS[activation].prime_template,
        p.step(f"z{sup(l)}"),
        note=_activation_note(activation, alpha),
    )


def _plan_chain_delta(p: _Planner, l: int) -> None:
    """δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾), the chain rule's elementwise step."""
    p.add(
        "backward",
        l,
        "delta",
        f"δ{sup(l)}",
        "{0} ⊙ {1}",
        p.step(f"∂L/∂a{sup(l)}"),
        p.step(f"σ′(z{sup(l)})"),
    )


def _plan_update(p: _Planner, depth: int, frozen: tuple[frozenset[str], ...]) -> None:
    lr = p.param("η", "lr")
    for l in range(1, depth + 1):
        for name in ("W", "b"):
            old = p.param(f"{name}{sup(l)}", f"{name}{l}")
            if name in frozen[l - 1]:
                p.add(
                    "update",
                    l,
                    f"{name}_new",
                    f"{name}{sup(l)}",
                    "{0}",
                    old,
                    relation="←",
                    note=f"{name}{sup(l)} is frozen in the network file: the update keeps it",
                )
                continue
            p.add(
                "update",
                l,
                f"{name}_new",
                f"{name}{sup(l)}",
                "{0} − {1} {2}",
                old,
                lr,
                p.step(f"∂L/∂{name}{sup(l)}"),
                relation="←",
            )
    p.add(
        "update",
        None,
        "loss_after",
        "L′",
        f"Loss(a{sup(depth)} of the updated network, y)",
        p.step("L"),
        note="the loss of the updated parameters on the same data",
    )


# ---------------------------------------------------------------- the values (per iteration)


def _values(net: Network, plan: Plan) -> tuple[list[Array | float], Array | None]:
    """Every step's value but L′, in the plan's order, and the updated parameters in one
    vector (None if some are frozen)."""
    values: list[Array | float] = []
    zs, activations = [], [net.x]
    for layer in net.layers:
        z, a = backprop.layer_forward(layer, activations[-1])
        values += (z, a)
        zs.append(z)
        activations.append(a)
    loss_fn = net.loss_fn
    values.append(backprop.batch_loss(loss_fn, zs[-1], activations[-1], net.y))
    lay = plan.layout
    flat_grad = np.empty(lay.size)
    grads = backprop.unflatten(flat_grad, lay)
    L = net.depth
    delta = flat_grad  # (a placeholder: the output layer's δ comes first)
    for l in range(L, 0, -1):
        layer, z, a = net.layers[l - 1], zs[l - 1], activations[l]
        if l == L:
            dL_da, dact, delta = backprop.output_backward(layer, loss_fn, z, a, net.y)
        else:
            dL_da, dact, delta = backprop.hidden_backward(layer, net.layers[l].W, delta, z, a)
        backprop.param_sums(delta, activations[l - 1], *grads[l - 1])
        values += (dL_da, dact, delta, *grads[l - 1])
    flat_grad /= net.batch_size
    new, theta = backprop.updated_params(net, flat_grad, lay, plan.frozen)
    values += (p for pair in new for p in pair)
    return values, theta


def build_trace(net: Network) -> Trace:
    """Record one iteration: forward, loss, backward (output layer down), update.

    The last step, L′, is the loss of the updated network: the next iteration's forward pass.
    The trace computes it the first time someone asks for it, not here.
    """
    plan = plan_for(shape_key(net))
    with np.errstate(all="ignore"):  # non-finite values are shown and reported, not warned
        values, theta = _values(net, plan)
    return Trace(net, plan, tuple(values), theta)


@dataclass(frozen=True, eq=False)
class Trace:
    """One gradient-descent iteration of `network`: its plan and the value of every step."""

    network: Network
    plan: Plan
    # Every step's value but the last (L′). An array is made read-only when the trace hands
    # it out (`value`, `values`, a step), not here: most of a trace is never looked at.
    _recorded: tuple[Array | float, ...]
    _theta_after: Array | None  # the updated parameters in one vector, if it holds them all

    @cached_property
    def updated(self) -> Network:
        """The network after this iteration's update (its parameters are the update steps)."""
        n = len(self._recorded)
        new = cast(list[Array], [self.value(i) for i in range(n - 2 * self.network.depth, n)])
        params = list(zip(new[::2], new[1::2], strict=True))
        return self.network.with_params(params, self._theta_after)

    @property
    def loss(self) -> float:
        return float(self._recorded[self.plan.where[("loss", None)]])

    @cached_property
    def loss_after(self) -> float:
        """L′: the loss of the updated parameters on the same data (one more forward pass)."""
        with np.errstate(all="ignore"):
            return backprop.loss_of(self.updated)

    @cached_property
    def values(self) -> tuple[Array | float, ...]:
        """Every step's value, in order."""
        return tuple(self.value(i) for i in range(len(self)))

    def value(self, index: int) -> Array | float:
        """Step `index`'s value, read-only (computing L′ only when it is the one asked for)."""
        if index >= len(self._recorded):
            return self.loss_after
        v = self._recorded[index]
        if type(v) is np.ndarray:
            v.setflags(write=False)
        return v

    def __len__(self) -> int:
        return len(self._recorded) + 1

    def __getitem__(self, index: int) -> Step:
        """Step `index`, assembled from the plan and the values the first time it is asked for."""
        step = self._cache.get(index)
        if step is None:
            n = len(self)
            if not -n <= index < n:
                raise IndexError(f"step {index} of a {n}-step trace")
            if index < 0:
                return self[index + n]
            step = self._cache[index] = self._assemble(index)
        return step

    @cached_property
    def _cache(self) -> dict[int, Step]:
        return {}

    def _assemble(self, index: int) -> Step:
        sp = self.plan.steps[index]
        ops = tuple(
            Operand(op.name, self.value(op.step), op.step, None)
            if op.step is not None
            else Operand(op.name, tensor_of(self.network, op.param or ""), None, op.param)
            for op in sp.operands
        )
        return Step(
            index,
            sp.phase,
            sp.layer,
            sp.kind,
            sp.symbol,
            sp.template,
            self.value(index),
            ops,
            sp.note,
            sp.relation,
        )

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self[i] for i in range(len(self)))

    @property
    def phase_starts(self) -> dict[str, int]:
        return self.plan.phase_starts

    def find(self, kind: str, layer: int | None = None) -> Step:
        """The step of `kind` at `layer` (e.g. find('delta', 1))."""
        index = self.plan.where.get((kind, layer))
        if index is None:
            raise KeyError(f"no {kind} step at layer {layer}")
        return self[index]

    @cached_property
    def nonfinite_steps(self) -> frozenset[int]:
        """The indices of the steps whose value holds nan or ±inf."""
        every = (*self._recorded, self.loss_after)  # read here, not handed out
        return frozenset(i for i, v in enumerate(every) if not np.all(np.isfinite(v)))

    def first_nonfinite(self) -> Step | None:
        """The first step whose value holds nan or ±inf, if any."""
        bad = self.nonfinite_steps
        return self[min(bad)] if bad else None

    def diagnosis(self) -> str:
        """Where the first non-finite value appeared and which operand it came from ('' if none)."""
        step = self.first_nonfinite()
        if step is None:
            return ""
        value = np.asarray(step.value)
        finite = np.isfinite(value)
        first = tuple(int(i) for i in np.argwhere(~finite)[0]) if value.ndim else ()
        entry = f" entry {list(first)}" if first else ""
        where = (
            f"step {step.index + 1}, {step.symbol}{entry}, is the first non-finite value "
            f"({value.size - int(finite.sum())} of {value.size} entries)"
        )
        if step.kind == "loss_after":
            biggest = max(
                float(np.max(np.abs(p)))
                for layer in self.updated.layers
                for p in (layer.W, layer.b)
            )
            return (
                f"{where}: the updated parameters (|x| up to {biggest:.3g}) overflow the "
                "forward pass; try a smaller learning rate η"
            )
        bad_ops = [op for op in step.operands if not np.all(np.isfinite(op.value))]
        if bad_ops:
            return f"{where}: its operand {bad_ops[0].name} already holds nan/inf"
        if not step.operands:
            return where
        with np.errstate(all="ignore"):
            sizes = [
                float(np.max(np.abs(op.value))) if np.size(op.value) else 0.0
                for op in step.operands
            ]
        k = int(np.argmax(sizes))
        return (
            f"{where}: its operands are finite, the largest is {step.operands[k].name} "
            f"(|x| up to {sizes[k]:.3g}), so the result overflowed"
        )
