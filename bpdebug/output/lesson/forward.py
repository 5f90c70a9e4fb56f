"""The forward pass in words: a unit's weighted input, its activation, the loss."""

from __future__ import annotations

from bpdebug.engine.activations import ACTIVATIONS
from bpdebug.notation import expr as ex
from bpdebug.notation.prose import Math, Prose
from bpdebug.output.lesson.context import (
    MAX_TERMS,
    Context,
    arithmetic,
    c,
    equals,
    numbers,
    plus,
    sup,
    symbol,
    unit,
    weighted_sum,
)


def weighted_input(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    W, b = ctx.net.layers[l - 1].W, ctx.net.layers[l - 1].b
    a_prev = ctx.net.x if l == 1 else ctx.value("a", l - 1)
    inputs = "input" if l == 1 else f"activation of layer {l - 1}"
    if ctx.first:
        why = Prose(
            f"Each unit $i$ of layer {l} weighs every {inputs} by the weight on its connection, "
            "adds them up and adds its bias: ",
            Math(f"z⁽{sup(l)}⁾ᵢ = Σⱼ W⁽{sup(l)}⁾ᵢⱼ a⁽{sup(l - 1)}⁾ⱼ + b⁽{sup(l)}⁾ᵢ"),
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
    terms = weighted_sum([(W[0, j], ctx.entry(a_prev, j)) for j in range(n_in)])
    return Prose(why, f"For {unit(ctx)}: ", arithmetic(ctx, plus(terms, b[0]), z0), ".")


SQUASH = {
    "sigmoid": "squashes each weighted input into (0, 1)",
    "tanh": "squashes each weighted input into (−1, 1)",
    "relu": "keeps each positive weighted input and sets the others to 0",
    "leaky_relu": "keeps each positive weighted input and scales the others by α",
    "identity": "passes each weighted input on as it is",
    "softplus": "turns each weighted input smoothly into a positive number",
    "softmax": "turns the weighted inputs of each example into probabilities that add up to 1",
}


def activation(ctx: Context) -> Prose:
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
    return Prose(why, f"For {unit(ctx)}: ", arithmetic(ctx, ex.Call(fn, c(z0)), a0), ".")


def loss(ctx: Context) -> Prose:
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
