"""Activation functions σ, their derivatives σ′, and the formulas the screen shows.

Every function is numerically stable for any finite z (|z| up to 1e300): no overflow,
no NumPy warnings. Arrays are float64 and hold one column per example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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
    return 1.0 - a * a


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


@dataclass(frozen=True)
class Activation:
    """An activation σ with its derivative and the text that explains both."""

    name: str
    fn: Callable[..., Array]
    prime: Callable[..., Array]
    definition: str  # σ(z) written out
    derivative: str  # σ′(z) written out
    prime_template: str  # σ′ of operand {0} (z), for the formula with numbers
    elementwise: bool = True

    def __call__(self, z: Array, alpha: float) -> Array:
        return self.fn(z, alpha)


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", _identity, _identity_prime, "z", "1", "1"),
    "sigmoid": Activation(
        "sigmoid",
        _sigmoid,
        _sigmoid_prime,
        "1/(1 + e^−z)",
        "σ(z)(1 − σ(z))",
        "σ({0})(1 − σ({0}))",
    ),
    "tanh": Activation("tanh", _tanh, _tanh_prime, "tanh(z)", "1 − tanh²(z)", "1 − tanh²({0})"),
    "relu": Activation("relu", _relu, _relu_prime, "max(0, z)", "1 if z > 0 else 0", "[{0} > 0]"),
    "leaky_relu": Activation(
        "leaky_relu",
        _leaky_relu,
        _leaky_relu_prime,
        "z if z > 0 else αz",
        "1 if z > 0 else α",
        "[{0} > 0] + α[{0} ≤ 0]",
    ),
    "softplus": Activation(
        "softplus",
        _softplus,
        _softplus_prime,
        "log(1 + e^z)",
        "1/(1 + e^−z)",
        "1/(1 + e^−{0})",
    ),
    "softmax": Activation(
        "softmax",
        _softmax,
        _no_elementwise_derivative,
        "e^zᵢ / Σⱼ e^zⱼ",
        "Jᵀg = a ⊙ (g − aᵀg)",
        "{1} ⊙ ({0} − {1}ᵀ{0})",
        elementwise=False,
    ),
}

sigmoid = _sigmoid
