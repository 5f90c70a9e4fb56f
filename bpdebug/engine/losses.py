"""Losses, per example (one column each), with ∂L/∂a and the fused output forms.

The batch loss is the mean of the per-example losses; the trace does that averaging.
Binary cross-entropy is computed from z (sigmoid output) and cross-entropy from z
(softmax output), so saturated outputs never take log(0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import Array, log_softmax


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


@dataclass(frozen=True)
class Loss:
    """A loss with its per-example value, ∂L/∂a, and (if any) its fused δ⁽ᴸ⁾ form."""

    name: str
    value: Callable[[Array, Array, Array], Array]
    grad: Callable[[Array, Array, Array], Array]
    template: str  # per example, {0} = a, {1} = y
    grad_template: str  # ∂L/∂a, {0} = a, {1} = y
    requires_output: str | None = None  # the output activation it must follow
    fused_delta: Callable[[Array, Array, Array], Array] | None = None
    fused_name: str = ""


LOSSES: dict[str, Loss] = {
    "quadratic": Loss("quadratic", _quadratic, _quadratic_grad, "½‖{0} − {1}‖²", "{0} − {1}"),
    "mse": Loss("mse", _mse, _mse_grad, "(1/n) Σⱼ ({0} − {1})ⱼ²", "(2/n)({0} − {1})"),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        _bce,
        _bce_grad,
        "−Σⱼ [{1} log {0} + (1 − {1}) log(1 − {0})]ⱼ",
        "({0} − {1}) / ({0}(1 − {0}))",
        requires_output="sigmoid",
        fused_delta=_sigmoid_bce_delta,
        fused_name="sigmoid + binary cross-entropy",
    ),
    "cross_entropy": Loss(
        "cross_entropy",
        _cross_entropy,
        _cross_entropy_grad,
        "−Σⱼ [{1} log {0}]ⱼ",
        "−{1} / {0}",
        requires_output="softmax",
        fused_delta=_softmax_ce_delta,
        fused_name="softmax + cross-entropy",
    ),
}
