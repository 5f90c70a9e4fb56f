"""The chain view: the sum over paths of the chain-rule products is the dW/db entry."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_network, valid_pairs
from hypothesis import given, settings
from hypothesis import strategies as st

from bpdebug.engine import build_trace
from bpdebug.engine.chain import chain_for
from bpdebug.engine.params import ParamRef
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.screens import ChainScreen


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    pair=st.sampled_from(valid_pairs()),
    depth=st.integers(1, 4),
    m=st.sampled_from([1, 3]),
    pick=st.integers(0, 10**6),
)
def test_the_paths_sum_to_the_gradient(
    seed: int, pair: tuple[str, str], depth: int, m: int, pick: int
) -> None:
    net = random_network(seed, depth, m, *pair)
    trace = build_trace(net)
    l = pick % depth + 1
    layer = net.layers[l - 1]
    i = pick % layer.n_out
    ref = ParamRef("W", l, i, pick % layer.n_in) if pick % 2 else ParamRef("b", l, i)
    k = pick % m
    chain = chain_for(trace, ref, k)
    close = 1e-12 * max(1e-12, abs(chain.total)) + 1e-300
    assert abs(chain.total - chain.per_example[k]) <= close  # the paths sum to ∂Lₖ/∂θ
    assert chain.mean == pytest.approx(chain.gradient, rel=1e-12, abs=1e-300)  # (1/m) Σₖ
    assert chain.n_paths == int(np.prod([la.n_out for la in net.layers[l:]]))
    for path in chain.paths:  # each path's value is the product of its factors
        assert path.contribution == pytest.approx(np.prod([f.value for f in path.factors]))


def test_the_scalar_chain_is_the_textbook_product() -> None:
    """∂L/∂w⁽¹⁾ = ∂L/∂a⁽²⁾ · ∂a⁽²⁾/∂z⁽²⁾ · ∂z⁽²⁾/∂a⁽¹⁾ · ∂a⁽¹⁾/∂z⁽¹⁾ · ∂z⁽¹⁾/∂w⁽¹⁾."""
    trace = build_trace(load_network(sample_path("scalar_chain")))
    chain = chain_for(trace, ParamRef("W", 1, 0, 0))
    (path,) = chain.paths
    assert [f.symbol for f in path.factors] == [
        "∂L/∂a⁽²⁾[0]",
        "σ′(z⁽²⁾[0])",
        "W⁽²⁾[0,0]",
        "σ′(z⁽¹⁾[0])",
        "x[0]",
    ]
    assert [f.step for f in path.factors] == [
        trace.find("dL_da", 2).index,
        trace.find("dact", 2).index,
        None,
        trace.find("dact", 1).index,
        None,
    ]
    values = [f.value for f in path.factors]
    assert values[2] == 1.2 and values[4] == 0.5
    assert float(np.prod(values)) == pytest.approx(chain.gradient, rel=1e-15)
    assert chain.gradient == trace.find("dW", 1).value[0, 0]


def test_too_many_paths_are_summarised() -> None:
    from conftest import deep_tanh_net

    trace = build_trace(deep_tanh_net())
    chain = chain_for(trace, ParamRef("W", 1, 0, 0), 2)
    assert chain.paths == () and chain.n_paths == 8**8 * 2
    assert chain.total == chain.per_example[2]
    assert chain.mean == pytest.approx(trace.find("dW", 1).value[0, 0], rel=1e-12)


async def test_w_opens_the_chain_and_enter_jumps_to_a_factor() -> None:
    app = make_app(load_network(sample_path("two_layer")))
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(5)  # ∂L/∂a⁽²⁾ = a⁽²⁾ − y: the selection follows the step to y
        app.select(ParamRef("W", 1, 0, 0))
        await pilot.press("w")
        assert isinstance(app.screen, ChainScreen)
        assert app.screen.chain.ref == ParamRef("W", 1, 0, 0)
        assert app.screen.chain.n_paths == 2
        await pilot.press("enter")  # the first factor of the largest path is highlighted
        assert not isinstance(app.screen, ChainScreen)
        assert app.cursor == app.trace.find("dL_da", 2).index
        app.select(ParamRef("x", None, 1, 0))
        await pilot.press("w")  # x is data: the weight of the step's layer, in its row
        assert isinstance(app.screen, ChainScreen)
        assert app.screen.chain.ref == ParamRef("W", 2, 1, 0)


def _shown_number(text: str) -> float:
    return float(text.split()[0])


async def test_a_batch_chain_lists_one_example_whose_factors_multiply_to_what_is_shown() -> None:
    """deep (batch 5), W⁽³⁾[1,2], example 2: each path's shown factors multiply to its shown
    value; the shown paths' values and the rest sum to the example's share; the batch mean
    of the shares is the ∂L/∂W⁽³⁾ entry of step 18."""
    app = make_app(load_network(sample_path("deep")))
    async with app.run_test(size=(120, 40)) as pilot:
        app.select(ParamRef("W", 3, 1, 2))
        await pilot.press("full_stop", "full_stop", "full_stop")  # follow example 2
        assert app.example == 2
        await pilot.press("w")
        screen = app.screen
        assert isinstance(screen, ChainScreen) and screen.chain.example == 2
        options = screen.query_one("OptionList")
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        paths = [i for i, line in enumerate(lines) if line.startswith("path ")]
        assert len(paths) == 2  # from unit 1 of layer 3 to each of the 2 outputs
        shown_sum = 0.0
        for i in paths:
            value = _shown_number(lines[i].rsplit("= ", 1)[1])
            factors = []
            j = i + 1
            while j < len(lines) and lines[j].startswith("    "):
                factors.append(_shown_number(lines[j].split("= ", 1)[1]))
                j += 1
            assert np.prod(factors) == pytest.approx(value, rel=5e-5)  # to the shown digits
            shown_sum += value
        share = [line for line in lines if line.startswith("example 2: ")][0]
        assert "✓" in share
        mean = [line for line in lines if line.startswith("batch mean: ")][0]
        assert "✓" in mean and "(1/5)" in mean
        step = app.trace.find("dW", 3)
        assert f"step {step.index + 1} is {float(step.value[1, 2]):.6g}" in mean
        per_example = screen.chain.per_example
        assert float(np.mean(per_example)) == pytest.approx(float(step.value[1, 2]), rel=1e-12)
        assert shown_sum == pytest.approx(per_example[2], rel=1e-4)
