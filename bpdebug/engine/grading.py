"""Quizzing a trace: grading an answer to a step, and naming the classic mistake that gives
exactly a wrong answer.

Each mistake is a variant of the step computed by the engine from the same trace's values
(never a stored number): δ⁽ˡ⁾ without σ′, with σ(z) for σ′(z), with the updated W⁽ˡ⁺¹⁾ or
without its transpose; the loss or ∂L/∂a without the ½ (quadratic) or the 1/n, 2/n (mse);
a batch sum for a batch mean; θ + η·g for θ − η·g; δ (a⁽ˡ⁾)ᵀ for δ (a⁽ˡ⁻¹⁾)ᵀ; an elementwise
softmax′ for its Jacobian. A variant that equals the right value here (σ′ = 1 for identity,
m = 1 for the batch mean) cannot be told apart from it and is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import NamedTuple

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.trace import Step, Trace
from bpdebug.engine.vocabulary import KINDS

TOLERANCE = 1e-3  # relative: 0.3775 for 0.377513 is right
QUIZZABLE_BY_PHASE = {  # the kinds of step a quiz (or an exam sheet) may ask; L′ is not asked
    phase: tuple(kind for kind in kinds if kind != "loss_after") for phase, kinds in KINDS.items()
}
QUIZZABLE = tuple(k for kinds in QUIZZABLE_BY_PHASE.values() for k in kinds)
FLOOR = 1e-4  # an entry this much smaller than the step's largest may be answered as 0

MISTAKES: dict[str, tuple[str, str]] = {
    "forgot_dact": (
        "forgot σ′",
        "δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾): the error at z also goes through the activation's slope.",
    ),
    "sigma_for_dact": (
        "used σ(z) for σ′(z)",
        "the activation's derivative is σ′(z⁽ˡ⁾) (for the sigmoid σ(z)(1 − σ(z))), not its "
        "value a⁽ˡ⁾ = σ(z⁽ˡ⁾).",
    ),
    "updated_weights": (
        "used the updated W⁽ˡ⁺¹⁾",
        "backpropagation uses the weights of the forward pass; the update comes after every "
        "gradient is computed.",
    ),
    "no_transpose": (
        "forgot the transpose",
        "∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾: the error flows back along each weight, so W is transposed.",
    ),
    "swapped_product": (
        "swapped δ and aᵀ",
        "∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ has W's shape (one row per unit of layer l); a δᵀ is its "
        "transpose.",
    ),
    "dropped_half": (
        "dropped the ½",
        "the quadratic loss is ½‖a − y‖²: the ½ cancels the 2 of the derivative, so ∂L/∂a = a − y.",
    ),
    "dropped_1_over_n": (
        "dropped the 1/n of mse",
        "mse averages over the n outputs: L = (1/n)‖a − y‖² for each example.",
    ),
    "dropped_2_over_n": (
        "dropped the 2/n of mse",
        "the derivative of (1/n)‖a − y‖² is (2/n)(a − y).",
    ),
    "batch_sum": (
        "forgot the 1/m of the batch mean",
        "the loss is the mean over the m examples, so every gradient is divided by m (a sum is "
        "m times too large).",
    ),
    "update_sign": (
        "sign slip in the update",
        "gradient descent moves against the gradient: θ ← θ − η ∂L/∂θ, not θ + η ∂L/∂θ.",
    ),
    "a_l_for_a_prev": (
        "used a⁽ˡ⁾ for a⁽ˡ⁻¹⁾",
        "∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ: a weight multiplies the input to its layer, the previous "
        "layer's activation.",
    ),
    "softmax_elementwise": (
        "an elementwise softmax′",
        "softmax couples its outputs: ∂L/∂z = Jᵀ ∂L/∂a with the full Jacobian "
        "(a(1 − a) on the diagonal, −aᵢaⱼ off it), not ∂L/∂a ⊙ a(1 − a).",
    ),
    "forgot_bias": (
        "forgot the bias",
        "z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾: the bias is added to every unit's weighted sum.",
    ),
    "forgot_activation": (
        "forgot the activation",
        "a⁽ˡ⁾ = σ(z⁽ˡ⁾): the weighted input still goes through the activation.",
    ),
}


class Variant(NamedTuple):
    """A known mistake on a step, and the value it gives."""

    key: str
    value: Array

    @property
    def title(self) -> str:
        return MISTAKES[self.key][0]

    @property
    def why(self) -> str:
        return MISTAKES[self.key][1]


def variants(trace: Trace, step: Step) -> list[Variant]:
    """Every known mistake on this step whose value differs from the right one."""
    make = _MAKERS.get(step.kind)
    if make is None:
        return []
    right = np.asarray(step.value, dtype=float)
    found = []
    with np.errstate(all="ignore"):
        for key, value in make(trace, step):
            value = np.asarray(value, dtype=float)
            if value.shape == right.shape and close(value, right, right).all():
                continue  # the same number as the right answer here: not a mistake to name
            found.append(Variant(key, value))
    return found


def _val(trace: Trace, kind: str, layer: int | None) -> Array:
    return np.asarray(trace.find(kind, layer).value, dtype=float)


def _loss_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    net, L = trace.network, float(np.asarray(step.value))
    out = [("batch_sum", np.asarray(L * net.batch_size))]
    if net.loss == "quadratic":
        out.append(("dropped_half", np.asarray(2 * L)))
    if net.loss == "mse":
        out.append(("dropped_1_over_n", np.asarray(L * net.y.shape[0])))
    return out


def _dL_da_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    net, l = trace.network, step.layer
    assert l is not None
    value = np.asarray(step.value, dtype=float)
    if l == net.depth:
        if net.loss == "quadratic":
            return [("dropped_half", 2 * value)]
        if net.loss == "mse":
            return [("dropped_2_over_n", value * net.y.shape[0] / 2)]
        return []
    return _back_through_weights(trace, l, lambda back: back)


def _back_through_weights(
    trace: Trace, l: int, then: Callable[[Array], Array]
) -> list[tuple[str, Array]]:
    """(W_new⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ and W⁽ˡ⁺¹⁾ δ⁽ˡ⁺¹⁾ (when W is square), passed through `then`."""
    W = trace.network.layers[l].W
    delta_next = _val(trace, "delta", l + 1)
    W_new = _val(trace, "W_new", l + 1)
    out = [("updated_weights", then(W_new.T @ delta_next))]
    if W.shape[0] == W.shape[1]:
        out.append(("no_transpose", then(W @ delta_next)))
    return out


def _dact_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    l = step.layer
    assert l is not None
    layer = trace.network.layers[l - 1]
    a = _val(trace, "a", l)
    if layer.activation == "softmax":
        return [("softmax_elementwise", _val(trace, "dL_da", l) * a * (1 - a))]
    if layer.activation == "identity":
        return []
    return [("sigma_for_dact", a)]


def _delta_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    net, l = trace.network, step.layer
    assert l is not None
    dL_da, a = _val(trace, "dL_da", l), _val(trace, "a", l)
    dact = np.asarray(trace.find("dact", l).value, dtype=float)
    out: list[tuple[str, Array]] = [("forgot_dact", dL_da)]
    activation = net.layers[l - 1].activation
    if activation == "softmax":
        out.append(("softmax_elementwise", dL_da * a * (1 - a)))
    elif activation != "identity":
        out.append(("sigma_for_dact", dL_da * a))
    if l < net.depth:
        out += _back_through_weights(trace, l, lambda back: back * dact)
    return out


def _dW_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    net, l = trace.network, step.layer
    assert l is not None
    dW = np.asarray(step.value, dtype=float)
    m = net.batch_size
    delta = _val(trace, "delta", l).reshape(dW.shape[0], -1)
    out = [("batch_sum", dW * m)]
    if min(dW.shape) > 1:  # a row or column vector typed either way is the same answer
        out.append(("swapped_product", dW.T))
    a_l = _val(trace, "a", l).reshape(dW.shape[0], -1)
    if a_l.shape[0] == dW.shape[1]:
        out.append(("a_l_for_a_prev", delta @ a_l.T / m))
    return out


def _db_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    return [("batch_sum", np.asarray(step.value, dtype=float) * trace.network.batch_size)]


def _update_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    l = step.layer
    assert l is not None
    layer = trace.network.layers[l - 1]
    name = "W" if step.kind == "W_new" else "b"
    if name in layer.frozen:
        return []
    old, new = (layer.W if name == "W" else layer.b), np.asarray(step.value, dtype=float)
    return [("update_sign", old + (old - new))]  # θ + η·(the step): the step taken backwards


def _z_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    l = step.layer
    assert l is not None
    b = trace.network.layers[l - 1].b
    z = np.asarray(step.value, dtype=float)
    return [("forgot_bias", z - (b.reshape(-1, 1) if z.ndim == 2 else b))]


def _a_variants(trace: Trace, step: Step) -> list[tuple[str, Array]]:
    assert step.layer is not None
    return [("forgot_activation", _val(trace, "z", step.layer))]


_MAKERS = {
    "z": _z_variants,
    "a": _a_variants,
    "loss": _loss_variants,
    "dL_da": _dL_da_variants,
    "dact": _dact_variants,
    "delta": _delta_variants,
    "dW": _dW_variants,
    "db": _db_variants,
    "W_new": _update_variants,
    "b_new": _update_variants,
}


# ---------------------------------------------------------------- grading


def close(answer: Array, right: Array, scale_of: Array, tol: float = TOLERANCE) -> np.ndarray:
    """Entry by entry: within `tol` of the right value, relative to it, or to the largest
    entry of `scale_of` for entries far smaller than it (0 answers 1e-9 beside 0.3)."""
    scale = float(np.max(np.abs(scale_of))) if np.size(scale_of) else 0.0
    floor = FLOOR * scale
    with np.errstate(all="ignore"):
        return np.abs(answer - right) <= tol * np.maximum(np.abs(right), floor)


def fit(answer: Array, shape: tuple[int, ...]) -> Array:
    """The answer in the step's shape: a vector may be typed as a column or a row, a scalar
    as one number. ValueError saying the shape expected otherwise."""
    answer = np.asarray(answer, dtype=float)
    if answer.shape == shape:
        return answer

    def vector_like(s: tuple[int, ...]) -> bool:
        return len(s) <= 1 or min(s) == 1

    if answer.size == int(np.prod(shape)) and vector_like(shape) and vector_like(answer.shape):
        return answer.reshape(shape)
    raise ValueError(f"expected {_shape_words(shape)}, got {_shape_words(answer.shape)}")


def _shape_words(shape: tuple[int, ...]) -> str:
    if not shape or shape == (1, 1):
        return "one number"
    if len(shape) == 1 or 1 in shape:
        return f"a vector of {int(np.prod(shape))} numbers"
    return f"a {shape[0]}×{shape[1]} matrix ({shape[0]} rows separated by ';')"


class Grade(NamedTuple):
    """How an answer compares with a step's value."""

    right: bool
    marks: np.ndarray  # per entry: True where right
    mistakes: list[Variant]  # the known mistakes that give this answer (wrong answers only)


def grade(trace: Trace, step: Step, answer: Array, tol: float = TOLERANCE) -> Grade:
    """Grade a whole answer (already shaped by `fit`, or a variant's own shape)."""
    right = np.asarray(step.value, dtype=float)
    answer = np.asarray(answer, dtype=float)
    if answer.shape == right.shape:
        marks = close(answer, right, right, tol)
        if marks.all():
            return Grade(True, marks, [])
    else:
        marks = np.zeros(right.shape, dtype=bool)
    return Grade(False, marks, diagnose(trace, step, answer, tol))


def diagnose(trace: Trace, step: Step, answer: Array, tol: float = TOLERANCE) -> list[Variant]:
    """The known mistakes whose value this answer matches (several: they agree here)."""
    answer = np.asarray(answer, dtype=float)
    right = np.asarray(step.value, dtype=float)
    try:
        if close(fit(answer, right.shape), right, right, tol).all():
            return []  # the right answer, typed in another orientation
    except ValueError:
        pass
    found = []
    for v in variants(trace, step):
        shaped = answer
        if v.value.shape != answer.shape:
            try:
                shaped = fit(answer, v.value.shape)
            except ValueError:
                continue
        if close(shaped, v.value, v.value, tol).all():
            found.append(v)
    return found


def collisions(trace: Trace, step: Step, tol: float = TOLERANCE) -> list[tuple[str, str]]:
    """Pairs of mistakes that give the same value on this step (a diagnosis names both)."""
    vs = variants(trace, step)
    return [
        (a.key, b.key)
        for i, a in enumerate(vs)
        for b in vs[i + 1 :]
        if a.value.shape == b.value.shape and close(a.value, b.value, b.value, tol).all()
    ]


# ---------------------------------------------------------------- what gives a value away

ON_SCREEN = -1  # an exposer that is always in view: a parameter, the data or η


def gives_away(shown: object, hidden: object, tol: float = TOLERANCE) -> bool:
    """Whether `shown`, typed as the answer for `hidden`, would be graded right: the same
    number of entries, each within `tol` (one value read off another)."""
    s, h = np.ravel(np.asarray(shown, dtype=float)), np.ravel(np.asarray(hidden, dtype=float))
    if s.size != h.size or not h.size:
        return False
    with np.errstate(all="ignore"):
        return bool(close(s, h, h, tol).all())


def exposers(trace: Trace, asked: Collection[int], tol: float = TOLERANCE) -> dict[int, list[int]]:
    """For each asked step, the steps (or ON_SCREEN, for a parameter or the data) whose value
    gives its value away, so that a quiz can't hide it once they are shown: ∂L/∂b⁽ˡ⁾ is δ⁽ˡ⁾
    for one example, a⁽ˡ⁾ is z⁽ˡ⁾ for identity, a frozen W's update is W, Adam's m̂ is g at
    t = 1; L′'s step writes L beside it, so it gives the loss away."""
    last = len(trace) - 1  # L′: compared by the rule above, not by value
    values = {i: trace.value(i) for i in range(last)}
    params: dict[str, object] = {}
    for step in trace.steps[:last]:
        params.update((op.param, op.value) for op in step.operands if op.param is not None)
    found: dict[int, list[int]] = {}
    for j in asked:
        if j >= last:
            continue
        hidden = values[j]
        found[j] = [i for i, v in values.items() if i != j and gives_away(v, hidden, tol)]
        if any(gives_away(v, hidden, tol) for v in params.values()):
            found[j].append(ON_SCREEN)
        if trace[j].kind == "loss":
            found[j].append(last)
    return found
