"""The equations, one function each. The trace records them; training and checks reuse them.

Shapes: a_prev is n_in × m, W is n_out × n_in, z/a/δ are n_out × m, y is n_L × m.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .activations import Array, softmax_jvp
from .losses import Loss
from .network import Layer, Network, freeze


def layer_forward(layer: Layer, a_prev: Array) -> tuple[Array, Array]:
    """z = W a_prev + b (b broadcast over the m columns), a = σ(z)."""
    z = layer.W @ a_prev + layer.b[:, None]
    return z, layer.act(z, layer.alpha)


def forward(layers: tuple[Layer, ...], x: Array) -> tuple[list[Array], list[Array]]:
    """Every z⁽ˡ⁾ and a⁽ˡ⁾; activations[0] is x."""
    zs: list[Array] = []
    activations = [x]
    for layer in layers:
        z, a = layer_forward(layer, activations[-1])
        zs.append(z)
        activations.append(a)
    return zs, activations


def batch_loss(loss: Loss, z: Array, a: Array, y: Array) -> float:
    """The mean over the batch of the per-example losses."""
    return float(loss.value(z, a, y).mean())


def loss_of(net: Network, layers: tuple[Layer, ...] | None = None) -> float:
    """The loss of `layers` (default: the network's own) on the network's data."""
    zs, activations = forward(net.layers if layers is None else layers, net.x)
    return batch_loss(net.loss_fn, zs[-1], activations[-1], net.y)


def output_backward(
    layer: Layer, loss: Loss, z: Array, a: Array, y: Array
) -> tuple[Array, Array, Array]:
    """(∂L/∂a⁽ᴸ⁾, σ′(z⁽ᴸ⁾) or softmax's Jᵀ∂L/∂a, δ⁽ᴸ⁾), δ in the fused form where one exists."""
    dL_da = loss.grad(z, a, y)
    fused = loss.fused_delta is not None and loss.requires_output == layer.activation
    if layer.act.elementwise:
        dact = layer.act.prime(z, a, layer.alpha)
        delta = loss.fused_delta(z, a, y) if fused and loss.fused_delta else dL_da * dact
        return dL_da, dact, delta
    jvp = loss.fused_delta(z, a, y) if fused and loss.fused_delta else softmax_jvp(a, dL_da)
    return dL_da, jvp, jvp


def hidden_backward(
    layer: Layer, W_next: Array, delta_next: Array, z: Array, a: Array
) -> tuple[Array, Array, Array]:
    """(∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾, σ′(z⁽ˡ⁾), δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾))."""
    dL_da = W_next.T @ delta_next
    dact = layer.act.prime(z, a, layer.alpha)
    return dL_da, dact, dL_da * dact


def param_grads(delta: Array, a_prev: Array) -> tuple[Array, Array]:
    """∂L/∂W = (1/m) δ a_prevᵀ and ∂L/∂b = the mean of δ's columns."""
    m = delta.shape[1]
    dW: Array = delta @ a_prev.T
    dW /= m  # in place: one array of W's size, not two
    db: Array = np.add.reduce(delta, axis=1) / m  # what delta.mean(axis=1) computes, sooner
    return dW, db


def output_delta(layer: Layer, loss: Loss, z: Array, a: Array, y: Array) -> Array:
    """δ⁽ᴸ⁾ alone: the fused form skips ∂L/∂a and σ′, which only a trace shows."""
    if loss.fused_delta is not None and loss.requires_output == layer.activation:
        return loss.fused_delta(z, a, y)
    return output_backward(layer, loss, z, a, y)[2]


def gradients(net: Network) -> tuple[float, list[tuple[Array, Array]]]:
    """The loss and every (∂L/∂W, ∂L/∂b), without recording anything."""
    zs, activations = forward(net.layers, net.x)
    L = net.depth
    loss = batch_loss(net.loss_fn, zs[-1], activations[-1], net.y)
    grads: list[tuple[Array, Array]] = [(np.empty(0), np.empty(0))] * L
    delta = output_delta(net.layers[-1], net.loss_fn, zs[-1], activations[-1], net.y)
    for l in range(L - 1, -1, -1):
        if l < L - 1:
            _, _, delta = hidden_backward(
                net.layers[l], net.layers[l + 1].W, delta, zs[l], activations[l + 1]
            )
        grads[l] = param_grads(delta, activations[l])
    return loss, grads


def updated_layers(
    layers: tuple[Layer, ...], grads: list[tuple[Array, Array]], lr: float
) -> tuple[Layer, ...]:
    """W ← W − η ∂L/∂W and b ← b − η ∂L/∂b for every layer (a frozen one keeps its value)."""
    return tuple(
        Layer(
            layer.activation,
            layer.W if "W" in layer.frozen else _step(layer.W, dW, lr),
            layer.b if "b" in layer.frozen else _step(layer.b, db, lr),
            layer.alpha,
            layer.frozen,
        )
        for layer, (dW, db) in zip(layers, grads, strict=True)
    )


def _step(theta: Array, grad: Array, lr: float) -> Array:
    """θ − η·g, bit for bit, computed as (−η·g) + θ in one new array."""
    new: Array = grad * -lr
    new += theta
    return freeze(new)


def sgd_step(net: Network) -> tuple[float, Network]:
    """One gradient-descent iteration: the loss before it, and the updated network."""
    loss, grads = gradients(net)
    return loss, net.with_layers(updated_layers(net.layers, grads, net.learning_rate))


def training(net: Network) -> Iterator[tuple[float, Network]]:
    """Endless gradient descent: yields (loss before the update, updated network) each time.

    No trace is recorded: iterations nobody looks at cost only the arithmetic.
    """
    while True:
        with np.errstate(all="ignore"):
            loss, net = sgd_step(net)
        yield loss, net


def train(net: Network, iterations: int) -> tuple[Network, list[float]]:
    """Run `iterations` updates: the final network and its loss history (iterations + 1 points)."""
    losses: list[float] = []
    steps = training(net)
    for _ in range(iterations):
        loss, net = next(steps)
        losses.append(loss)
    with np.errstate(all="ignore"):
        losses.append(loss_of(net))
    return net, losses
