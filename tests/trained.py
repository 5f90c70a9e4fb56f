"""Networks after training, compared bit for bit."""

from __future__ import annotations

from bpdebug.engine import Network, build_trace


def by_trace(net: Network, iterations: int) -> Network:
    """The network after `iterations` updates, one trace at a time (the reference)."""
    for _ in range(iterations):
        net = build_trace(net).updated
    return net


def identical(a: Network, b: Network) -> bool:
    return all(
        x.W.tobytes() == y.W.tobytes() and x.b.tobytes() == y.b.tobytes()
        for x, y in zip(a.layers, b.layers, strict=True)
    ) and (a.learning_rate, a.loss, a.x.tobytes(), a.y.tobytes()) == (
        b.learning_rate,
        b.loss,
        b.x.tobytes(),
        b.y.tobytes(),
    )
