"""The fast path: backprop's loop with every gradient and parameter in one flat vector.

The backward pass (backprop.py) sums each layer's gradients into views of one buffer, so
dividing them by m and the update θ − η·g are then one NumPy call for the whole network
instead of two per parameter; training updates one private vector in place. The numbers are
bit for bit those of `backprop.gradients` and `backprop.update` (tests/engine/test_flat.py):
the same sums written into other buffers, the same update on other arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.backprop import Forward, PassRecorder, backward_pass, forward_pass, loss
from bpdebug.engine.layers.dense import Layer
from bpdebug.engine.network import Network, read_only
from bpdebug.engine.update import descend, keep_frozen
from bpdebug.engine.vector import Layout, layout, unflatten


def layout_of(layers: Sequence[Layer]) -> Layout:
    return layout(tuple(layer.W.shape for layer in layers))


def flatten(layers: Sequence[Layer]) -> Array:
    """Every layer's W and b in one new vector (the layout's order)."""
    return np.concatenate([p for layer in layers for p in (layer.W.reshape(-1), layer.b)])


def parameters(net: Network) -> Array:
    """Every parameter of `net` in one vector: its own if it has one (read-only)."""
    return net.theta if net.theta is not None else flatten(net.layers)


def laid_out_flat(net: Network) -> Network:
    """The same network with its parameters in one vector, each W and b a view of it."""
    theta = read_only(flatten(net.layers))
    return net.with_params(unflatten(theta, layout_of(net.layers)), theta)


def flat_gradients(
    net: Network, lay: Layout, record: PassRecorder | None = None
) -> tuple[float, Array, Forward]:
    """The loss, every (∂L/∂W⁽ˡ⁾, ∂L/∂b⁽ˡ⁾) in one flat vector, and the forward pass's z⁽ˡ⁾
    and a⁽ˡ⁾; `record` sees each layer of the backward pass (nothing is kept without one)."""
    forward = z, a = forward_pass(net)
    L = net.depth
    value = loss(net.loss_fn, z[L], a[L], net.y)
    flat = np.empty(lay.size)
    backward_pass(net, forward, unflatten(flat, lay), record)
    flat /= net.batch_size
    return value, flat, forward


def updated_params(
    net: Network, flat_grad: Array, lay: Layout, freezes_some: bool = True
) -> tuple[list[tuple[Array, Array]], Array | None]:
    """Every updated (W, b), and the same numbers in one read-only vector (None when a frozen
    parameter keeps its own array, which the vector would not hold). `freezes_some=False`
    says no layer freezes anything."""
    theta = read_only(descend(parameters(net), flat_grad, net.learning_rate))
    new = unflatten(theta, lay)
    return (keep_frozen(net.layers, new), None) if freezes_some else (new, theta)
