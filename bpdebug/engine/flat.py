"""The same equations as `backprop`, fast: every gradient and parameter in one flat vector.

Dividing the gradients by m and the update θ − η·g are then one NumPy call for the whole
network instead of two per parameter, and training updates one private vector in place. The
numbers are bit for bit those of `backprop` (tests/engine/test_flat.py holds it to that): the sums
are the same NumPy reductions written into views of one buffer, and (−η·g) + θ rounds exactly
as θ − η·g does.

Layers are numbered 1..L here too; `Layout.spans[l - 1]` is layer l's place in the vector.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.backprop import (
    activation,
    fused,
    hidden_error,
    loss,
    output_error,
    weighted_input,
)
from bpdebug.engine.losses import Loss
from bpdebug.engine.network import Layer, Network, read_only


class Layout(NamedTuple):
    """Where each layer's W (row by row) and b sit in one vector of all the parameters."""

    spans: tuple[tuple[int, int, int, int, int], ...]  # (W start, b start, b end, n_out, n_in)
    size: int


@lru_cache(maxsize=64)
def layout(shapes: tuple[tuple[int, int], ...]) -> Layout:
    """The layout for layers whose W have these shapes, in order."""
    spans, start = [], 0
    for n_out, n_in in shapes:
        b_start = start + n_out * n_in
        spans.append((start, b_start, b_start + n_out, n_out, n_in))
        start = b_start + n_out
    return Layout(tuple(spans), start)


def layout_of(layers: tuple[Layer, ...]) -> Layout:
    return layout(tuple(layer.W.shape for layer in layers))


def unflatten(flat: Array, lay: Layout) -> list[tuple[Array, Array]]:
    """Views of `flat` shaped as each layer's (W, b), layer 1 first."""
    return [(flat[w:b].reshape(n_out, n_in), flat[b:e]) for w, b, e, n_out, n_in in lay.spans]


def flatten(layers: tuple[Layer, ...]) -> Array:
    """Every layer's W and b in one new vector (the layout's order)."""
    return np.concatenate([p for layer in layers for p in (layer.W.reshape(-1), layer.b)])


def parameters(net: Network) -> Array:
    """Every parameter of `net` in one vector: its own if it has one (read-only)."""
    return net.theta if net.theta is not None else flatten(net.layers)


def laid_out_flat(net: Network) -> Network:
    """The same network with its parameters in one vector, each W and b a view of it."""
    theta = read_only(flatten(net.layers))
    return net.with_params(unflatten(theta, layout_of(net.layers)), theta)


def gradient_sums(delta: Array, a_prev: Array, dW: Array, db: Array) -> None:
    """m·∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ into dW and m·∂L/∂b⁽ˡ⁾ = Σₖ δ⁽ˡ⁾ₖ into db (views of the
    flat gradient, which is divided by m once, for every layer at once)."""
    # Arguments by position where the stubs allow: NumPy parses some keywords slowly.
    np.matmul(delta, a_prev.T, dW)
    np.add.reduce(delta, 1, out=db)


def output_delta(layer: Layer, loss_fn: Loss, z: Array, a: Array, y: Array) -> Array:
    """δ⁽ᴸ⁾ alone: training needs no ∂L/∂a or σ′ where the fused form skips them."""
    shortcut = loss_fn.fused_delta if fused(layer, loss_fn) else None
    if shortcut is not None:
        return shortcut(z, a, y)
    return output_error(layer, loss_fn, z, a, y)[2]


class Probe(NamedTuple):
    """What a gradient pass can hand back besides the gradients: z⁽ˡ⁾ and δ⁽ˡ⁾, l = 1..L."""

    z: list[Array]
    delta: dict[int, Array]


def flat_gradients(net: Network, lay: Layout, probe: Probe | None = None) -> tuple[float, Array]:
    """The loss and every (∂L/∂W⁽ˡ⁾, ∂L/∂b⁽ˡ⁾) in one flat vector; z⁽ˡ⁾ and δ⁽ˡ⁾ into `probe`
    if one is given (training's gradient-flow history), nothing recorded otherwise."""
    z: list[Array] = probe.z if probe is not None else []
    a = [net.x]  # a[l] is a⁽ˡ⁾
    for layer in net.layers:
        z.append(weighted_input(layer.W, a[-1], layer.b))
        a.append(activation(layer, z[-1]))
    L = net.depth
    value = loss(net.loss_fn, z[-1], a[-1], net.y)
    flat = np.empty(lay.size)
    grads = unflatten(flat, lay)
    delta = output_delta(net.layers[-1], net.loss_fn, z[-1], a[-1], net.y)
    for l in range(L, 0, -1):
        if l < L:
            delta = hidden_error(net.layers[l - 1], net.layers[l].W, delta, z[l - 1], a[l])[2]
        if probe is not None:
            probe.delta[l] = delta
        gradient_sums(delta, a[l - 1], *grads[l - 1])
    flat /= net.batch_size
    return value, flat


def descend_flat(theta: Array, grad: Array, eta: float) -> Array:
    """θ − η·g for every parameter at once, computed as (−η·g) + θ (the same bits) in one new
    read-only vector."""
    new: Array = grad * -eta
    new += theta
    return read_only(new)


def keep_frozen(
    layers: tuple[Layer, ...], new: list[tuple[Array, Array]]
) -> list[tuple[Array, Array]]:
    """`new`, except that a parameter frozen in the network file keeps its own array."""
    return [
        (layer.W if "W" in layer.frozen else W, layer.b if "b" in layer.frozen else b)
        for layer, (W, b) in zip(layers, new, strict=True)
    ]


def updated_params(
    net: Network, flat_grad: Array, lay: Layout, keeps_some: bool = True
) -> tuple[list[tuple[Array, Array]], Array | None]:
    """Every updated (W, b), and the same numbers in one vector (None when a frozen parameter
    keeps its own array, which the vector would not hold). `keeps_some=False` says no layer
    freezes anything."""
    theta = descend_flat(parameters(net), flat_grad, net.learning_rate)
    new = unflatten(theta, lay)
    return (keep_frozen(net.layers, new), None) if keeps_some else (new, theta)
