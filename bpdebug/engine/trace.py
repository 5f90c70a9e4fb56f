"""The trace: one immutable step per value a person would compute by hand.

`build_trace` runs backprop's loop (backprop.py, through the fast path as training does) with
a recorder that keeps every factor, then the update. What each step *is* — its formula and
which earlier steps or parameters it reads — comes from the plan (`plan/`), built once per
network shape; a trace is the plan plus this iteration's values.
Steps are assembled from the two when someone looks at them. The screen is a cursor over the
steps; it computes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple, cast

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.backprop import loss_of
from bpdebug.engine.flat import flat_gradients, updated_params
from bpdebug.engine.network import Network, read_only
from bpdebug.engine.optimizers import OptState, plain, update
from bpdebug.engine.params import entries_of, value_of
from bpdebug.engine.plan.planner import OperandPlan, Plan
from bpdebug.engine.plan.steps import plan_for, shape_key
from bpdebug.engine.update import pick, trained
from bpdebug.engine.vector import unflatten
from bpdebug.engine.vocabulary import PER_EXAMPLE
from bpdebug.notation import expr as ex
from bpdebug.notation import layout
from bpdebug.notation.layout import HIDDEN, INLINE_MAX, Bound, Equation
from bpdebug.notation.numbers import DIGITS, shape_text
from bpdebug.notation.text import text

__all__ = ["Operand", "Step", "Trace", "build_trace"]


def _for_example(e: ex.Expr, k: str) -> ex.Expr:
    """A per-example symbol for example k: z⁽¹⁾ → z⁽¹⁾ₖ, ∂L/∂a⁽²⁾ → ∂L/∂a⁽²⁾ₖ."""
    if isinstance(e, ex.Sym):
        return e._replace(sub=k) if e.base in ("z", "a", "δ") else e
    if isinstance(e, ex.Grad):
        return e._replace(wrt=_for_example(e.wrt, k))
    if isinstance(e, ex.Call):
        return e._replace(arg=_for_example(e.arg, k))
    if isinstance(e, ex.MatMul):
        return e._replace(right=_for_example(e.right, k))
    return e


class Operand(NamedTuple):
    """A value a step reads: an earlier step's result, a parameter, the data or η."""

    name: str  # its symbol as text
    value: Array | float
    step: int | None = None  # index of the step that produced it
    param: str | None = None  # the tensor's key when it is not a step: "W2", "x", "lr", "beta1"
    symbol: ex.Expr = ex.Sym("?")
    per_example: bool = False  # one column per example
    entries: str | None = None  # the parameter it has one value per entry of ("W2" for ∂L/∂W⁽²⁾)

    def __eq__(self, other: object) -> bool:
        """By identity: an operand holds an array, never compared element by element."""
        return self is other

    def __hash__(self) -> int:
        return id(self)


class Step(NamedTuple):
    """One recorded value: `lhs relation rhs(operands)` = `value`."""

    index: int  # type: ignore[assignment]
    phase: str
    layer: int | None
    kind: str
    lhs: ex.Expr
    rhs: ex.Expr  # the formula's right-hand side; Ref(k) stands for operands[k]
    value: Array | float
    operands: tuple[Operand, ...]
    note: str  # which activation, which fused form, what was averaged
    relation: str  # "=", or "←" for an update
    symbol: str  # what the step computes, as text: 'z⁽¹⁾', '∂L/∂W⁽²⁾'
    formula: str  # the symbolic formula: 'z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾' (', m = 4' where needed)

    def equation(self, veiled: Collection[int] = ()) -> Equation:
        """The step as a formula model, for any renderer; the operands computed by the steps
        `veiled` (a quiz still asks for them) are written `?`."""
        operands = tuple(
            Bound(op.symbol, HIDDEN if op.step in veiled else op.value, op.per_example)
            for op in self.operands
        )
        return Equation(self.lhs, self.relation, self.rhs, operands, self.value)

    def numbers(self, digits: int | None = DIGITS, max_entries: int = INLINE_MAX) -> str:
        """The right-hand side with each operand's number in place of its symbol."""
        return text(layout.numbers(self.equation(), digits, max_entries))

    def substituted(self, digits: int | None = DIGITS, max_entries: int = INLINE_MAX) -> str:
        """The formula with the operands' numbers in place and the result after '='."""
        return text(layout.substituted(self.equation(), digits, max_entries))

    @property
    def per_example(self) -> bool:
        """Whether the value has one column per example."""
        return self.kind in PER_EXAMPLE

    @property
    def entries(self) -> str | None:
        """The parameter whose entries the value has one of each ("W2" for ∂L/∂W⁽²⁾ and the
        updated W⁽²⁾), if any."""
        return entries_of(self.kind, self.layer)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.value))

    @property
    def shape_text(self) -> str:
        """'scalar', 'n' or 'n×m': the value's shape as the math reads it."""
        return shape_text(self.shape)

    @property
    def is_scalar(self) -> bool:
        return np.size(self.value) == 1

    def __repr__(self) -> str:
        return f"Step({self.index}, {self.phase}, L{self.layer}, {self.kind}: {self.formula})"

    def __eq__(self, other: object) -> bool:
        """By identity: a step holds an array, never compared element by element."""
        return self is other

    def __hash__(self) -> int:
        return id(self)


# ---------------------------------------------------------------- the values (per iteration)


Key = tuple[str, int | None]  # (kind, layer): what a value is, as the plan names it
Values = dict[Key, Array | float]


class _EveryFactor:
    """Keeps every factor of the backward pass, by the plan's (kind, layer)."""

    factors = True

    def __init__(self, values: Values, keys: tuple[dict[str, Key], ...]) -> None:
        self.values, self.keys = values, keys

    def backward(
        self, l: int, dL_da: Array | None, dact: Array | None, delta: Array, dW: Array, db: Array
    ) -> None:
        assert dL_da is not None and dact is not None  # `factors`: always given
        v, k = self.values, self.keys[l]
        v[k["dL_da"]], v[k["dact"]], v[k["delta"]] = dL_da, dact, delta
        v[k["dW"]], v[k["db"]] = dW, db  # views of the flat gradient, divided by m after


def _values(net: Network, plan: Plan) -> tuple[Values, Array | None, OptState | None]:
    """Every step's value but L′, by (kind, layer), and the updated parameters in one vector
    (None if some are frozen). Backprop's loop computes them as training does (flat.py),
    a recorder keeping each layer's factors; then the update, plain or by the optimizer."""
    v: Values = {}
    keys = plan.layer_keys  # keys[l]["z"] is ("z", l), made once per shape
    value, flat_grad, (z, a) = flat_gradients(net, plan.layout, _EveryFactor(v, keys))
    for l in range(1, net.depth + 1):
        v[keys[l]["z"]], v[keys[l]["a"]] = z[l], a[l]
    v["loss", None] = value
    if not plain(net.optimizer):
        return v, None, _optimizer_stages(net, v, unflatten(flat_grad, plan.layout))
    new, theta = updated_params(net, flat_grad, plan.layout, plan.freezes_some)
    for l, (W, b) in enumerate(new, start=1):
        v[keys[l]["W_new"]], v[keys[l]["b_new"]] = W, b
    return v, theta, net.opt_state


def _optimizer_stages(net: Network, v: Values, grads: list[tuple[Array, Array]]) -> OptState:
    """Each trained parameter's update stage by stage (optimizers.py), into the values (a
    frozen one's update is itself); the state the next iteration starts from."""
    opt = net.optimizer
    assert opt is not None
    before = net.opt_state or OptState()
    t = before.t + 1
    params = [(layer.W, layer.b) for layer in net.layers]
    for l, (W, b) in enumerate(params, start=1):  # frozen: kept; the trained are replaced
        v["W_new", l], v["b_new", l] = W, b
    tensors: dict[str, dict[str, Array]] = {}
    for ref in trained(net.layers):
        theta, grad = pick(params, ref), pick(grads, ref).copy()
        stages, after = update(opt, theta, grad, before.of(ref.key), t, net.learning_rate)
        for stage in stages:
            v[f"{ref.kind}_{stage.kind}", ref.layer] = stage.value
        tensors[ref.key] = {k: read_only(a) for k, a in after.items()}
    return OptState(t, tensors)


def _in_plan_order(plan: Plan, values: dict[Key, Array | float]) -> tuple[Array | float, ...]:
    """The values in the plan's order; a value the plan lacks, or a step without a value, is
    an error here rather than a silent shift of every step after it."""
    order = plan.recorded.order  # every step but L′, which is computed when first asked for
    try:
        if len(values) != len(order):
            raise KeyError
        return tuple(map(values.__getitem__, order))
    except KeyError:
        missing = ", ".join(
            f"{k} {l}" for k, l in sorted(plan.recorded.set - values.keys(), key=str)
        )
        extra = ", ".join(f"{k} {l}" for k, l in sorted(values.keys() - plan.recorded.set, key=str))
        raise RuntimeError(
            f"the plan and the values disagree: missing [{missing}], extra [{extra}]"
        ) from None


def build_trace(net: Network) -> Trace:
    """Record one iteration: forward, loss, backward (output layer down), update.

    The last step, L′, is the loss of the updated network: the next iteration's forward pass.
    The trace computes it the first time someone asks for it, not here.
    """
    plan = plan_for(shape_key(net))
    with np.errstate(all="ignore"):  # non-finite values are shown and reported, not warned
        values, theta, state = _values(net, plan)
    return Trace(net, plan, _in_plan_order(plan, values), theta, state)


@dataclass(frozen=True, eq=False)
class Trace:
    """One gradient-descent iteration of `network`: its plan and the value of every step."""

    network: Network
    plan: Plan
    # Every step's value but the last (L′). An array is made read-only when the trace hands
    # it out (`value`, `values`, a step), not here: most of a trace is never looked at.
    _recorded: tuple[Array | float, ...]
    _theta_after: Array | None  # the updated parameters in one vector, if it holds them all
    _state_after: OptState | None = None  # the optimizer's state after this update

    @cached_property
    def updated(self) -> Network:
        """The network after this iteration's update (its parameters are the update steps)."""
        where = self.plan.where
        params = [
            (cast(Array, self.value(where["W_new", l])), cast(Array, self.value(where["b_new", l])))
            for l in range(1, self.network.depth + 1)
        ]
        updated = self.network.with_params(params, self._theta_after)
        if self._state_after is not None:
            updated = updated.with_optimizer(self.network.optimizer, self._state_after)
        return updated

    @property
    def loss(self) -> float:
        return float(self._recorded[self.plan.where[("loss", None)]])

    @cached_property
    def loss_after(self) -> float:
        """L′: the loss of the updated parameters on the same data (one more forward pass)."""
        with np.errstate(all="ignore"):
            return loss_of(self.updated)

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
        ops = tuple(self._operand(op) for op in sp.operands)
        return Step(
            index,
            sp.phase,
            sp.layer,
            sp.kind,
            sp.lhs,
            sp.rhs,
            self.value(index),
            ops,
            sp.note,
            sp.relation,
            sp.symbol,
            sp.formula,
        )

    def _operand(self, op: OperandPlan) -> Operand:
        """An operand with its value: an earlier step's, or the network's tensor it names."""
        if op.step is not None:
            value, entries = self.value(op.step), self._entries(op.step)
            return Operand(op.name, value, op.step, None, op.symbol, op.per_example, entries)
        assert op.tensor is not None
        key = op.tensor.key
        entries = key if op.tensor.editable else None
        value = value_of(self.network, op.tensor)
        return Operand(op.name, value, None, key, op.symbol, op.per_example, entries)

    def _entries(self, index: int) -> str | None:
        sp = self.plan.steps[index]
        return entries_of(sp.kind, sp.layer)

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

    def for_example(
        self, index: int, k: int, veiled: Collection[int] = ()
    ) -> tuple[Equation, Equation | None]:
        """Step `index` followed for example (column) k of the batch.

        Per-example steps (z, a, ∂L/∂a, σ′, δ) give their column k. The batch means give
        example k's own term (∂Lₖ/∂W = δₖ (aₖ)ᵀ, Lₖ …) and then the mean over the batch as a
        second equation. Steps that hold one value for the batch give themselves.
        """
        m = self.network.batch_size
        if not 0 <= k < m:
            raise IndexError(f"example {k} of a batch of {m}")
        step = self[index]
        eq = step.equation(veiled)
        if step.kind in PER_EXAMPLE:
            lhs = _for_example(step.lhs, str(k))
            return eq._replace(lhs=lhs, value=np.asarray(step.value)[:, k]), None
        if not isinstance(step.rhs, ex.BatchMean):
            return eq, None
        term, own = self._example_term(step, k)
        mean = Equation(step.lhs, "=", ex.BatchMean(term(ex.Sym("L", sub="k")), m), (), step.value)
        return eq._replace(lhs=term(ex.Sym("L", sub=str(k))), rhs=step.rhs.arg, value=own), mean

    def _example_term(self, step: Step, k: int) -> tuple[Callable[[ex.Sym], ex.Expr], object]:
        """How example k's term of a batch mean is named (given Lₖ), and its value."""
        if step.kind == "loss":
            z, a = (np.asarray(self.find(kind, self.network.depth).value) for kind in "za")
            column = slice(k, k + 1)
            with np.errstate(all="ignore"):
                own = self.network.loss_fn.value(
                    z[:, column], a[:, column], self.network.y[:, column]
                )
            return (lambda L: L), float(own[0])
        delta = np.asarray(step.operands[0].value)[:, k]
        wrt = ex.Sym(step.kind[1], str(step.layer))
        if step.kind == "db":
            return (lambda L: ex.Grad(wrt, L)), delta
        a_prev = np.asarray(step.operands[1].value)[:, k]
        return (lambda L: ex.Grad(wrt, L)), np.outer(delta, a_prev)

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
