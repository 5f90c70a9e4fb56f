"""Backprop's δ, ∂L/∂W and ∂L/∂b against central finite differences of the loss."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_network, valid_pairs
from hypothesis import given, settings
from hypothesis import strategies as st

from bpdebug.engine import Network, build_trace
from bpdebug.engine.gradcheck import numeric_gradient, relative_error

TOL = 1e-6


def example_losses_from_z(net: Network, l: int, z: np.ndarray) -> np.ndarray:
    """Each example's loss when z of (0-based) layer l is replaced by `z`."""
    layer = net.layers[l]
    a = layer.act(z, layer.alpha)
    for nxt in net.layers[l + 1 :]:
        z, a = nxt.forward(a)
    return net.loss_fn.value(z, a, net.y)


def numeric_delta(net: Network, l: int, z: np.ndarray) -> np.ndarray:
    """δ⁽ˡ⁾ by central differences: column k is ∂Lₖ/∂z⁽ˡ⁾ₖ for example k's own loss Lₖ."""
    out = np.empty_like(z)
    for i, k in np.ndindex(z.shape):
        h = 1e-5 * max(1.0, abs(z[i, k]))
        up, down = z.copy(), z.copy()
        up[i, k] += h
        down[i, k] -= h
        diff = example_losses_from_z(net, l, up)[k] - example_losses_from_z(net, l, down)[k]
        out[i, k] = diff / (2 * h)
    return out


def assert_close(name: str, got: np.ndarray, want: np.ndarray, loss: float) -> None:
    err = float(relative_error(np.asarray(got), np.asarray(want), loss).max())
    assert err < TOL, f"{name}: relative error {err:.2e}\nbackprop {got}\nnumeric {want}"


def assert_trace_matches_finite_differences(net: Network) -> None:
    trace = build_trace(net)
    L = trace.loss
    for l in range(1, net.depth + 1):
        assert_close(f"dW{l}", trace.find("dW", l).value, numeric_gradient(net, l, "W"), L)
        assert_close(f"db{l}", trace.find("db", l).value, numeric_gradient(net, l, "b"), L)
        z = np.array(trace.find("z", l).value)
        assert_close(f"delta{l}", trace.find("delta", l).value, numeric_delta(net, l - 1, z), L)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    pair=st.sampled_from(valid_pairs()),
    depth=st.integers(1, 4),
    m=st.sampled_from([1, 3, 5]),
)
def test_every_activation_and_loss_agree_with_finite_differences(
    seed: int, pair: tuple[str, str], depth: int, m: int
) -> None:
    out_act, loss = pair
    assert_trace_matches_finite_differences(random_network(seed, depth, m, out_act, loss))


@pytest.mark.parametrize(
    "hidden", ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]
)
@pytest.mark.parametrize("out_act,loss", valid_pairs())
def test_each_hidden_activation_with_each_output_pair(hidden: str, out_act: str, loss: str) -> None:
    net = random_network(11, 3, 4, out_act, loss, hidden=hidden)
    assert_trace_matches_finite_differences(net)


def test_single_neuron_chain_rule_from_the_trace_steps(sample_by_name) -> None:
    """∂L/∂w = ∂L/∂a · σ′(z) · x, each factor read from its own step."""
    net = sample_by_name("single_neuron")
    t = build_trace(net)
    dL_da = float(t.find("dL_da", 1).value[0, 0])
    dact = float(t.find("dact", 1).value[0, 0])
    x = float(net.x[0, 0])
    assert float(t.find("dW", 1).value[0, 0]) == pytest.approx(dL_da * dact * x, rel=1e-15)
    assert float(t.find("db", 1).value[0]) == pytest.approx(dL_da * dact, rel=1e-15)
    # and the numbers themselves: z = 0.6·1 + 0.9, a = σ(1.5), ∂L/∂a = a − 0
    a = 1 / (1 + np.exp(-1.5))
    assert dL_da == pytest.approx(a, rel=1e-15)
    assert dact == pytest.approx(a * (1 - a), rel=1e-15)


def test_two_layer_example_matches_the_published_worked_example(sample_by_name) -> None:
    """Mazur's 2-2-2 numbers: L = 0.298371109, w5 → 0.35891648, w1 → 0.149780716."""
    t = build_trace(sample_by_name("two_layer"))
    assert t.loss == pytest.approx(0.298371109, abs=1e-9)
    assert t.find("W_new", 2).value[0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert t.find("W_new", 1).value[0, 0] == pytest.approx(0.149780716, abs=1e-9)
    assert t.find("W_new", 1).value[1, 1] == pytest.approx(0.29950229, abs=1e-8)
