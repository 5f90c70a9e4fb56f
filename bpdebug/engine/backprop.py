"""Backpropagation as the text writes it: one function per equation, in the seed's order.

This is the reference to read. It is written for clarity, not speed: `flat.py` computes the
same numbers faster (all gradients in one vector) and is tested bit for bit against it.

Layers are numbered as in the text, l = 1..L, with a⁽⁰⁾ = x. Every per-example value has one
column per example: x and a⁽ˡ⁻¹⁾ are nₗ₋₁ × m, W⁽ˡ⁾ is nₗ × nₗ₋₁, b⁽ˡ⁾ has nₗ entries, and
z⁽ˡ⁾, a⁽ˡ⁾, ∂L/∂a⁽ˡ⁾, σ′(z⁽ˡ⁾) and δ⁽ˡ⁾ are nₗ × m.

    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾                      weighted_input
    a⁽ˡ⁾ = σ(z⁽ˡ⁾)                                  activation
    L = (1/m) Σₖ Loss(a⁽ᴸ⁾ₖ, yₖ)                    loss
    δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾)                      output_error
    δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ′(z⁽ˡ⁾)            hidden_error
    ∂L/∂W⁽ˡ⁾ = (1/m) δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ                 weight_gradient
    ∂L/∂b⁽ˡ⁾ = (1/m) Σₖ δ⁽ˡ⁾ₖ                       bias_gradient
    W⁽ˡ⁾ ← W⁽ˡ⁾ − η ∂L/∂W⁽ˡ⁾,  b⁽ˡ⁾ ← b⁽ˡ⁾ − η ∂L/∂b⁽ˡ⁾   descend
"""

from __future__ import annotations

import numpy as np

from bpdebug.engine.activations import Array, softmax_jvp
from bpdebug.engine.losses import Loss
from bpdebug.engine.network import Layer, Network, read_only

# ---------------------------------------------------------------- the equations


def weighted_input(W: Array, a_prev: Array, b: Array) -> Array:
    """z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, b added to every column (every example)."""
    return W @ a_prev + b[:, None]


def activation(layer: Layer, z: Array) -> Array:
    """a⁽ˡ⁾ = σ(z⁽ˡ⁾), σ the layer's activation."""
    return layer.act(z, layer.alpha)


def loss(loss_fn: Loss, z_L: Array, a_L: Array, y: Array) -> float:
    """L = (1/m) Σₖ Loss(a⁽ᴸ⁾ₖ, yₖ): the mean over the batch of the per-example losses (z⁽ᴸ⁾
    lets cross-entropies be computed from z, exact where a rounds to 0 or 1)."""
    per_example = loss_fn.value(z_L, a_L, y)
    return float(np.add.reduce(per_example) / per_example.size)  # .mean()'s own sum


def fused(layer: Layer, loss_fn: Loss) -> bool:
    """Whether δ⁽ᴸ⁾ has a fused form: sigmoid with binary cross-entropy, softmax with
    cross-entropy, where ∂L/∂a ⊙ σ′(z) simplifies to a − y."""
    return loss_fn.fused_delta is not None and loss_fn.requires_output == layer.activation


def output_error(
    layer: Layer, loss_fn: Loss, z: Array, a: Array, y: Array
) -> tuple[Array, Array, Array]:
    """δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾), with its two factors: (∂L/∂a⁽ᴸ⁾, σ′(z⁽ᴸ⁾), δ⁽ᴸ⁾).

    For softmax, which has no elementwise derivative, the second factor is the Jacobian-vector
    product Jᵀ ∂L/∂a and it is δ⁽ᴸ⁾ itself. A fused pair computes δ⁽ᴸ⁾ = a − y directly.
    """
    dL_da = loss_fn.grad(z, a, y)
    shortcut = loss_fn.fused_delta if fused(layer, loss_fn) else None
    if not layer.act.elementwise:  # softmax
        jvp = shortcut(z, a, y) if shortcut is not None else softmax_jvp(a, dL_da)
        return dL_da, jvp, jvp
    dact = layer.act.prime(z, a, layer.alpha)
    delta = shortcut(z, a, y) if shortcut is not None else dL_da * dact
    return dL_da, dact, delta


def hidden_error(
    layer: Layer, W_next: Array, delta_next: Array, z: Array, a: Array
) -> tuple[Array, Array, Array]:
    """δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ′(z⁽ˡ⁾), with its factors: (∂L/∂a⁽ˡ⁾, σ′(z⁽ˡ⁾), δ⁽ˡ⁾)."""
    dL_da = W_next.T @ delta_next
    dact = layer.act.prime(z, a, layer.alpha)
    return dL_da, dact, dL_da * dact


def weight_gradient(delta: Array, a_prev: Array) -> Array:
    """∂L/∂W⁽ˡ⁾ = (1/m) δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ: the matrix product sums over the m examples."""
    dW: Array = (delta @ a_prev.T) / delta.shape[1]
    return dW


def bias_gradient(delta: Array) -> Array:
    """∂L/∂b⁽ˡ⁾ = (1/m) Σₖ δ⁽ˡ⁾ₖ: the mean of δ⁽ˡ⁾'s columns."""
    db: Array = np.add.reduce(delta, 1) / delta.shape[1]
    return db


def descend(param: Array, grad: Array, eta: float) -> Array:
    """θ ← θ − η ∂L/∂θ, for a weight matrix or a bias vector."""
    new: Array = param - eta * grad
    return new


# ---------------------------------------------------------------- one iteration


def forward(
    net: Network, layers: tuple[Layer, ...] | None = None
) -> tuple[dict[int, Array], dict[int, Array]]:
    """z⁽ˡ⁾ and a⁽ˡ⁾ for l = 1..L (a[0] is x), of `layers` (default: the network's own)."""
    z: dict[int, Array] = {}
    a: dict[int, Array] = {0: net.x}
    for l, layer in enumerate(layers or net.layers, start=1):
        z[l] = weighted_input(layer.W, a[l - 1], layer.b)
        a[l] = activation(layer, z[l])
    return z, a


def loss_of(net: Network, layers: tuple[Layer, ...] | None = None) -> float:
    """The loss of `layers` (default: the network's own) on the network's data."""
    z, a = forward(net, layers)
    L = len(z)
    return loss(net.loss_fn, z[L], a[L], net.y)


def gradients(net: Network) -> tuple[float, dict[int, tuple[Array, Array]]]:
    """The loss and (∂L/∂W⁽ˡ⁾, ∂L/∂b⁽ˡ⁾) for l = 1..L: forward, then the errors from the
    output layer back, each layer's gradients from its error and its input."""
    z, a = forward(net)
    L = net.depth
    grads: dict[int, tuple[Array, Array]] = {}
    delta = output_error(net.layers[L - 1], net.loss_fn, z[L], a[L], net.y)[2]
    for l in range(L, 0, -1):
        if l < L:
            layer, W_next = net.layers[l - 1], net.layers[l].W
            delta = hidden_error(layer, W_next, delta, z[l], a[l])[2]
        grads[l] = (weight_gradient(delta, a[l - 1]), bias_gradient(delta))
    return loss(net.loss_fn, z[L], a[L], net.y), grads


def update(net: Network, grads: dict[int, tuple[Array, Array]]) -> Network:
    """Every W⁽ˡ⁾ and b⁽ˡ⁾ moved against its gradient, except those the network file froze."""
    params = []
    for l, layer in enumerate(net.layers, start=1):
        dW, db = grads[l]
        W = layer.W if "W" in layer.frozen else read_only(descend(layer.W, dW, net.learning_rate))
        b = layer.b if "b" in layer.frozen else read_only(descend(layer.b, db, net.learning_rate))
        params.append((W, b))
    return net.with_params(params)


def sgd_step(net: Network) -> tuple[float, Network]:
    """One gradient-descent iteration: the loss before it, and the updated network."""
    value, grads = gradients(net)
    return value, update(net, grads)
