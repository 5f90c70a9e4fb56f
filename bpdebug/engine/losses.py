"""Losses, per example (one column each), with ∂L/∂a and the fused output forms.

The batch loss is the mean of the per-example losses; the trace does that averaging.
Binary cross-entropy is computed from z (sigmoid output) and cross-entropy from z
(softmax output), so saturated outputs never take log(0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpdebug.engine.activations import Array, log_softmax
from bpdebug.notation import expr as ex


def _quadratic(z: Array, a: Array, y: Array) -> Array:
    d = a - y
    return np.asarray(0.5 * (d * d).sum(axis=0), dtype=np.float64)


def _quadratic_grad(z: Array, a: Array, y: Array) -> Array:
    return a - y


def _mse(z: Array, a: Array, y: Array) -> Array:
    d = a - y
    return np.asarray((d * d).mean(axis=0), dtype=np.float64)


def _mse_grad(z: Array, a: Array, y: Array) -> Array:
    grad: Array = (2.0 / a.shape[0]) * (a - y)
    return grad


def _bce(z: Array, a: Array, y: Array) -> Array:
    """−[y log σ(z) + (1 − y) log(1 − σ(z))] = y·softplus(−z) + (1 − y)·softplus(z)."""
    per_unit = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
    return np.asarray(per_unit.sum(axis=0), dtype=np.float64)


def _bce_grad(z: Array, a: Array, y: Array) -> Array:
    """(a − y)/(a(1 − a)) = (1 − y)(1 + e^z) − y(1 + e^−z); ±inf only where it truly overflows.

    Each term is dropped where its factor (1 − y or y) is zero, so 0·∞ never makes a nan.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        up = np.where(y < 1.0, (1.0 - y) * (1.0 + np.exp(z)), 0.0)
        down = np.where(y > 0.0, y * (1.0 + np.exp(-z)), 0.0)
        grad: Array = up - down
        return grad


def _cross_entropy(z: Array, a: Array, y: Array) -> Array:
    """−Σⱼ yⱼ log aⱼ with log a = log_softmax(z); terms with yⱼ = 0 contribute 0."""
    terms = np.where(y > 0.0, -y * log_softmax(z), 0.0)
    return np.asarray(terms.sum(axis=0), dtype=np.float64)


def _cross_entropy_grad(z: Array, a: Array, y: Array) -> Array:
    """−y/a, with 1/a = e^(−log a) so an underflowed a gives the true (huge) value."""
    with np.errstate(over="ignore"):
        inv_a = np.exp(np.minimum(np.where(y > 0.0, -log_softmax(z), 0.0), 1000.0))
    return np.asarray(np.where(y > 0.0, -y * inv_a, 0.0), dtype=np.float64)


def _sigmoid_bce_delta(z: Array, a: Array, y: Array) -> Array:
    return a - y


def _softmax_ce_delta(z: Array, a: Array, y: Array) -> Array:
    """∂L/∂z = a·Σy − y, which is a − y for targets that sum to one."""
    delta: Array = a * y.sum(axis=0, keepdims=True) - y
    return delta


Formula = Callable[[ex.Expr, ex.Expr, int], ex.Expr]  # (a, y, n outputs) → a formula


def _quadratic_formula(a: ex.Expr, y: ex.Expr, n: int) -> ex.Expr:
    return ex.MatMul(ex.Frac(ex.Const(1), ex.Const(2)), ex.Norm2(ex.Sub(a, y)))


def _mse_formula(a: ex.Expr, y: ex.Expr, n: int) -> ex.Expr:
    return ex.MatMul(ex.Frac(ex.Const(1), ex.Const(n, "n")), ex.Norm2(ex.Sub(a, y)))


def _mse_grad_formula(a: ex.Expr, y: ex.Expr, n: int) -> ex.Expr:
    return ex.MatMul(ex.Frac(ex.Const(2), ex.Const(n, "n")), ex.Paren(ex.Sub(a, y)))


def _bce_formula(a: ex.Expr, y: ex.Expr, n: int) -> ex.Expr:
    one = ex.Const(1)
    hit = ex.Had(y, ex.Call("log", a))
    miss = ex.Had(ex.Paren(ex.Sub(one, y)), ex.Call("log", ex.Sub(one, a)))
    return ex.Neg(ex.SumUnits(ex.Add(hit, miss)))


def _bce_grad_formula(a: ex.Expr, y: ex.Expr, n: int) -> ex.Expr:
    return ex.Div(ex.Sub(a, y), ex.Had(a, ex.Paren(ex.Sub(ex.Const(1), a))))


def _ce_formula(a: ex.Expr, y: ex.Expr, n: int) -> ex.Expr:
    return ex.Neg(ex.SumUnits(ex.Had(y, ex.Call("log", a))))


@dataclass(frozen=True)
class Loss:
    """A loss with its per-example value, ∂L/∂a, their formulas, and its fused δ⁽ᴸ⁾ form."""

    name: str
    value: Callable[[Array, Array, Array], Array]
    grad: Callable[[Array, Array, Array], Array]
    formula: Formula  # the per-example loss
    grad_formula: Formula  # ∂L/∂a
    requires_output: str | None = None  # the output activation it must follow
    fused_delta: Callable[[Array, Array, Array], Array] | None = None
    fused_name: str = ""
    title: str = ""  # its name in words, for the notes: "cross-entropy" (else its name)

    @property
    def words(self) -> str:
        return self.title or self.name


LOSSES: dict[str, Loss] = {
    "quadratic": Loss(
        "quadratic",
        _quadratic,
        _quadratic_grad,
        _quadratic_formula,
        lambda a, y, n: ex.Sub(a, y),
    ),
    "mse": Loss(
        "mse", _mse, _mse_grad, _mse_formula, _mse_grad_formula, title="mean squared error"
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        _bce,
        _bce_grad,
        _bce_formula,
        _bce_grad_formula,
        requires_output="sigmoid",
        fused_delta=_sigmoid_bce_delta,
        fused_name="sigmoid + binary cross-entropy",
        title="binary cross-entropy",
    ),
    "cross_entropy": Loss(
        "cross_entropy",
        _cross_entropy,
        _cross_entropy_grad,
        _ce_formula,
        lambda a, y, n: ex.Neg(ex.Div(y, a)),
        requires_output="softmax",
        fused_delta=_softmax_ce_delta,
        fused_name="softmax + cross-entropy",
        title="cross-entropy",
    ),
}


def target_problem(loss: str, y: Array) -> tuple[int | None, str] | None:
    """Why targets `y` (one column per example) cannot be used with `loss`, if they can't:
    (the example at fault, or None for all of them, and the reason in words). The one rule
    for files and edits alike."""
    if loss in ("binary_cross_entropy", "cross_entropy") and (y.min() < 0 or y.max() > 1):
        return None, f"{loss} targets must lie between 0 and 1"
    if loss == "cross_entropy":
        sums = y.sum(axis=0)
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
        if bad.size:
            k = int(bad[0])
            return k, f"cross_entropy targets must sum to 1; example {k} sums to {sums[k]:g}"
    return None
