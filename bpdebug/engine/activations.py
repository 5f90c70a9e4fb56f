"""Activation functions σ, their derivatives σ′, and the formulas the screen shows.

Every function is numerically stable for any finite z (|z| up to 1e300): no overflow,
no NumPy warnings. Arrays are float64 and hold one column per example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpdebug.notation import expr as ex

Array = NDArray[np.float64]


def _sigmoid(z: Array, alpha: float = 0.0) -> Array:
    """1 / (1 + e^−z), evaluated without ever exponentiating a positive number."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)  # 1/(1 + e^−z) for z ≥ 0, e^z/(1 + e^z) below


def _sigmoid_prime(z: Array, a: Array, alpha: float = 0.0) -> Array:
    """σ(z)(1 − σ(z)) = e^−|z| / (1 + e^−|z|)², exact even where σ(z) rounds to 1."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def _identity(z: Array, alpha: float = 0.0) -> Array:
    return z.copy()


def _identity_prime(z: Array, a: Array, alpha: float = 0.0) -> Array:
    return np.ones_like(z)


def _tanh(z: Array, alpha: float = 0.0) -> Array:
    return np.tanh(z)


def _tanh_prime(z: Array, a: Array, alpha: float = 0.0) -> Array:
    """1 − tanh²(z) = 1/cosh²(z): right to a few ulps everywhere, where 1 − a² loses every
    digit once tanh(z) rounds to ±1 (|z| ≳ 19). |z| is capped at 700, where the true value
    is already below the smallest float (so cosh never overflows)."""
    r: Array = np.abs(z)
    np.minimum(r, 700.0, out=r)
    np.cosh(r, out=r)
    np.reciprocal(r, out=r)
    r *= r
    return r


def _relu(z: Array, alpha: float = 0.0) -> Array:
    return np.maximum(z, 0.0)


def _relu_prime(z: Array, a: Array, alpha: float = 0.0) -> Array:
    return (z > 0).astype(np.float64)


def _leaky_relu(z: Array, alpha: float = 0.01) -> Array:
    return np.where(z > 0, z, alpha * z)


def _leaky_relu_prime(z: Array, a: Array, alpha: float = 0.01) -> Array:
    return np.where(z > 0, 1.0, alpha)


def _softplus(z: Array, alpha: float = 0.0) -> Array:
    return np.logaddexp(0.0, z)


def _softplus_prime(z: Array, a: Array, alpha: float = 0.0) -> Array:
    return _sigmoid(z)


def _softmax(z: Array, alpha: float = 0.0) -> Array:
    """Column-wise softmax, shifted by each column's max so exp never overflows."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    a: Array = e / e.sum(axis=0, keepdims=True)
    return a


def _no_elementwise_derivative(z: Array, a: Array, alpha: float = 0.0) -> Array:
    raise TypeError("softmax has no elementwise derivative: use softmax_jvp")


def softmax_jvp(a: Array, g: Array) -> Array:
    """Jᵀg for softmax, per column: a ⊙ (g − Σⱼ aⱼgⱼ). (J is symmetric.)"""
    jvp: Array = a * (g - (a * g).sum(axis=0, keepdims=True))
    return jvp


def log_softmax(z: Array) -> Array:
    shifted = z - z.max(axis=0, keepdims=True)
    out: Array = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return out


def _sigmoid_prime_formula(z: ex.Expr, alpha: float) -> ex.Expr:
    s = ex.Call("σ", z)
    return ex.Had(s, ex.Paren(ex.Sub(ex.Const(1), s)))


def _leaky_prime_formula(z: ex.Expr, alpha: float) -> ex.Expr:
    positive = ex.Iverson(ex.Compare(z, ">", ex.Const(0)))
    rest = ex.Iverson(ex.Compare(z, "≤", ex.Const(0)))
    return ex.Add(positive, ex.MatMul(ex.Const(alpha, "α"), rest))


def _no_formula(z: ex.Expr, alpha: float) -> ex.Expr:
    raise TypeError("softmax has no elementwise derivative: its step is a Jacobian product")


@dataclass(frozen=True)
class Activation:
    """An activation σ with its derivative, σ′'s formula and the text that explains both."""

    name: str
    fn: Callable[..., Array]
    prime: Callable[..., Array]
    definition: str  # σ(z) written out
    derivative: str  # σ′(z) written out
    prime_formula: Callable[[ex.Expr, float], ex.Expr]  # σ′(z) for an expression z
    elementwise: bool = True
    title: str = ""  # its name in words, for the notes: "leaky ReLU" (else its name)

    @property
    def words(self) -> str:
        return self.title or self.name

    def __call__(self, z: Array, alpha: float) -> Array:
        return self.fn(z, alpha)

    @property
    def symbol(self) -> str:
        """The function's name in a formula: σ for the sigmoid, its own name for the others."""
        return "σ" if self.name == "sigmoid" else self.name


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation(
        "identity", _identity, _identity_prime, "z", "1", lambda z, alpha: ex.Const(1)
    ),
    "sigmoid": Activation(
        "sigmoid",
        _sigmoid,
        _sigmoid_prime,
        "1/(1 + e^−z)",
        "σ(z)(1 − σ(z))",
        _sigmoid_prime_formula,
    ),
    "tanh": Activation(
        "tanh",
        _tanh,
        _tanh_prime,
        "tanh(z)",
        "1 − tanh²(z)",
        lambda z, alpha: ex.Sub(ex.Const(1), ex.Call("tanh", z, power=2)),
    ),
    "relu": Activation(
        "relu",
        _relu,
        _relu_prime,
        "max(0, z)",
        "1 if z > 0 else 0",
        lambda z, alpha: ex.Iverson(ex.Compare(z, ">", ex.Const(0))),
        title="ReLU",
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        _leaky_relu,
        _leaky_relu_prime,
        "z if z > 0 else αz",
        "1 if z > 0 else α",
        _leaky_prime_formula,
        title="leaky ReLU",
    ),
    "softplus": Activation(
        "softplus",
        _softplus,
        _softplus_prime,
        "log(1 + e^z)",
        "1/(1 + e^−z)",
        lambda z, alpha: ex.Div(ex.Const(1), ex.Add(ex.Const(1), ex.Call("exp", ex.Neg(z)))),
    ),
    "softmax": Activation(
        "softmax",
        _softmax,
        _no_elementwise_derivative,
        "e^zᵢ / Σⱼ e^zⱼ",
        "Jᵀg = a ⊙ (g − Σⱼ (a ⊙ g)ⱼ)",
        _no_formula,
        elementwise=False,
    ),
}
