"""The prose of a worked solution: one or two sentences per step saying what it computes and
why, in the words of the seed text, with one entry's arithmetic in its numbers.

Each kind of step has its sentence (the reasons are the text's own: z weighs the inputs, δ is
the error signal at z, the transpose carries it back through the weights, the forward values
are reused, the update steps downhill). The first time a kind appears it is said in full;
later layers say what differs. Numbers come from the trace at the hand-out's precision and
are left out where a quiz still asks for one of them (`veiled`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .engine import Network, Step, Trace
from .engine.activations import ACTIVATIONS
from .engine.losses import LOSSES
from .engine.optimizers import plain
from .notation import expr as ex
from .notation.boxes import Box, Mo, Row, Text
from .notation.layout import Setting, lay
from .notation.prose import Math, Prose

MAX_TERMS = 4  # a unit's sum is written term by term when it has at most this many


class Context(NamedTuple):
    trace: Trace
    step: Step
    digits: int | None
    first: bool  # the first step of its kind in the document
    numbers: bool  # its numbers may be written (no quiz still asks one of them)
    used: set[int]  # the steps whose values the sentence read (ctx.value)

    def entry(self, value: object, i: int = 0, j: int = 0) -> float:
        """Entry [i, j] of a value (a vector's i; one example's column j of a batch)."""
        a = np.asarray(value, dtype=float)
        return float(a.reshape(-1)[0] if a.size == 1 else a[i] if a.ndim == 1 else a[i, j])

    def value(self, kind: str, layer: int | None) -> object:
        step = self.trace.find(kind, layer)
        self.used.add(step.index)
        return step.value

    @property
    def net(self) -> Network:
        return self.trace.network

    @property
    def batch(self) -> bool:
        return self.net.batch_size > 1


def symbol(base: str, layer: int | str | None = None, sub: str | None = None) -> Box:
    """z⁽¹⁾₀, δ⁽²⁾, W⁽¹⁾ as boxes of the layout."""
    layer = None if layer is None else str(layer)
    return lay(ex.Sym(base, layer, sub=sub), (), Setting()).box


def entry_of(box: Box, i: int, j: int) -> Box:
    """W⁽²⁾[0,1]: an entry of a matrix, as the app names it."""
    return Row((box, Text(f"[{i},{j}]")), tight=True)


def numbers(e: ex.Expr, digits: int | None) -> Box:
    """Arithmetic written by the layout: 0.15 · 0.05 + 0.2 · (−0.1)."""
    return lay(e, (), Setting(numbers=True, digits=digits)).box


def c(v: float) -> ex.Const:
    return ex.Const(float(v))


def equals(left: Box, right: Box) -> Box:
    return Row((left, Mo("="), right))


def unit(ctx: Context, i: int = 0) -> str:
    return f"unit {i}" + (" of the first example" if ctx.batch else "")


def _arithmetic(ctx: Context, e: ex.Expr, value: float) -> Box:
    return equals(numbers(e, ctx.digits), numbers(c(value), ctx.digits))


# ---------------------------------------------------------------- forward


def _z(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    W, b = ctx.net.layers[l - 1].W, ctx.net.layers[l - 1].b
    a_prev = ctx.net.x if l == 1 else ctx.value("a", l - 1)
    inputs = "input" if l == 1 else f"activation of layer {l - 1}"
    if ctx.first:
        why = Prose(
            f"Each unit $i$ of layer {l} weighs every {inputs} by the weight on its connection, "
            "adds them up and adds its bias: ",
            Math(f"z⁽{_sup(l)}⁾ᵢ = Σⱼ W⁽{_sup(l)}⁾ᵢⱼ a⁽{_sup(l - 1)}⁾ⱼ + b⁽{_sup(l)}⁾ᵢ"),
            ", its weighted input. ",
        )
    else:
        why = Prose(
            f"Layer {l} does the same with the activations ",
            symbol("a", l - 1),
            f" of layer {l - 1} as its inputs. ",
        )
    if not ctx.numbers:
        return why
    n_in = W.shape[1]
    z0 = ctx.entry(ctx.step.value)
    if n_in > MAX_TERMS:
        return Prose(
            why,
            f"For {unit(ctx)}, the sum of its {n_in} products and its bias is ",
            equals(symbol("z", l, "0"), numbers(c(z0), ctx.digits)),
            ".",
        )
    terms: ex.Expr = ex.MatMul(c(W[0, 0]), c(ctx.entry(a_prev, 0)))
    for j in range(1, n_in):
        terms = ex.Add(terms, ex.MatMul(c(W[0, j]), c(ctx.entry(a_prev, j))))
    return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, ex.Add(terms, c(b[0])), z0), ".")


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sup(l: int) -> str:
    return str(l).translate(_SUPERSCRIPT)


SQUASH = {
    "sigmoid": "squashes each weighted input into (0, 1)",
    "tanh": "squashes each weighted input into (−1, 1)",
    "relu": "keeps each positive weighted input and sets the others to 0",
    "leaky_relu": "keeps each positive weighted input and scales the others by α",
    "identity": "passes each weighted input on as it is",
    "softplus": "turns each weighted input smoothly into a positive number",
    "softmax": "turns the weighted inputs of each example into probabilities that add up to 1",
}


def _a(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    act = ctx.net.layers[l - 1].activation
    output = l == ctx.net.depth
    role = "the network's output" if output else f"what layer {l} passes on to the next"
    if ctx.first:
        why = Prose(
            f"The activation {SQUASH[act]}: this is {role}. The forward pass keeps every $z$ "
            "and $a$: the backward pass reuses them. "
        )
    else:
        why = Prose(f"Layer {l}'s activation {SQUASH[act]}" + (f": {role}. " if output else ". "))
    if not ctx.numbers:
        return why
    a0 = ctx.entry(ctx.step.value)
    if act == "softmax":
        return Prose(
            why, f"For {unit(ctx)}: ", equals(symbol("a", l, "0"), numbers(c(a0), ctx.digits)), "."
        )
    z0 = ctx.entry(ctx.value("z", l))
    fn = ACTIVATIONS[act].symbol
    return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, ex.Call(fn, c(z0)), a0), ".")


def _loss(ctx: Context) -> Prose:
    L = ctx.net.depth
    mean = f" (the mean of the {ctx.net.batch_size} examples' losses)" if ctx.batch else ""
    shown = (
        Prose(": ", equals(symbol("L"), numbers(c(ctx.entry(ctx.step.value)), ctx.digits)))
        if ctx.numbers
        else ""
    )
    return Prose(
        "The loss measures how far the output ",
        symbol("a", L),
        " is from the target ",
        symbol("y"),
        shown,
        f"{mean}. Backpropagation now asks how much a small change in each "
        "weight and bias would change this number, so that the update can lower it.",
    )


# ---------------------------------------------------------------- backward


LOSS_GRADIENT = {
    "quadratic": ("the output's error ", "a − y"),
    "mse": ("the output's error scaled by 2/n: ", "(2/n)(a − y)"),
    "binary_cross_entropy": ("", "(a − y) ⊘ (a ⊙ (1 − a))"),
    "cross_entropy": ("", "−y ⊘ a"),
}


def _dL_da(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    if l == ctx.net.depth:
        return _dL_da_output(ctx, l)
    W = ctx.net.layers[l].W
    delta = ctx.value("delta", l + 1)
    if ctx.first:
        why = Prose(
            f"The error is carried back through the weights: each unit of layer {l} collects "
            "the error signal ",
            symbol("δ", l + 1),
            " of every unit it feeds, each times the "
            "weight on that connection. That is the transpose: ",
            Math(f"(W⁽{_sup(l + 1)}⁾)ᵀ"),
            " runs the forward connections backwards. ",
        )
    else:
        why = Prose("Back through the weights ", symbol("W", l + 1), " again. ")
    if not ctx.numbers:
        return why
    value = ctx.entry(ctx.step.value)
    n = W.shape[0]
    if n > MAX_TERMS:
        return Prose(
            why, f"For {unit(ctx)}, the sum of {n} products is ", numbers(c(value), ctx.digits), "."
        )
    terms: ex.Expr = ex.MatMul(c(W[0, 0]), c(ctx.entry(delta, 0)))
    for i in range(1, n):
        terms = ex.Add(terms, ex.MatMul(c(W[i, 0]), c(ctx.entry(delta, i))))
    return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, terms, value), ".")


def _dL_da_output(ctx: Context, l: int) -> Prose:
    words, formula = LOSS_GRADIENT[ctx.net.loss]
    divides = " (⊘ divides entry by entry)" if "⊘" in formula else ""
    why = Prose(
        "The backward pass starts at the loss: ",
        Math(f"∂L/∂a⁽{_sup(l)}⁾"),
        " says how much $L$ changes for a small change in each output. For the "
        f"{LOSSES[ctx.net.loss].words} loss it is {words}",
        Math(formula),
        f"{divides}. ",
    )
    if not ctx.numbers:
        return why
    value = ctx.entry(ctx.step.value)
    if ctx.net.loss == "quadratic":
        a0, y0 = ctx.entry(ctx.value("a", l)), ctx.entry(ctx.net.y)
        return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, ex.Sub(c(a0), c(y0)), value), ".")
    return Prose(why, f"For {unit(ctx)}: ", numbers(c(value), ctx.digits), ".")


def _dact(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    act = ctx.net.layers[l - 1].activation
    if act == "softmax":
        return _softmax_jvp(ctx, l)
    if ctx.first:
        why = Prose(
            "The slope of the activation at each weighted input: how much ",
            symbol("a", l),
            " changes for a small change in ",
            symbol("z", l),
            ". It needs only ",
            symbol("z", l),
            " from the forward pass",
            Prose(
                " (for the sigmoid, ",
                Math("σ′(z) = σ(z)(1 − σ(z))"),
                " reuses ",
                symbol("a", l),
                " itself)",
            )
            if act == "sigmoid"
            else "",
            ". ",
        )
    else:
        why = Prose(f"Layer {l}'s slope. ")
    if not ctx.numbers:
        return why
    value = ctx.entry(ctx.step.value)
    if act == "sigmoid":
        a0 = ctx.entry(ctx.value("a", l))
        e = ex.Had(c(a0), ex.Paren(ex.Sub(c(1), c(a0))))
        return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, e, value), ".")
    z0 = ctx.entry(ctx.value("z", l))
    return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, ex.Call("σ′", c(z0)), value), ".")


def _softmax_jvp(ctx: Context, l: int) -> Prose:
    fused = len(ctx.step.operands) == 2 and ctx.step.operands[1].param == "y"
    if fused:
        why = Prose(
            "Softmax mixes its units (each output depends on every weighted input), so the "
            "chain rule takes its Jacobian J; with the cross-entropy loss the product ",
            Math(f"Jᵀ ∂L/∂a⁽{_sup(l)}⁾"),
            " comes out as simply ",
            Math(f"a⁽{_sup(l)}⁾ − y"),
            ", the output minus the target. ",
        )
        if not ctx.numbers:
            return why
        a0, y0 = ctx.entry(ctx.value("a", l)), ctx.entry(ctx.net.y)
        e = ex.Sub(c(a0), c(y0))
        return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, e, ctx.entry(ctx.step.value)), ".")
    return Prose(
        "Softmax mixes its units (each output depends on every weighted input), so instead "
        "of one slope per unit the chain rule multiplies ",
        Math(f"∂L/∂a⁽{_sup(l)}⁾"),
        " by the transpose of the softmax's Jacobian J.",
    )


def _delta(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    what = Prose(
        symbol("δ", l),
        " is the error signal at ",
        symbol("z", l),
        ": how much $L$ changes for a small change in each unit's weighted input. ",
    )
    kinds = [ctx.trace[op.step].kind for op in ctx.step.operands if op.step is not None]
    if kinds == ["dact"]:  # softmax: δ is the Jacobian product just computed
        return Prose(what, "For softmax it is the Jacobian product just computed.")
    if kinds == ["a"]:  # the fused sigmoid + binary cross-entropy
        why = Prose(
            what,
            "For a sigmoid output with binary cross-entropy the chain rule's two "
            "factors cancel to ",
            Math("a − y"),
            ". ",
        )
        if not ctx.numbers:
            return why
        a0, y0 = ctx.entry(ctx.value("a", l)), ctx.entry(ctx.net.y)
        e = ex.Sub(c(a0), c(y0))
        return Prose(why, f"For {unit(ctx)}: ", _arithmetic(ctx, e, ctx.entry(ctx.step.value)), ".")
    if ctx.first:
        why = Prose(
            what,
            "By the chain rule it is ",
            Math(f"∂L/∂a⁽{_sup(l)}⁾"),
            " times the slope ",
            Math(f"σ′(z⁽{_sup(l)}⁾)"),
            ", entry by entry. ",
        )
    else:
        why = Prose("The error signal at ", symbol("z", l), ", the same way. ")
    if not ctx.numbers:
        return why
    g, s = (ctx.entry(op.value) for op in ctx.step.operands)
    product = ex.MatMul(c(g), c(s))
    return Prose(
        why, f"For {unit(ctx)}: ", _arithmetic(ctx, product, ctx.entry(ctx.step.value)), "."
    )


def _dW(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    prev = Math(f"a⁽{_sup(l - 1)}⁾ⱼ")
    if ctx.first:
        why = Prose(
            "How much $L$ changes for a small change in each weight: ",
            Math(f"W⁽{_sup(l)}⁾ᵢⱼ"),
            " multiplies ",
            prev,
            " on its way into unit $i$, so its gradient is ",
            Math(f"δ⁽{_sup(l)}⁾ᵢ a⁽{_sup(l - 1)}⁾ⱼ"),
            ", the error signal at the "
            "unit it feeds times the value it carries, both already computed",
            f", averaged over the {ctx.net.batch_size} examples. " if ctx.batch else ". ",
        )
    else:
        why = Prose(
            f"Layer {l}'s weights the same way"
            + (", with the inputs $x$ as the values they carry. " if l == 1 else ". ")
        )
    if not ctx.numbers:
        return why
    value = ctx.entry(ctx.step.value)
    name = entry_of(symbol("W", l), 0, 0)
    if ctx.batch:
        return Prose(why, "For ", name, ": ", numbers(c(value), ctx.digits), ".")
    d0 = ctx.entry(ctx.value("delta", l))
    a0 = ctx.entry(ctx.net.x if l == 1 else ctx.value("a", l - 1))
    return Prose(why, "For ", name, ": ", _arithmetic(ctx, ex.MatMul(c(d0), c(a0)), value), ".")


def _db(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    gradient, delta = Math(f"∂L/∂b⁽{_sup(l)}⁾"), symbol("δ", l)
    if ctx.batch:
        said = Prose(gradient, " is the mean of the columns of ", delta)
    else:
        said = Prose(gradient, " = ", delta)
    if not ctx.first:
        return Prose(f"Likewise for the biases of layer {l}: ", said, ".")
    batch = ", averaged over the batch" if ctx.batch else ""
    return Prose(
        "A bias is a weight on a constant input of 1, so its gradient is the error signal "
        f"itself{batch}: ",
        said,
        ".",
    )


# ---------------------------------------------------------------- update


def _update(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    name = ctx.step.kind[0]  # W or b
    layer = ctx.net.layers[l - 1]
    if name in layer.frozen:
        return Prose(
            "The network file keeps ",
            symbol(name, l),
            " fixed (frozen): the update leaves it as it is.",
        )
    if not plain(ctx.net.optimizer):
        optimizer = ctx.net.optimizer.name  # type: ignore[union-attr]
        return Prose(f"The {optimizer} update of ", symbol(name, l), ", from its factors above.")
    what = "weight" if name == "W" else "bias"
    if ctx.first:
        why = Prose(
            f"Gradient descent: each {what} takes a step of ",
            Math("η"),
            " times its gradient "
            "against the gradient's direction, downhill, since for a small enough step that "
            "lowers $L$. ",
        )
    else:
        why = Prose(symbol(name, l), " the same way. ")
    if not ctx.numbers:
        return why
    old = layer.W if name == "W" else layer.b
    grad = ctx.value(f"d{name}", l)
    entry = entry_of(symbol("W", l), 0, 0) if name == "W" else symbol("b", l, "0")
    e = ex.Sub(c(ctx.entry(old)), ex.MatMul(c(ctx.net.learning_rate), c(ctx.entry(grad))))
    return Prose(why, "For ", entry, ": ", _arithmetic(ctx, e, ctx.entry(ctx.step.value)), ".")


def _loss_after(ctx: Context) -> Prose:
    if not ctx.numbers:
        return Prose(
            "The same data through the updated network: its loss ",
            symbol("L′"),
            " says whether the step went downhill.",
        )
    before, after = ctx.trace.loss, ctx.trace.loss_after
    went = "down from" if after < before else "up from" if after > before else "the same as"
    verdict = {
        "down from": "the update went downhill.",
        "up from": "the step overshot (a smaller η would go downhill).",
        "the same as": "the update did not change it.",
    }[went]
    return Prose(
        "The same data through the updated network: ",
        equals(symbol("L′"), numbers(c(after), ctx.digits)),
        f", {went} ",
        equals(symbol("L"), numbers(c(before), ctx.digits)),
        f": {verdict}",
    )


SENTENCES: dict[str, Callable[[Context], Prose]] = {
    "z": _z,
    "a": _a,
    "loss": _loss,
    "dL_da": _dL_da,
    "dact": _dact,
    "delta": _delta,
    "dW": _dW,
    "db": _db,
    "W_new": _update,
    "b_new": _update,
    "loss_after": _loss_after,
}


def phase_intro(trace: Trace, phase: str) -> Prose:
    """What a phase does, said once under its heading."""
    net = trace.network
    if phase == "forward":
        return Prose(
            "The forward pass runs the input through the network layer by layer: each "
            "layer's weighted input $z$ and activation $a$, then the loss. Every value is "
            "kept, because the backward pass reuses them."
        )
    if phase == "backward":
        return Prose(
            "The backward pass (backpropagation) applies the chain rule from the loss "
            "back to the first layer: at each layer the error signal ",
            Math("δ = ∂L/∂z"),
            ", then the gradients of the layer's weights and biases from it.",
        )
    if not plain(net.optimizer):
        return Prose(
            f"The optimizer ({net.optimizer.name}) turns each gradient into a step, "  # type: ignore[union-attr]
            "one factor at a time."
        )
    return Prose(
        "Gradient descent moves every parameter a small step against its gradient: ",
        Math("θ ← θ − η ∂L/∂θ"),
        ".",
    )


class Lesson:
    """The sentences of one document, in order: each kind said in full the first time."""

    def __init__(self, trace: Trace, digits: int | None, veiled: frozenset[int]) -> None:
        self.trace, self.digits, self.veiled = trace, digits, veiled
        self.said: set[str] = set()

    def __call__(self, step: Step) -> Prose | None:
        sentence = SENTENCES.get(step.kind)
        if sentence is None:  # an optimizer's factor: its note says what it is
            return None
        kind = "update" if step.kind in ("W_new", "b_new") else step.kind  # said once for both
        first = kind not in self.said
        self.said.add(kind)
        reads = {op.step for op in step.operands if op.step is not None}
        shown = step.index not in self.veiled and not reads & self.veiled
        used: set[int] = set()
        said = sentence(Context(self.trace, step, self.digits, first, shown, used))
        if used & self.veiled:  # it read a value a quiz still asks: say it without numbers
            said = sentence(Context(self.trace, step, self.digits, first, False, set()))
        return said
