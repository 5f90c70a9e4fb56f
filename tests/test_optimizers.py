"""The optimizers' equations (engine/optimizers.py) against torch.optim: the same gradients fed
to both for 5 iterations, parameters and state equal to 1e-10 relative."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import random_network, valid_pairs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpdebug.engine import Network, read_only_array
from bpdebug.engine.backprop import gradients
from bpdebug.engine.optimizers import DEFAULTS, NAMES, Optimizer, run, update

torch = pytest.importorskip("torch", reason="torch is not installed (pip install '.[torch]')")

PAIRS = valid_pairs()


def with_params(net: Network, params: list[np.ndarray]) -> Network:
    layers = tuple(
        replace(layer, W=read_only_array(params[2 * k]), b=read_only_array(params[2 * k + 1]))
        for k, layer in enumerate(net.layers)
    )
    return net.with_layers(layers)


def grad_of(net: Network):  # type: ignore[no-untyped-def]
    """∂L/∂θ of the engine's own backprop, θ = [W1, b1, W2, b2, …]."""

    def of(params: list[np.ndarray]) -> list[np.ndarray]:
        _, grads = gradients(with_params(net, params))
        return [g for l in sorted(grads) for g in grads[l]]

    return of


def torch_run(opt: Optimizer, params: list[np.ndarray], grad, lr: float, n: int):  # type: ignore[no-untyped-def]
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    wd = opt.get("weight_decay")
    name = opt.name
    if name in ("sgd", "momentum", "nesterov"):
        mu = 0.0 if name == "sgd" else opt.get("momentum")
        o = torch.optim.SGD(
            tensors, lr=lr, momentum=mu, nesterov=name == "nesterov", weight_decay=wd
        )
    elif name == "rmsprop":
        o = torch.optim.RMSprop(
            tensors, lr=lr, alpha=opt.get("alpha"), eps=opt.get("eps"), weight_decay=wd
        )
    else:
        betas = (opt.get("beta1"), opt.get("beta2"))
        cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        o = cls(tensors, lr=lr, betas=betas, eps=opt.get("eps"), weight_decay=wd)
    for _ in range(n):
        grads = grad([t.detach().numpy().copy() for t in tensors])
        for t, g in zip(tensors, grads, strict=True):
            t.grad = torch.tensor(g, dtype=torch.float64)
        o.step()
    return [t.detach().numpy() for t in tensors], [o.state[t] for t in tensors]


TORCH_STATE = {
    "velocity": "momentum_buffer",
    "square_avg": "square_avg",
    "exp_avg": "exp_avg",
    "exp_avg_sq": "exp_avg_sq",
}


def close(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return bool(np.all(np.abs(a - b) <= 1e-10 * np.maximum(np.abs(b), 1e-6 * scale)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    pair=st.integers(0, len(PAIRS) - 1),
    name=st.sampled_from(NAMES),
    decay=st.booleans(),
)
def test_five_iterations_equal_torch_optim(seed: int, pair: int, name: str, decay: bool) -> None:
    out_act, loss = PAIRS[pair]
    net = random_network(seed, 2, 3, out_act, loss)
    hyper = {"weight_decay": 0.05} if decay else {}
    if name == "adamw" and not decay:
        hyper = {"weight_decay": 0.0}
    opt = Optimizer(name, hyper)
    params = [np.array(p) for layer in net.layers for p in (layer.W, layer.b)]
    lr = 0.05
    ours, state = run(opt, params, grad_of(net), lr, 5)
    theirs, torch_state = torch_run(opt, params, grad_of(net), lr, 5)
    for a, b in zip(ours, theirs, strict=True):
        assert close(a, b)
    for s, ts in zip(state, torch_state, strict=True):
        for key, value in s.items():
            assert close(value, ts[TORCH_STATE[key]].numpy()), key


def test_each_factor_is_its_formula_from_the_values_before_it() -> None:
    rng = np.random.default_rng(0)
    theta, g = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    m0, v0 = rng.normal(size=(2, 3)), rng.uniform(0.1, 1, (2, 3))
    opt = Optimizer("adam", {"weight_decay": 0.1})
    factors, state = update(opt, theta, g, {"exp_avg": m0, "exp_avg_sq": v0}, t=3, lr=0.01)
    kinds = [f.kind for f in factors]
    assert kinds == ["g", "exp_avg", "exp_avg_sq", "exp_avg_hat", "exp_avg_sq_hat", "new"]
    f = {x.kind: x.value for x in factors}
    assert np.array_equal(f["g"], g + 0.1 * theta)
    assert np.array_equal(f["exp_avg"], 0.9 * m0 + (1 - 0.9) * f["g"])
    assert np.array_equal(f["exp_avg_sq"], 0.999 * v0 + (1 - 0.999) * (f["g"] * f["g"]))
    assert np.array_equal(f["exp_avg_hat"], f["exp_avg"] / (1 - 0.9**3))
    assert np.array_equal(f["exp_avg_sq_hat"], f["exp_avg_sq"] / (1 - 0.999**3))
    assert np.array_equal(
        f["new"], theta - 0.01 * (f["exp_avg_hat"] / (np.sqrt(f["exp_avg_sq_hat"]) + 1e-8))
    )
    assert state["exp_avg"] is f["exp_avg"]
    nesterov, _ = update(Optimizer("nesterov"), theta, g, {"velocity": m0}, t=2, lr=0.1)
    v = 0.9 * m0 + g
    assert [x.kind for x in nesterov] == ["velocity", "lookahead", "new"]
    assert np.array_equal(nesterov[1].value, g + 0.9 * v)
    assert np.array_equal(nesterov[2].value, theta - 0.1 * (g + 0.9 * v))


@pytest.mark.parametrize(
    ("name", "hyper", "problem"),
    [
        ("adagrad", {}, "'adagrad' is not an optimizer"),
        ("adam", {"momentum": 0.9}, "adam takes beta1, beta2, eps, weight_decay, not momentum"),
        ("adam", {"beta1": 1.0}, "beta1 must be in [0, 1)"),
        ("rmsprop", {"eps": 0.0}, "eps must be positive"),
        ("sgd", {"weight_decay": -1.0}, "weight_decay must be 0 or more"),
    ],
)
def test_bad_hyper_parameters_are_refused_in_one_line(
    name: str, hyper: dict[str, float], problem: str
) -> None:
    with pytest.raises(
        ValueError, match=problem.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        Optimizer(name, hyper)
    assert set(DEFAULTS) == set(NAMES)
