"""The backward pass and the update in words: where the error signal comes from, how the
transpose carries it back, a weight's gradient, the step downhill."""

from __future__ import annotations

from bpdebug.engine.losses import LOSSES
from bpdebug.engine.optimizers import plain
from bpdebug.notation import expr as ex
from bpdebug.notation.boxes import Fenced, Mn, Mo, Row
from bpdebug.notation.prose import Math, Prose
from bpdebug.output.handout import optimizer_words
from bpdebug.output.lesson.context import (
    MAX_TERMS,
    Context,
    arithmetic,
    c,
    entry_of,
    equals,
    numbers,
    sup,
    symbol,
    unit,
    weighted_sum,
)

LOSS_GRADIENT = {
    "quadratic": ("the output's error ", "a − y"),
    "mse": ("the output's error scaled by 2/n: ", "(2/n)(a − y)"),
    "binary_cross_entropy": ("", "(a − y) ⊘ (a ⊙ (1 − a))"),
    "cross_entropy": ("", "−y ⊘ a"),
}


def loss_gradient(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    if l == ctx.net.depth:
        return _dL_da_output(ctx, l)
    W = ctx.net.layers[l].W
    delta = ctx.value("delta", l + 1)
    if ctx.first:
        why = Prose(
            f"The error signal is carried back through the weights: each unit of layer {l} "
            "collects the errors ",
            symbol("δ", l + 1),
            " of the units it feeds, each weighted by the same weight as on the way forward. "
            "That is what the transpose does: ",
            Math(f"(W⁽{sup(l + 1)}⁾)ᵀ"),
            " runs the forward connections backwards, reusing the forward pass's weights. ",
        )
    else:
        why = Prose(
            f"Layer {l} collects its errors the same way, back through the weights ",
            symbol("W", l + 1),
            " with their transpose ",
            Math(f"(W⁽{sup(l + 1)}⁾)ᵀ"),
            ". ",
        )
    if not ctx.numbers:
        return why
    value = ctx.entry(ctx.step.value)
    n = W.shape[0]
    if n > MAX_TERMS:
        return Prose(
            why, f"For {unit(ctx)}, the sum of {n} products is ", numbers(c(value), ctx.digits), "."
        )
    terms = weighted_sum([(W[i, 0], ctx.entry(delta, i)) for i in range(n)])
    return Prose(why, f"For {unit(ctx)}: ", arithmetic(ctx, terms, value), ".")


def _dL_da_output(ctx: Context, l: int) -> Prose:
    words, formula = LOSS_GRADIENT[ctx.net.loss]
    divides = " ($⊘$ divides entry by entry)" if "⊘" in formula else ""
    why = Prose(
        "The backward pass starts at the loss: ",
        Math(f"∂L/∂a⁽{sup(l)}⁾"),
        " says how much $L$ changes for a small change in each output. For the "
        f"{LOSSES[ctx.net.loss].words} loss it is {words}",
        Math(formula),
        f"{divides}. ",
    )
    if not ctx.numbers:
        return why
    value = ctx.entry(ctx.step.value)
    a0, y0 = ctx.entry(ctx.value("a", l)), ctx.entry(ctx.net.y)
    n = ctx.net.sizes[-1]
    difference = numbers(ex.Sub(c(a0), c(y0)), ctx.digits)
    if ctx.net.loss == "mse":  # (2/2) · (a − y), the constant on one line, not a fraction
        scale = Fenced("(", Row((Mn("2"), Mo("/"), Mn(str(n))), tight=True), ")")
        difference = Row((scale, Mo("·"), Fenced("(", difference, ")")))
    elif ctx.net.loss != "quadratic":  # a division entry by entry: its value alone
        return Prose(why, f"For {unit(ctx)}: ", numbers(c(value), ctx.digits), ".")
    return Prose(why, f"For {unit(ctx)}: ", equals(difference, numbers(c(value), ctx.digits)), ".")


def slope(ctx: Context) -> Prose:
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
                Math("σ′(z) = a(1 − a)"),
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
        return Prose(why, f"For {unit(ctx)}: ", arithmetic(ctx, e, value), ".")
    z0 = ctx.entry(ctx.value("z", l))
    return Prose(why, f"For {unit(ctx)}: ", arithmetic(ctx, ex.Call("σ′", c(z0)), value), ".")


def _softmax_jvp(ctx: Context, l: int) -> Prose:
    fused = len(ctx.step.operands) == 2 and ctx.step.operands[1].param == "y"
    if fused:
        why = Prose(
            "Softmax mixes its units (each output depends on every weighted input), so the "
            "chain rule takes its Jacobian J; with the cross-entropy loss the product ",
            Math(f"Jᵀ ∂L/∂a⁽{sup(l)}⁾"),
            " comes out as simply ",
            Math(f"a⁽{sup(l)}⁾ − y"),
            ", the output minus the target. ",
        )
        if not ctx.numbers:
            return why
        a0, y0 = ctx.entry(ctx.value("a", l)), ctx.entry(ctx.net.y)
        e = ex.Sub(c(a0), c(y0))
        return Prose(why, f"For {unit(ctx)}: ", arithmetic(ctx, e, ctx.entry(ctx.step.value)), ".")
    return Prose(
        "Softmax mixes its units (each output depends on every weighted input), so instead "
        "of one slope per unit the chain rule multiplies ",
        Math(f"∂L/∂a⁽{sup(l)}⁾"),
        " by the transpose of the softmax's Jacobian J.",
    )


def error_signal(ctx: Context) -> Prose:
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
        return Prose(why, f"For {unit(ctx)}: ", arithmetic(ctx, e, ctx.entry(ctx.step.value)), ".")
    if ctx.first:
        why = Prose(
            what,
            "By the chain rule it is ",
            Math(f"∂L/∂a⁽{sup(l)}⁾"),
            " times the slope ",
            Math(f"σ′(z⁽{sup(l)}⁾)"),
            ", entry by entry. ",
        )
    else:
        why = Prose("The error signal at ", symbol("z", l), ", the same way. ")
    if not ctx.numbers:
        return why
    g, s = (ctx.entry(op.value) for op in ctx.step.operands)
    product = ex.MatMul(c(g), c(s))
    return Prose(
        why, f"For {unit(ctx)}: ", arithmetic(ctx, product, ctx.entry(ctx.step.value)), "."
    )


def weight_gradient(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    prev = Math(f"a⁽{sup(l - 1)}⁾ⱼ")
    if ctx.first:
        why = Prose(
            "How much $L$ changes for a small change in each weight: ",
            Math(f"W⁽{sup(l)}⁾ᵢⱼ"),
            " multiplies ",
            prev,
            " on its way into unit $i$, so its gradient is ",
            Math(f"δ⁽{sup(l)}⁾ᵢ a⁽{sup(l - 1)}⁾ⱼ"),
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
        m = ctx.net.batch_size
        return Prose(
            why,
            "For ",
            name,
            f", the mean of its {m} examples' products is ",
            numbers(c(value), ctx.digits),
            ".",
        )
    d0 = ctx.entry(ctx.value("delta", l))
    a0 = ctx.entry(ctx.net.x if l == 1 else ctx.value("a", l - 1))
    return Prose(why, "For ", name, ": ", arithmetic(ctx, ex.MatMul(c(d0), c(a0)), value), ".")


def bias_gradient(ctx: Context) -> Prose:
    l = ctx.step.layer or 1
    gradient, delta = Math(f"∂L/∂b⁽{sup(l)}⁾"), symbol("δ", l)
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


def update(ctx: Context) -> Prose | None:
    l = ctx.step.layer or 1
    name = ctx.step.kind[0]  # W or b
    layer = ctx.net.layers[l - 1]
    if name in layer.frozen:  # the step's note says it is frozen: said once, there
        return None
    if not plain(ctx.net.optimizer):
        optimizer = optimizer_words(ctx.net)
        return Prose(f"The {optimizer} update of ", symbol(name, l), ", from its factors above.")
    what = "weight" if name == "W" else "bias"
    if ctx.first:
        why = Prose(
            f"Gradient descent moves each {what} against its gradient by ",
            Math("η"),
            " times the gradient: the gradient points uphill, so a small enough step the "
            "other way lowers $L$. ",
        )
    else:
        why = Prose(symbol(name, l), " the same way. ")
    if not ctx.numbers:
        return why
    old = layer.W if name == "W" else layer.b
    grad = ctx.value(f"d{name}", l)
    entry = entry_of(symbol("W", l), 0, 0) if name == "W" else symbol("b", l, "0")
    e = ex.Sub(c(ctx.entry(old)), ex.MatMul(c(ctx.net.learning_rate), c(ctx.entry(grad))))
    return Prose(why, "For ", entry, ": ", arithmetic(ctx, e, ctx.entry(ctx.step.value)), ".")


def loss_after(ctx: Context) -> Prose:
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
