"""Tiny networks written out in a test, by their layers and data."""

from __future__ import annotations

from bpdebug.engine import Layer, Network, read_only_array


def net(
    layers: list[tuple[str, list[list[float]], list[float]]],
    x: list[list[float]],
    y: list[list[float]],
    loss: str = "mse",
) -> Network:
    """A network of (activation, W, b) layers on data x, y (one column per example)."""
    return Network(
        tuple(Layer(a, read_only_array(W), read_only_array(b)) for a, W, b in layers),
        loss,
        0.1,
        read_only_array(x),
        read_only_array(y),
        name="test",
    )
