"""The networks the benchmarks run on, built in memory from a fixed seed."""

from __future__ import annotations

import numpy as np

from bpdebug.engine import Layer, Network, read_only_array
from bpdebug.engine.flat import laid_out_flat
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path


def two_layer() -> Network:
    """The built-in default, 2-2-2."""
    return load_network(sample_path("two_layer"))


def dense(
    sizes: list[int], hidden: str, out: str, loss: str, m: int, seed: int = 0, name: str = ""
) -> Network:
    rng = np.random.default_rng(seed)
    layers = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        act = out if l == len(sizes) - 2 else hidden
        W = rng.normal(0.0, np.sqrt(1.0 / n_in), (n_out, n_in))
        layers.append(Layer(act, read_only_array(W), read_only_array(np.zeros(n_out))))
    x = rng.uniform(0.0, 1.0, (sizes[0], m))
    if loss == "cross_entropy":
        y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, (sizes[-1], m)).astype(np.float64)
    else:
        y = rng.normal(0.0, 1.0, (sizes[-1], m))
    net = Network(tuple(layers), loss, 0.1, read_only_array(x), read_only_array(y), name=name)
    return laid_out_flat(net)  # as the loader lays out every network a user opens


def ten_layer() -> Network:
    """10 tanh layers of 8 units, batch 4."""
    return dense([8] * 10 + [2], "tanh", "identity", "mse", 4, name="10-layer")


def mnist_sized() -> Network:
    """784-128-10, relu then softmax with cross-entropy, batch 64."""
    return dense([784, 128, 10], "relu", "softmax", "cross_entropy", 64, name="784-128-10")


def small_deep() -> Network:
    """2-8-8-1, batch 4 (one of the reference figures)."""
    return dense([2, 8, 8, 1], "tanh", "sigmoid", "binary_cross_entropy", 4, name="2-8-8-1")


NETS = {"2-2-2": two_layer, "10-layer": ten_layer, "784-128-10": mnist_sized}
