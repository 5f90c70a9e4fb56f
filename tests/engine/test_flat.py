"""The fast path (engine/flat.py: backprop's loop summing into one flat vector, the trace's
gradients and update, training) computes the reference's numbers (engine/backprop.py: the same
loop, each tensor in an array of its own), bit for bit, on random networks of every
activation × loss, with frozen parameters and through overflow."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from conftest import random_network, valid_pairs
from hypothesis import given, settings
from hypothesis import strategies as st

from bpdebug.engine import build_trace, train
from bpdebug.engine.backprop import gradients, sgd_step, update
from bpdebug.engine.network import Network, read_only_array


def same_bits(a: object, b: object) -> bool:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return x.shape == y.shape and x.tobytes() == y.tobytes()


def networks(
    seed: int, pair: tuple[str, str], depth: int, m: int, frozen: str, scale: float
) -> Network:
    net = random_network(seed, depth, m, *pair)
    kept = frozenset(frozen) if frozen else frozenset()
    layers = tuple(
        replace(la, W=read_only_array(la.W * scale), frozen=kept if k % 2 == 0 else frozenset())
        for k, la in enumerate(net.layers)
    )
    return net.with_layers(layers)


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    pair=st.sampled_from(valid_pairs()),
    depth=st.integers(1, 4),
    m=st.sampled_from([1, 3]),
    frozen=st.sampled_from(["", "b", "W", "Wb"]),
    scale=st.sampled_from([1.0, 1e120]),  # 1e120: overflow to inf and nan on the way
)
def test_the_trace_and_training_are_the_reference_bit_for_bit(
    seed: int, pair: tuple[str, str], depth: int, m: int, frozen: str, scale: float
) -> None:
    net = networks(seed, pair, depth, m, frozen, scale)
    with np.errstate(all="ignore"):
        loss, grads = gradients(net)
        reference = update(net, grads)
        trace = build_trace(net)
        assert same_bits(trace.loss, loss)
        for l in range(1, net.depth + 1):
            assert same_bits(trace.find("dW", l).value, grads[l][0]), f"∂L/∂W⁽{l}⁾"
            assert same_bits(trace.find("db", l).value, grads[l][1]), f"∂L/∂b⁽{l}⁾"
        for mine, theirs in zip(trace.updated.layers, reference.layers, strict=True):
            assert same_bits(mine.W, theirs.W) and same_bits(mine.b, theirs.b)
        run = train(net, 1)
        step_loss, stepped = sgd_step(net)
    assert same_bits(run.losses[0], step_loss)
    if run.stopped:  # nan/inf in the loss or the update: training keeps the finite start
        assert run.stopped == "nonfinite" and trace.nonfinite_steps
        stepped = net
    for mine, theirs in zip(run.network.layers, stepped.layers, strict=True):
        assert same_bits(mine.W, theirs.W) and same_bits(mine.b, theirs.b)
