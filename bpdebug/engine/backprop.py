"""The equations, one function each. The trace records them; training and checks reuse them.

Shapes: a_prev is n_in × m, W is n_out × n_in, z/a/δ are n_out × m, y is n_L × m.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

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
    per_example = loss.value(z, a, y)
    return float(np.add.reduce(per_example) / per_example.size)  # .mean()'s sum, sooner


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


class Layout(NamedTuple):
    """Where each layer's W and b sit in one flat vector of all the parameters, in order.

    Gradients and updates are computed into such vectors: dividing by m and the update
    θ − η·g are then one NumPy call for the whole network, not two per parameter.
    """

    spans: tuple[tuple[int, int, int, int, int], ...]  # (W start, b start, b end, n_out, n_in)
    size: int


@lru_cache(maxsize=64)
def layout(shapes: tuple[tuple[int, int], ...]) -> Layout:
    """The layout for layers whose W have these shapes."""
    spans, start = [], 0
    for n_out, n_in in shapes:
        b_start = start + n_out * n_in
        spans.append((start, b_start, b_start + n_out, n_out, n_in))
        start = b_start + n_out
    return Layout(tuple(spans), start)


def layout_of(layers: tuple[Layer, ...]) -> Layout:
    return layout(tuple(layer.W.shape for layer in layers))


def unflatten(flat: Array, lay: Layout) -> list[tuple[Array, Array]]:
    """Views of `flat` shaped as every layer's (W, b)."""
    return [(flat[w:b].reshape(n_out, n_in), flat[b:e]) for w, b, e, n_out, n_in in lay.spans]


def flatten(layers: tuple[Layer, ...]) -> Array:
    """Every layer's W and b in one new flat vector (the layout's order)."""
    return np.concatenate([p for layer in layers for p in (layer.W.reshape(-1), layer.b)])


def parameters(net: Network) -> Array:
    """Every parameter of `net` in one flat vector: its own if it has one (read-only)."""
    return net.theta if net.theta is not None else flatten(net.layers)


def laid_out_flat(net: Network) -> Network:
    """The same network with its parameters in one vector, the layers' W and b views of it."""
    theta = freeze(flatten(net.layers))
    return net.with_params(unflatten(theta, layout_of(net.layers)), theta)


def param_sums(delta: Array, a_prev: Array, dW: Array, db: Array) -> None:
    """m·∂L/∂W = δ a_prevᵀ into dW and m·∂L/∂b = the sum of δ's columns into db.

    The caller divides the flat vector holding them by m once, for every layer.
    """
    # Arguments by position where the stubs allow: NumPy parses some keywords slowly (axis=
    # doubles this reduce at a few units).
    np.matmul(delta, a_prev.T, dW)
    np.add.reduce(delta, 1, out=db)


def output_delta(layer: Layer, loss: Loss, z: Array, a: Array, y: Array) -> Array:
    """δ⁽ᴸ⁾ alone: the fused form skips ∂L/∂a and σ′, which only a trace shows."""
    if loss.fused_delta is not None and loss.requires_output == layer.activation:
        return loss.fused_delta(z, a, y)
    return output_backward(layer, loss, z, a, y)[2]


def flat_gradients(net: Network, lay: Layout) -> tuple[float, Array]:
    """The loss and every (∂L/∂W, ∂L/∂b) in one flat vector, without recording anything."""
    zs, activations = forward(net.layers, net.x)
    L = net.depth
    loss = batch_loss(net.loss_fn, zs[-1], activations[-1], net.y)
    flat = np.empty(lay.size)
    grads = unflatten(flat, lay)
    delta = output_delta(net.layers[-1], net.loss_fn, zs[-1], activations[-1], net.y)
    for l in range(L - 1, -1, -1):
        if l < L - 1:
            _, _, delta = hidden_backward(
                net.layers[l], net.layers[l + 1].W, delta, zs[l], activations[l + 1]
            )
        param_sums(delta, activations[l], *grads[l])
    flat /= net.batch_size
    return loss, flat


def gradients(net: Network) -> tuple[float, list[tuple[Array, Array]]]:
    """The loss and every (∂L/∂W, ∂L/∂b), without recording anything."""
    lay = layout_of(net.layers)
    loss, flat = flat_gradients(net, lay)
    return loss, unflatten(flat, lay)


def updated_params(
    net: Network, flat_grad: Array, lay: Layout, frozen: bool = True
) -> tuple[list[tuple[Array, Array]], Array | None]:
    """W ← W − η ∂L/∂W and b ← b − η ∂L/∂b for every layer, and the same numbers in one
    vector (None when a frozen parameter keeps its array: the vector would not hold it).
    `frozen=False` says that no layer has one."""
    theta = descend(parameters(net), flat_grad, net.learning_rate)
    new = unflatten(theta, lay)
    return (keep_frozen(net.layers, new), None) if frozen else (new, theta)


def keep_frozen(
    layers: tuple[Layer, ...], new: list[tuple[Array, Array]]
) -> list[tuple[Array, Array]]:
    """`new`, except that a parameter frozen in the network file keeps its own array."""
    return [
        (layer.W if "W" in layer.frozen else W, layer.b if "b" in layer.frozen else b)
        for layer, (W, b) in zip(layers, new, strict=True)
    ]


def descend(theta: Array, grad: Array, lr: float) -> Array:
    """θ − η·g, bit for bit, computed as (−η·g) + θ in one new read-only array."""
    new: Array = grad * -lr
    new += theta
    return freeze(new)


def sgd_step(net: Network) -> tuple[float, Network]:
    """One gradient-descent iteration: the loss before it, and the updated network."""
    lay = layout_of(net.layers)
    loss, flat_grad = flat_gradients(net, lay)
    return loss, net.with_params(*updated_params(net, flat_grad, lay))


class Descent:
    """Gradient descent that records nothing: iterations nobody looks at cost only arithmetic.

    The parameters live in one private, writable flat vector that the working network's W and
    b are views of; an iteration updates it in place with two NumPy calls (θ += −η·g is bit for
    bit the trace's (−η·g) + θ). `network()` hands out a frozen copy when someone wants one.
    """

    def __init__(self, net: Network) -> None:
        self._start = net
        self._layout = layout_of(net.layers)
        self._theta = parameters(net).copy()  # ours to change
        self._work = net.with_params(unflatten(self._theta, self._layout))
        self._minus_lr = -net.learning_rate
        trained = np.ones(self._layout.size, dtype=bool)
        for layer, (W, b) in zip(net.layers, unflatten(trained, self._layout), strict=True):
            W[...] = "W" not in layer.frozen
            b[...] = "b" not in layer.frozen
        self._trained = None if trained.all() else trained  # where the update may write

    def run(self, iterations: int) -> list[float]:
        """`iterations` updates in place: the loss before each one."""
        losses = []
        theta, lay, work, trained = self._theta, self._layout, self._work, self._trained
        with np.errstate(all="ignore"):  # nan/inf are the learner's to see, not warnings
            for _ in range(iterations):
                loss, grad = flat_gradients(work, lay)
                grad *= self._minus_lr  # the gradient is ours alone: scale it in place
                if trained is None:
                    theta += grad
                else:  # frozen entries stay bit for bit, even when the gradient is nan
                    np.add(theta, grad, out=theta, where=trained)
                losses.append(loss)
        return losses

    def loss(self) -> float:
        """The loss of the current parameters."""
        with np.errstate(all="ignore"):
            return loss_of(self._work)

    def network(self) -> Network:
        """The current parameters as an immutable network (a copy: later steps don't touch it)."""
        theta = freeze(self._theta.copy())  # frozen entries never moved: it is the network's
        new = unflatten(theta, self._layout)
        return self._start.with_params(keep_frozen(self._start.layers, new), theta)


def train(net: Network, iterations: int) -> tuple[Network, list[float]]:
    """Run `iterations` updates: the final network and its loss history (iterations + 1 points)."""
    descent = Descent(net)
    losses = descent.run(iterations)
    losses.append(descent.loss())
    return descent.network(), losses
