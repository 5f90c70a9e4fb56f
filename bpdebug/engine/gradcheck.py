"""Central finite differences of the loss, entry by entry, against backprop's gradients."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import backprop
from .activations import Array
from .network import Layer, Network, read_only_array

STEP = 1e-5  # h, scaled by max(1, |θ|): balances truncation O(h²) against rounding O(ε/h)
# Finite differences in float64 resolve a gradient only to about 1e-11·|L| (rounding of L,
# divided by 2h), so entries smaller than FLOOR·max(1, |L|) are compared absolutely.
FLOOR = 1e-4


def relative_error(g: Array, g_fd: Array, loss: float = 1.0) -> Array:
    """|g − ĝ| / max(|g|, |ĝ|, FLOOR·max(1, |L|)), entry by entry."""
    floor = FLOOR * max(1.0, abs(loss)) if np.isfinite(loss) else FLOOR
    return np.abs(g - g_fd) / np.maximum(np.maximum(np.abs(g), np.abs(g_fd)), floor)


@dataclass(frozen=True)
class TensorCheck:
    """One parameter tensor: backprop's gradient, the finite-difference estimate, the error."""

    name: str  # "W1", "b2"
    backprop: Array
    numeric: Array
    loss: float

    @property
    def error(self) -> Array:
        return relative_error(self.backprop, self.numeric, self.loss)

    @property
    def finite(self) -> bool:
        """Whether backprop's gradient and the estimate are finite everywhere."""
        return bool(np.all(np.isfinite(self.backprop)) and np.all(np.isfinite(self.numeric)))

    @property
    def max_error(self) -> float:
        """The largest relative error; nan where anything is not finite (no verdict holds)."""
        if not self.finite:
            return float("nan")
        return float(self.error.max()) if self.error.size else 0.0


@dataclass(frozen=True)
class CheckReport:
    tensors: tuple[TensorCheck, ...]
    n_params: int
    forward_passes: int  # finite differences: two per parameter
    backprop_seconds: float
    numeric_seconds: float

    @property
    def max_error(self) -> float:
        """The largest relative error over every tensor; nan if any is not finite."""
        errors = [t.max_error for t in self.tensors]
        return float("nan") if any(e != e for e in errors) else max(errors)

    def passes(self, tolerance: float) -> bool:
        """Every gradient finite and within `tolerance` of its estimate."""
        return self.max_error <= tolerance  # False for nan


def _perturbed(
    layers: tuple[Layer, ...], l: int, which: str, idx: tuple[int, ...], value: float
) -> tuple[Layer, ...]:
    """The layers with entry `idx` of layer l's W or b (l = 1..L) set to `value`."""
    layer = layers[l - 1]
    arr = np.array(getattr(layer, which))
    arr[idx] = value
    new = read_only_array(arr)
    changed = replace(layer, W=new) if which == "W" else replace(layer, b=new)
    return layers[: l - 1] + (changed,) + layers[l:]


def numeric_gradient(net: Network, l: int, which: str) -> Array:
    """∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h for every entry θ of layer l's W or b (l = 1..L)."""
    base: Array = getattr(net.layers[l - 1], which)
    out: Array = np.empty_like(base)
    for idx in np.ndindex(base.shape):
        theta = float(base[idx])
        h = STEP * max(1.0, abs(theta))
        up = backprop.loss_of(net, _perturbed(net.layers, l, which, idx, theta + h))
        down = backprop.loss_of(net, _perturbed(net.layers, l, which, idx, theta - h))
        out[idx] = (up - down) / ((theta + h) - (theta - h))
    return out


def check_gradients(
    net: Network, progress: Callable[[int, int], None] | None = None
) -> CheckReport:
    """Every parameter's backprop gradient next to its central finite difference
    (`progress(done, total)` is told after each tensor: a deep net takes a while)."""
    with np.errstate(all="ignore"):
        runs = []
        for _ in range(5):  # one pass is too quick to time alone; keep the fastest
            t0 = time.perf_counter()
            loss, grads = backprop.gradients(net)
            runs.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        tensors = []
        for l, (dW, db) in grads.items():  # l = 1..L
            tensors.append(TensorCheck(f"W{l}", dW, numeric_gradient(net, l, "W"), loss))
            tensors.append(TensorCheck(f"b{l}", db, numeric_gradient(net, l, "b"), loss))
            if progress is not None:
                progress(2 * l, 2 * net.depth)
        t2 = time.perf_counter()
    return CheckReport(tuple(tensors), net.n_params, 2 * net.n_params, min(runs), t2 - t1)
