"""The trace: one immutable step per value a person would compute by hand.

`build_trace` runs the equations of `backprop` in order and records each result with its
formula and the operands it reads. The screen is a cursor over this list; it computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import backprop
from .activations import Array
from .fmt import full, inline, shape_text
from .network import Layer, Network

PHASES = ("forward", "backward", "update")
KINDS = {
    "forward": ("z", "a", "loss"),
    "backward": ("dL_da", "dact", "delta", "dW", "db"),
    "update": ("W_new", "b_new", "loss_after"),
}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sup(l: int | str) -> str:
    """The layer superscript of the notation: sup(2) == '⁽²⁾'."""
    return f"⁽{str(l).translate(_SUPERSCRIPT)}⁾"


@dataclass(frozen=True)
class Operand:
    """A value a step reads: an earlier step's result, a parameter, the data or η."""

    name: str
    value: Array | float
    step: int | None = None  # index of the step that produced it
    param: str | None = None  # "W2", "b2", "x", "y" or "lr" when it is not a step


@dataclass(frozen=True, eq=False)
class Step:
    """One recorded value: `symbol relation template(operands)` = `value`."""

    index: int
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

    def numbers(self, digits: int = 6) -> str:
        """The right-hand side with each operand's number in place of its name."""
        return self.template.format(*(inline(op.value, digits) for op in self.operands))

    def substituted(self, digits: int = 6) -> str:
        """The formula with the operands' numbers in place and the result after '='."""
        return (
            f"{self.symbol} {self.relation} {self.numbers(digits)} = {inline(self.value, digits)}"
        )

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


@dataclass(frozen=True, eq=False)
class Trace:
    """One gradient-descent iteration of `network`, as an ordered tuple of steps."""

    network: Network
    steps: tuple[Step, ...]
    loss: float
    loss_after: float
    updated: Network  # the network after this iteration's update

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]

    @cached_property
    def phase_starts(self) -> dict[str, int]:
        starts: dict[str, int] = {}
        for step in self.steps:
            starts.setdefault(step.phase, step.index)
        return starts

    def find(self, kind: str, layer: int | None = None) -> Step:
        """The step of `kind` at `layer` (e.g. find('delta', 1))."""
        for step in self.steps:
            if step.kind == kind and step.layer == layer:
                return step
        raise KeyError(f"no {kind} step at layer {layer}")

    @cached_property
    def nonfinite_steps(self) -> frozenset[int]:
        """The indices of the steps whose value holds nan or ±inf."""
        return frozenset(s.index for s in self.steps if not np.all(np.isfinite(s.value)))

    def first_nonfinite(self) -> Step | None:
        """The first step whose value holds nan or ±inf, if any."""
        bad = self.nonfinite_steps
        return self.steps[min(bad)] if bad else None

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


class _Recorder:
    """Appends steps, numbering them and remembering which step produced each symbol."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.produced: dict[str, int] = {}

    def op(self, name: str, value: Array | float, param: str | None = None) -> Operand:
        return Operand(
            name, value, step=self.produced.get(name) if param is None else None, param=param
        )

    def add(
        self,
        phase: str,
        layer: int | None,
        kind: str,
        symbol: str,
        template: str,
        value: Array | float,
        *operands: Operand,
        note: str = "",
        relation: str = "=",
    ) -> Array | float:
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
        index = len(self.steps)
        self.steps.append(
            Step(index, phase, layer, kind, symbol, template, value, operands, note, relation)
        )
        self.produced[symbol if kind not in ("W_new", "b_new") else f"{symbol}′"] = index
        return value


def build_trace(net: Network) -> Trace:
    """Record one iteration: forward, loss, backward (output layer down), update, loss after."""
    with np.errstate(all="ignore"):  # non-finite values are shown and reported, not warned
        rec = _Recorder()
        zs, activations = _record_forward(rec, net)
        loss = float(rec.steps[-1].value)
        grads = _record_backward(rec, net, zs, activations)
        updated_layers = backprop.updated_layers(net.layers, grads, net.learning_rate)
        updated = net.with_layers(updated_layers)
        loss_after = _record_update(rec, net, updated_layers, grads, updated)
    return Trace(net, tuple(rec.steps), loss, loss_after, updated)


def _batch_note(net: Network) -> str:
    return f"mean over the batch of {net.batch_size} examples" if net.batch_size > 1 else ""


def _record_forward(rec: _Recorder, net: Network) -> tuple[list[Array], list[Array]]:
    zs: list[Array] = []
    activations = [net.x]
    a_prev = rec.op("a⁽⁰⁾", net.x, param="x")
    for l, layer in enumerate(net.layers, start=1):
        z, a = backprop.layer_forward(layer, activations[-1])
        rec.add(
            "forward",
            l,
            "z",
            f"z{sup(l)}",
            "{0} {1} + {2}",
            z,
            rec.op(f"W{sup(l)}", layer.W, param=f"W{l}"),
            a_prev,
            rec.op(f"b{sup(l)}", layer.b, param=f"b{l}"),
        )
        act = layer.act
        fn = "σ" if act.name == "sigmoid" else act.name
        rec.add(
            "forward",
            l,
            "a",
            f"a{sup(l)}",
            fn + "({0})",
            a,
            rec.op(f"z{sup(l)}", z),
            note=_activation_note(layer),
        )
        zs.append(z)
        activations.append(a)
        a_prev = rec.op(f"a{sup(l)}", a)
    loss_fn = net.loss_fn
    per_example = loss_fn.value(zs[-1], activations[-1], net.y)
    template = loss_fn.template if net.batch_size == 1 else f"mean[{loss_fn.template}]"
    rec.add(
        "forward",
        None,
        "loss",
        "L",
        template,
        float(per_example.mean()),
        rec.op(f"a{sup(net.depth)}", activations[-1]),
        rec.op("y", net.y, param="y"),
        note=f"{loss_fn.name} loss" + (f", {_batch_note(net)}" if net.batch_size > 1 else ""),
    )
    return zs, activations


def _activation_note(layer: Layer) -> str:
    act = layer.act
    alpha = f", α = {full(layer.alpha)}" if act.name == "leaky_relu" else ""
    return f"σ = {act.name}: σ(z) = {act.definition}, σ′(z) = {act.derivative}{alpha}"


def _record_backward(
    rec: _Recorder, net: Network, zs: list[Array], activations: list[Array]
) -> list[tuple[Array, Array]]:
    L = net.depth
    grads: list[tuple[Array, Array]] = [(np.empty(0), np.empty(0))] * L
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        z, a = zs[l - 1], activations[l]
        if l == L:
            dL_da, dact, delta = backprop.output_backward(layer, net.loss_fn, z, a, net.y)
            _record_output_factors(rec, net, layer, z, a, dL_da, dact, delta)
        else:
            W_next, delta_next = net.layers[l].W, delta
            dL_da, dact, delta = backprop.hidden_backward(layer, W_next, delta_next, z, a)
            rec.add(
                "backward",
                l,
                "dL_da",
                f"∂L/∂a{sup(l)}",
                "({0})ᵀ {1}",
                dL_da,
                rec.op(f"W{sup(l + 1)}", W_next, param=f"W{l + 1}"),
                rec.op(f"δ{sup(l + 1)}", delta_next),
            )
            _record_dact(rec, l, layer, z, a, dact)
            _record_chain_delta(rec, l, delta, dL_da, dact)
        dW, db = backprop.param_grads(delta, activations[l - 1])
        _record_param_grads(rec, net, l, delta, activations[l - 1], dW, db)
        grads[l - 1] = (dW, db)
    return grads


def _record_output_factors(
    rec: _Recorder,
    net: Network,
    layer: Layer,
    z: Array,
    a: Array,
    dL_da: Array,
    dact: Array,
    delta: Array,
) -> None:
    l = net.depth
    loss_fn = net.loss_fn
    a_op, y_op = rec.op(f"a{sup(l)}", a), rec.op("y", net.y, param="y")
    rec.add(
        "backward",
        l,
        "dL_da",
        f"∂L/∂a{sup(l)}",
        loss_fn.grad_template,
        dL_da,
        a_op,
        y_op,
        note=f"{loss_fn.name} loss, per example",
    )
    fused = loss_fn.fused_delta is not None and loss_fn.requires_output == layer.activation
    if layer.act.elementwise:
        _record_dact(rec, l, layer, z, a, dact)
        if fused:
            rec.add(
                "backward",
                l,
                "delta",
                f"δ{sup(l)}",
                "{0} − {1}",
                delta,
                a_op,
                y_op,
                note=f"fused {loss_fn.fused_name}: ∂L/∂a ⊙ σ′(z) simplifies to a − y, "
                "computed directly so saturated units stay exact",
            )
        else:
            _record_chain_delta(rec, l, delta, dL_da, dact)
        return
    symbol = f"J{sup(l)}ᵀ ∂L/∂a{sup(l)}"
    if fused:
        rec.add(
            "backward",
            l,
            "dact",
            symbol,
            "{0} − {1}",
            dact,
            a_op,
            y_op,
            note=f"fused {loss_fn.fused_name}: the softmax Jacobian-vector product "
            "a ⊙ (g − aᵀg) with g = −y/a is exactly a − y",
        )
    else:
        rec.add(
            "backward",
            l,
            "dact",
            symbol,
            "{1} ⊙ ({0} − {1}ᵀ{0})",
            dact,
            rec.op(f"∂L/∂a{sup(l)}", dL_da),
            a_op,
            note="softmax has no elementwise derivative: this is the Jacobian-vector "
            "product Jᵀg, with J = diag(a) − a aᵀ and g = ∂L/∂a",
        )
    rec.add(
        "backward",
        l,
        "delta",
        f"δ{sup(l)}",
        "{0}",
        delta,
        rec.op(symbol, dact),
        note=f"fused {loss_fn.fused_name}" if fused else "δ = Jᵀ ∂L/∂a for softmax",
    )


def _record_chain_delta(rec: _Recorder, l: int, delta: Array, dL_da: Array, dact: Array) -> None:
    """δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾), the chain rule's elementwise step."""
    rec.add(
        "backward",
        l,
        "delta",
        f"δ{sup(l)}",
        "{0} ⊙ {1}",
        delta,
        rec.op(f"∂L/∂a{sup(l)}", dL_da),
        rec.op(f"σ′(z{sup(l)})", dact),
    )


def _record_dact(rec: _Recorder, l: int, layer: Layer, z: Array, a: Array, dact: Array) -> None:
    rec.add(
        "backward",
        l,
        "dact",
        f"σ′(z{sup(l)})",
        layer.act.prime_template,
        dact,
        rec.op(f"z{sup(l)}", z),
        note=_activation_note(layer),
    )


def _record_param_grads(
    rec: _Recorder, net: Network, l: int, delta: Array, a_prev: Array, dW: Array, db: Array
) -> None:
    m = net.batch_size
    delta_op = rec.op(f"δ{sup(l)}", delta)
    a_op = rec.op(f"a{sup(l - 1)}", a_prev, param="x" if l == 1 else None)
    if m == 1:
        rec.add("backward", l, "dW", f"∂L/∂W{sup(l)}", "{0} ({1})ᵀ", dW, delta_op, a_op)
        rec.add("backward", l, "db", f"∂L/∂b{sup(l)}", "{0}", db, delta_op)
    else:
        rec.add(
            "backward",
            l,
            "dW",
            f"∂L/∂W{sup(l)}",
            f"(1/{m}) {{0}} ({{1}})ᵀ",
            dW,
            delta_op,
            a_op,
            note=_batch_note(net),
        )
        rec.add(
            "backward",
            l,
            "db",
            f"∂L/∂b{sup(l)}",
            "mean of the columns of {0}",
            db,
            delta_op,
            note=_batch_note(net),
        )


def _record_update(
    rec: _Recorder,
    net: Network,
    new_layers: tuple[Layer, ...],
    grads: list[tuple[Array, Array]],
    updated: Network,
) -> float:
    lr = rec.op("η", net.learning_rate, param="lr")
    for l, (layer, new) in enumerate(zip(net.layers, new_layers, strict=True), start=1):
        rec.add(
            "update",
            l,
            "W_new",
            f"W{sup(l)}",
            "{0} − {1} {2}",
            new.W,
            rec.op(f"W{sup(l)}", layer.W, param=f"W{l}"),
            lr,
            rec.op(f"∂L/∂W{sup(l)}", grads[l - 1][0]),
            relation="←",
        )
        rec.add(
            "update",
            l,
            "b_new",
            f"b{sup(l)}",
            "{0} − {1} {2}",
            new.b,
            rec.op(f"b{sup(l)}", layer.b, param=f"b{l}"),
            lr,
            rec.op(f"∂L/∂b{sup(l)}", grads[l - 1][1]),
            relation="←",
        )
    loss_after = backprop.loss_of(updated)
    template = f"Loss(a{sup(net.depth)} of the updated network, y)"
    rec.add(
        "update",
        None,
        "loss_after",
        "L′",
        template,
        loss_after,
        rec.op("L", float(rec.steps[rec.produced["L"]].value)),
        note="the loss of the updated parameters on the same data",
    )
    return loss_after
