"""The update's values: θ ← θ − η ∂L/∂θ for one tensor or every parameter at once, and frozen
parameters, applied here and nowhere else (the reference update, the trace, training, and the
optimizers' updates all ask here which parameters move).

A parameter the network file froze (`frozen = ["b"]`) keeps its own array, bit for bit and by
identity: the update neither moves it nor copies it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.layers.dense import Layer
from bpdebug.engine.vector import Layout, unflatten
from bpdebug.engine.vocabulary import PARAMS, TensorRef, parameter


def descend(theta: Array, grad: Array, learning_rate: float, out: Array | None = None) -> Array:
    """θ − η·g, computed as (−η·g) + θ: the same bits (negating is exact, adding commutes),
    for one tensor or the whole parameter vector, into `out` (training: the gradient's own
    buffer) or a new array."""
    new: Array = np.multiply(grad, -learning_rate, out)
    new += theta
    return new


def trained(layers: Sequence[Layer]) -> list[TensorRef]:
    """Every parameter the update moves (W⁽ˡ⁾, b⁽ˡ⁾ not frozen), in the vector's order."""
    return [
        parameter(name, l)
        for l, layer in enumerate(layers, start=1)
        for name in PARAMS
        if name not in layer.frozen
    ]


def keep_frozen(
    layers: Sequence[Layer], new: list[tuple[Array, Array]]
) -> list[tuple[Array, Array]]:
    """`new`, except that a parameter frozen in the network file keeps its own array."""
    return [
        (layer.W if "W" in layer.frozen else W, layer.b if "b" in layer.frozen else b)
        for layer, (W, b) in zip(layers, new, strict=True)
    ]


def frozen_mask(layers: Sequence[Layer], lay: Layout) -> Array | None:
    """Where in the parameter vector the update must not write (True on frozen entries);
    None when no layer freezes anything."""
    mask = np.zeros(lay.size, dtype=bool)
    for layer, (W, b) in zip(layers, unflatten(mask, lay), strict=True):
        W[...] = "W" in layer.frozen
        b[...] = "b" in layer.frozen
    return mask if mask.any() else None


def pick(pairs: Sequence[tuple[Array, Array]], ref: TensorRef) -> Array:
    """W⁽ˡ⁾ or b⁽ˡ⁾ (as `ref` names it) among per-layer (W, b) pairs, layer 1 first."""
    return pairs[(ref.layer or 1) - 1][PARAMS.index(ref.kind)]
