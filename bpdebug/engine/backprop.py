"""Backpropagation as the text writes it, and the one loop that computes it: the trace, training
and the reference gradients all run `forward_pass` and `backward_pass`.

Layers are numbered as in the text, l = 1..L, with a⁽⁰⁾ = x; every per-example value has one
column per example. Each layer kind computes its own equations (layers/dense.py for these):

    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = σ(z⁽ˡ⁾)            Layer.forward
    L = (1/m) Σₖ Loss(a⁽ᴸ⁾ₖ, yₖ)                        loss
    δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾)                          Layer.output_error
    ∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾                          Layer.input_gradient (of layer l + 1)
    δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾)                          Layer.error
    ∂L/∂W⁽ˡ⁾ = (1/m) δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ, ∂L/∂b⁽ˡ⁾ = (1/m) Σₖ δ⁽ˡ⁾ₖ   Layer.gradient_sums, then / m
    W⁽ˡ⁾ ← W⁽ˡ⁾ − η ∂L/∂W⁽ˡ⁾,  b⁽ˡ⁾ ← b⁽ˡ⁾ − η ∂L/∂b⁽ˡ⁾    update (update.descend)

The backward pass sums m·∂L/∂θ into buffers its caller lends: `gradients` here one pair per
layer, the fast path (flat.py) views of one vector, which it then divides by m in one call.
What else a pass keeps of each layer is a `PassRecorder`'s choice: the trace keeps every
factor, training only δ⁽ˡ⁾ for its gradient flow, the fast path alone nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.layers import Kind
from bpdebug.engine.losses import Loss
from bpdebug.engine.network import Network, read_only
from bpdebug.engine.update import descend, keep_frozen

Forward = tuple[dict[int, Array], dict[int, Array]]  # z⁽ˡ⁾ for l = 1..L; a⁽ˡ⁾ for l = 0..L


class PassRecorder(Protocol):
    """What a backward pass hands out of each layer besides the gradients."""

    # Whether it wants ∂L/∂a⁽ᴸ⁾ and σ′(z⁽ᴸ⁾) too where the fused δ⁽ᴸ⁾ = a − y needs neither
    # (else they come as None).
    factors: bool

    def backward(
        self, l: int, dL_da: Array | None, dact: Array | None, delta: Array, dW: Array, db: Array
    ) -> None:
        """Layer l's factors of δ⁽ˡ⁾, δ⁽ˡ⁾ itself, and the buffers its gradient sums went into."""


def forward_pass(net: Network, layers: Sequence[Kind] | None = None) -> Forward:
    """z⁽ˡ⁾ and a⁽ˡ⁾ for l = 1..L (a[0] is x), of `layers` (default: the network's own)."""
    z: dict[int, Array] = {}
    a: dict[int, Array] = {0: net.x}
    for l, layer in enumerate(layers or net.layers, start=1):
        z[l], a[l] = layer.forward(a[l - 1])
    return z, a


def loss(loss_fn: Loss, z_L: Array, a_L: Array, y: Array) -> float:
    """L = (1/m) Σₖ Loss(a⁽ᴸ⁾ₖ, yₖ): the mean over the batch of the per-example losses (z⁽ᴸ⁾
    lets cross-entropies be computed from z, exact where a rounds to 0 or 1)."""
    per_example = loss_fn.value(z_L, a_L, y)
    return float(np.add.reduce(per_example) / per_example.size)  # .mean()'s own sum


def backward_pass(
    net: Network,
    forward: Forward,
    sums: Sequence[tuple[Array, Array]],
    record: PassRecorder | None = None,
) -> None:
    """The errors δ⁽ˡ⁾ from the output layer back, and each layer's m·∂L/∂W⁽ˡ⁾, m·∂L/∂b⁽ˡ⁾
    into `sums[l - 1]` (from its error and its input); `record` sees every layer."""
    z, a = forward
    layers: Sequence[Kind] = net.layers
    L = len(layers)
    factors = record is not None and record.factors
    dL_da, dact, delta = layers[-1].output_error(net.loss_fn, z[L], a[L], net.y, factors)
    for l in range(L, 0, -1):
        layer = layers[l - 1]
        if l < L:
            dL_da = layers[l].input_gradient(delta)
            dact, delta = layer.error(dL_da, z[l], a[l])
        dW, db = sums[l - 1]
        layer.gradient_sums(delta, a[l - 1], dW, db)
        if record is not None:
            record.backward(l, dL_da, dact, delta, dW, db)


# ---------------------------------------------------------------- the reference, tensor by tensor


def loss_of(net: Network, layers: Sequence[Kind] | None = None) -> float:
    """The loss of `layers` (default: the network's own) on the network's data."""
    z, a = forward_pass(net, layers)
    L = len(z)
    return loss(net.loss_fn, z[L], a[L], net.y)


def gradients(net: Network) -> tuple[float, dict[int, tuple[Array, Array]]]:
    """The loss and (∂L/∂W⁽ˡ⁾, ∂L/∂b⁽ˡ⁾) for l = 1..L, each in an array of its own."""
    z, a = forward_pass(net)
    sums = [(np.empty_like(layer.W), np.empty_like(layer.b)) for layer in net.layers]
    backward_pass(net, (z, a), sums)
    m, L = net.batch_size, net.depth
    grads = {l: (dW / m, db / m) for l, (dW, db) in enumerate(sums, start=1)}
    return loss(net.loss_fn, z[L], a[L], net.y), grads


def update(net: Network, grads: dict[int, tuple[Array, Array]]) -> Network:
    """Every W⁽ˡ⁾ and b⁽ˡ⁾ moved against its gradient, except those the network file froze."""
    learning_rate, moved = net.learning_rate, []
    for l, layer in enumerate(net.layers, start=1):
        dW, db = grads[l]
        W, b = descend(layer.W, dW, learning_rate), descend(layer.b, db, learning_rate)
        moved.append((read_only(W), read_only(b)))
    return net.with_params(keep_frozen(net.layers, moved))


def sgd_step(net: Network) -> tuple[float, Network]:
    """One gradient-descent iteration: the loss before it, and the updated network."""
    value, grads = gradients(net)
    return value, update(net, grads)
