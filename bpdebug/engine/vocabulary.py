"""The engine's words, in one place: the phases, the kinds of step and their titles, the
symbols of the optimizer's hyper-parameters and state, and `TensorRef`, the typed name of
every tensor a step reads or an edit changes.

A *kind* is what a step computes ("z", "delta", "W_new", "W_exp_avg"), whatever its layer;
a step is named by its (kind, layer). A *stage* is one intermediate value of an optimizer's
update (the velocity, a moment, its bias correction), shown as a step of its own.
"""

from __future__ import annotations

from typing import NamedTuple

from bpdebug.notation import expr as ex

KINDS = {  # each phase's kinds of step, in order (an optimizer's stages come before W_new)
    "forward": ("z", "a", "loss"),
    "backward": ("dL_da", "dact", "delta", "dW", "db"),
    "update": ("W_new", "b_new", "loss_after"),
}
PHASES = tuple(KINDS)
PARAMS = ("W", "b")  # a layer's parameters, in the order of the parameter vector

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
STAGE_TITLES = {  # the optimizers' stages, each a step "W_<stage>" or "b_<stage>"
    "g": "gradient with weight decay",
    "decayed": "decoupled weight decay",
    "velocity": "velocity",
    "lookahead": "Nesterov look-ahead",
    "square_avg": "running mean of the squared gradient",
    "exp_avg": "first moment",
    "exp_avg_sq": "second moment",
    "exp_avg_hat": "bias-corrected first moment",
    "exp_avg_sq_hat": "bias-corrected second moment",
}
for _p in PARAMS:
    KIND_TITLES.update({f"{_p}_{k}": f"{_p}: {title}" for k, title in STAGE_TITLES.items()})
# Kinds whose value has one column per example (the others hold one value for the batch).
PER_EXAMPLE = frozenset({"z", "a", "dL_da", "dact", "delta"})

# The symbol of each hyper-parameter (β₁ᵗ, β₂ᵗ: β raised to this update's t) and of each
# array of the optimizer's state; the state's symbol is also how a person types it (m_W1).
HYPER_SYMBOLS = {
    "momentum": "μ",
    "beta1": "β₁",
    "beta2": "β₂",
    "eps": "ε",
    "alpha": "α",
    "weight_decay": "λ",
    "beta1_t": "β₁ᵗ",
    "beta2_t": "β₂ᵗ",
}
STATE_SYMBOLS = {"velocity": "v", "square_avg": "s", "exp_avg": "m", "exp_avg_sq": "v"}


class TensorRef(NamedTuple):
    """A tensor by what it is, never by a string to take apart: W⁽ˡ⁾ or b⁽ˡ⁾ (kind "W" or
    "b", layer l), the data x or y, the learning rate η ("lr"), a hyper-parameter of the
    optimizer ("hyper", which "beta1"; "beta1_t" is β₁ᵗ), or an array of the optimizer's
    state for W⁽ˡ⁾ or b⁽ˡ⁾ ("state", layer l, which "exp_avg", of "W")."""

    kind: str
    layer: int | None = None
    which: str = ""
    of: str = ""

    @property
    def key(self) -> str:
        """The short name the screens and the hand-outs use: "W2", "b1", "x", "y", "lr", a
        hyper-parameter's own ("beta1") and a state's as typed ("m_W1")."""
        if self.kind in PARAMS:
            return f"{self.kind}{self.layer}"
        if self.kind == "hyper":
            return self.which
        if self.kind == "state":
            return f"{STATE_SYMBOLS[self.which]}_{self.param.key}"
        return self.kind

    @property
    def param(self) -> TensorRef:
        """The parameter a state belongs to (the parameter itself for W and b)."""
        return TensorRef(self.of, self.layer) if self.kind == "state" else self

    @property
    def editable(self) -> bool:
        """Whether an edit changes it entry by entry (a parameter, the data, η): not the
        optimizer's hyper-parameters or state, which a step reads but no cell selects."""
        return self.kind not in ("hyper", "state")


X, Y, LEARNING_RATE = TensorRef("x"), TensorRef("y"), TensorRef("lr")


def parameter(name: str, layer: int) -> TensorRef:
    """W⁽ˡ⁾ or b⁽ˡ⁾."""
    return TensorRef(name, layer)


def hyper(which: str) -> TensorRef:
    """The optimizer's hyper-parameter `which` ("beta1"; "beta1_t" for β₁ᵗ)."""
    return TensorRef("hyper", None, which)


def state(which: str, of: TensorRef) -> TensorRef:
    """The optimizer's array `which` ("exp_avg") for the parameter `of`, before this update."""
    return TensorRef("state", of.layer, which, of.kind)


def tensor_named(key: str) -> TensorRef:
    """The tensor a screen's key names ("W2", "b1", "x", "y", "lr"; see TensorRef.key): the
    one place such a key is read back."""
    if key in ("x", "y", "lr"):
        return TensorRef(key)
    if key[:1] in PARAMS and key[1:].isdigit():
        return TensorRef(key[0], int(key[1:]))
    raise ValueError(f"{key!r} names no parameter, data or learning rate")


def symbol(base: str, layer: int | None = None) -> ex.Sym:
    """z⁽ˡ⁾, W⁽ˡ⁾, δ⁽ˡ⁾ … as a formula's symbol."""
    return ex.Sym(base, None if layer is None else str(layer))


def tensor_symbol(ref: TensorRef) -> ex.Expr:
    """How a formula writes the tensor: W⁽²⁾, x as a⁽⁰⁾, η, β₁, the state m⁽¹⁾_W."""
    if ref.kind == "hyper":
        return ex.Sym(HYPER_SYMBOLS[ref.which])
    if ref.kind == "state":  # the optimizer's state before this update
        return ex.Sym(STATE_SYMBOLS[ref.which], str(ref.layer), sub=ref.of)
    if ref.kind == "x":
        return symbol("a", 0)
    if ref.kind == "lr":
        return ex.Sym("η")
    if ref.kind == "y":
        return ex.Sym("y")
    return symbol(ref.kind, ref.layer)


def param_symbol(key: str) -> ex.Expr:
    """The symbol of the tensor a screen's key names (the hand-outs list x, y, η, W, b)."""
    return tensor_symbol(tensor_named(key))
