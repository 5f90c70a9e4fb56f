"""The optimizers' equations (engine/optimizers.py) against torch.optim: the same gradients fed
to both for 5 iterations, parameters and state equal to 1e-10 relative."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import random_network, valid_pairs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpdebug.engine import Network, read_only_array
from bpdebug.engine.backprop import gradients
from bpdebug.engine.optimizers import DEFAULTS, NAMES, Optimizer, run, update

try:
    import torch
except ImportError:  # only the comparisons with torch.optim need it
    torch = None
_without_torch = pytest.mark.skipif(
    torch is None, reason="torch is not installed (pip install '.[torch]')"
)


def needs_torch(test):  # type: ignore[no-untyped-def]
    """A comparison with torch.optim: run by `pytest -m torch`, skipped where torch is not."""
    return pytest.mark.torch(_without_torch(test))


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


@needs_torch
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


def test_each_stage_is_its_formula_from_the_values_before_it() -> None:
    rng = np.random.default_rng(0)
    theta, g = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    m0, v0 = rng.normal(size=(2, 3)), rng.uniform(0.1, 1, (2, 3))
    opt = Optimizer("adam", {"weight_decay": 0.1})
    factors, state = update(
        opt, theta, g, {"exp_avg": m0, "exp_avg_sq": v0}, t=3, learning_rate=0.01
    )
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
    nesterov, _ = update(Optimizer("nesterov"), theta, g, {"velocity": m0}, t=2, learning_rate=0.1)
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


# ---------------------------------------------------------------- the network, trace, training

from bpdebug.engine import build_trace  # noqa: E402
from bpdebug.engine.params import EditError, get_value, parse_name, set_value  # noqa: E402
from bpdebug.engine.training import train  # noqa: E402
from bpdebug.files.netfile import load_network, save_network  # noqa: E402
from bpdebug.files.samples import sample_path  # noqa: E402


def with_optimizer(name: str, **hyper: float) -> Network:
    return load_network(sample_path("two_layer")).with_optimizer(Optimizer(name, hyper), None)


FORMULAS = {  # each factor step from its operands, in the order the step reads them
    "g": lambda ops: ops[0] + ops[1] * ops[2],
    "decayed": lambda ops: (1 - ops[1] * ops[2]) * ops[0],
    "velocity": lambda ops: ops[0] * ops[1] + ops[2],
    "lookahead": lambda ops: ops[0] + ops[1] * ops[2],
    "square_avg": lambda ops: ops[0] * ops[1] + (1 - ops[0]) * (ops[2] * ops[2]),
    "exp_avg": lambda ops: ops[0] * ops[1] + (1 - ops[0]) * ops[2],
    "exp_avg_sq": lambda ops: ops[0] * ops[1] + (1 - ops[0]) * (ops[2] * ops[2]),
    "exp_avg_hat": lambda ops: ops[0] / (1 - ops[1]),
    "exp_avg_sq_hat": lambda ops: ops[0] / (1 - ops[1]),
}


@pytest.mark.parametrize("name", NAMES)
def test_each_stage_step_is_its_formula_from_the_values_on_screen(name: str) -> None:
    net = with_optimizer(name, weight_decay=0.01)
    trace = build_trace(build_trace(net).updated)  # t = 2: the state is not zeros
    factors = [
        s for s in trace.steps if s.phase == "update" and s.kind.split("_", 1)[1] in FORMULAS
    ]
    assert factors or name == "sgd"
    for step in factors:
        ops = [np.asarray(op.value, dtype=float) for op in step.operands]
        expected = FORMULAS[step.kind.split("_", 1)[1]](ops)
        np.testing.assert_allclose(step.value, expected, rtol=1e-14, atol=0)
    for step in (s for s in trace.steps if s.kind in ("W_new", "b_new")):
        ops = [np.asarray(op.value, dtype=float) for op in step.operands]
        if name in ("adam", "adamw", "rmsprop"):
            old, lr, top, sq, eps = ops
            expected = old - lr * (top / (np.sqrt(sq) + eps))
        else:
            old, lr, d = ops
            expected = old - lr * d
        np.testing.assert_allclose(step.value, expected, rtol=1e-14, atol=0)
    if name == "adam":
        assert trace.find("W_exp_avg_hat", 1).formula == "m̂⁽¹⁾_W = m⁽¹⁾_W / (1 − β₁ᵗ)"
        beta1_t = next(op for op in trace.find("W_exp_avg_hat", 1).operands if op.name == "β₁ᵗ")
        assert beta1_t.value == 0.9**2


@pytest.mark.parametrize("name", NAMES)
def test_the_trace_the_training_and_the_reference_agree(name: str) -> None:
    net = random_network(7, 2, 3, "identity", "mse", hidden="tanh")
    net = net.with_optimizer(Optimizer(name, {"weight_decay": 0.02}), None)
    by_trace = net
    for _ in range(5):
        by_trace = build_trace(by_trace).updated
    trained = train(net, 5).network
    assert trained.same_as(by_trace) and by_trace.opt_state.t == 5
    params = [np.array(p) for layer in net.layers for p in (layer.W, layer.b)]
    reference, state = run(net.optimizer, params, grad_of(net), net.learning_rate, 5)
    got = [p for layer in by_trace.layers for p in (layer.W, layer.b)]
    for a, b in zip(got, reference, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    for k, key in enumerate(("W1", "b1", "W2", "b2")):
        for tensor, value in state[k].items():
            np.testing.assert_allclose(by_trace.opt_state.of(key)[tensor], value, rtol=1e-13)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from(NAMES), iterations=st.integers(0, 4), frozen=st.booleans())
def test_save_and_load_keep_the_optimizer_and_its_state_bit_for_bit(
    tmp_path_factory: pytest.TempPathFactory, name: str, iterations: int, frozen: bool
) -> None:
    net = with_optimizer(name, weight_decay=0.001)
    if frozen:
        net = net.with_layers((replace(net.layers[0], frozen=frozenset({"b"})), net.layers[1]))
    net = train(net, iterations).network
    folder = tmp_path_factory.mktemp("opt")
    for suffix in (".toml", ".json"):
        path = folder / f"net{suffix}"
        save_network(net, path)
        back = load_network(path)
        assert back.same_as(net)
        assert build_trace(back).updated.same_as(build_trace(net).updated)


def test_a_file_without_an_optimizer_is_exactly_as_before() -> None:
    net = load_network(sample_path("two_layer"))
    assert net.optimizer is None
    trace = build_trace(net)
    assert [s.kind for s in trace.steps if s.phase == "update"] == [
        "W_new", "b_new", "W_new", "b_new", "loss_after"
    ]  # fmt: skip
    sgd = net.with_optimizer(Optimizer("sgd"), None)  # sgd without decay: today's update
    assert build_trace(sgd).updated.same_as(trace.updated.with_optimizer(Optimizer("sgd"), None))


def test_hyper_parameters_and_state_are_edited_by_name() -> None:
    net = build_trace(with_optimizer("adam")).updated
    ref = parse_name("β₁", net)
    assert ref == parse_name("beta1", net) and ref.label() == "β₁"
    edited = set_value(net, ref, 0.5)
    assert edited.optimizer.get("beta1") == 0.5 and edited.opt_state is net.opt_state
    with pytest.raises(EditError, match=r"beta1 must be in \[0, 1\)"):
        set_value(net, ref, 1.0)
    m = parse_name("m_W1[0,1]", net)
    assert m.name == "m_W1[0,1]" and get_value(net, m) == net.opt_state.of("W1")["exp_avg"][0, 1]
    moved = set_value(net, m, 0.25)
    assert moved.opt_state.of("W1")["exp_avg"][0, 1] == 0.25
    assert build_trace(moved).find("W_exp_avg", 1).operands[1].value[0, 1] == 0.25
    with pytest.raises(EditError, match="adam has no momentum"):
        parse_name("momentum", net)
    with pytest.raises(EditError, match="cannot be negative"):
        set_value(net, parse_name("v_b2[0]", net), -1.0)
    with pytest.raises(EditError, match="outside W1"):
        parse_name("m_W1[5,0]", net)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('[optimizer]\nname = "adagrad"\n', "optimizer.name: unknown 'adagrad'"),
        ('[optimizer]\nname = "adam"\nmomentum = 0.9\n', "optimizer.momentum: unknown key"),
        ('[optimizer]\nname = "adam"\nbeta2 = 1.5\n', "optimizer.beta2: must be at least 0"),
        ('[optimizer]\nname = "rmsprop"\neps = 0\n', "optimizer.eps: must be at least"),
        (
            '[optimizer]\nname = "adam"\n[optimizer.state]\nt = 1\n'
            "[optimizer.state.W1]\nexp_avg = [[1, 2, 3]]\n",
            "optimizer.state.W1.exp_avg: expected 2×2 (its parameter's shape), got 1×3",
        ),
        (
            '[optimizer]\nname = "adam"\n[optimizer.state]\nt = 1\n'
            "[optimizer.state.W9]\nexp_avg = 1\n",
            "optimizer.state.W9: unknown key",
        ),
        ('[optimizer]\nname = "adam"\n[optimizer.state]\n', "optimizer.state.t: required key"),
    ],
)
def test_a_bad_optimizer_table_is_one_line_naming_the_key(
    tmp_path: Path, table: str, problem: str
) -> None:
    from bpdebug.files.validate import NetworkFileError

    path = tmp_path / "net.toml"
    path.write_text(sample_path("two_layer").read_text() + "\n" + table)
    with pytest.raises(NetworkFileError, match=re.escape(problem)):
        load_network(path)


async def test_T_carries_the_state_and_undo_restores_it() -> None:
    from bpdebug.tui.app import make_app

    start = load_network(sample_path("badly_scaled_adam"))
    app = make_app(start)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("T", "home", "ctrl+k", "2", "0", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.network.opt_state.t == 20
        expected = start
        for _ in range(20):
            expected = build_trace(expected).updated
        assert app.network.same_as(expected)
        await pilot.press("u")
        assert app.network is start and app.network.opt_state is None


def test_the_samples_say_true() -> None:
    sgd = train(load_network(sample_path("badly_scaled")), 500)
    adam = train(load_network(sample_path("badly_scaled_adam")), 500)
    assert sgd.losses[-1] > 0.05 and adam.losses[-1] < 0.01
    for name in ("momentum", "rmsprop"):
        run_ = train(load_network(sample_path(name)), 1000)
        assert run_.losses[-1] < 0.05 * run_.losses[0]


@pytest.mark.parametrize("name", ["momentum", "adamw"])
def test_a_frozen_parameter_keeps_still_under_an_optimizer(name: str) -> None:
    net = with_optimizer(name, weight_decay=0.05)
    net = net.with_layers((replace(net.layers[0], frozen=frozenset({"b"})), net.layers[1]))
    by_trace = net
    for _ in range(4):
        by_trace = build_trace(by_trace).updated
    trained = train(net, 4).network
    assert trained.same_as(by_trace)
    assert trained.layers[0].b.tobytes() == net.layers[0].b.tobytes()
    assert "b1" not in trained.opt_state.tensors and "W1" in trained.opt_state.tensors
    edited = set_value(
        trained, parse_name("m_W1[0,0]" if name == "adamw" else "v_W1[0,0]", trained), 0.5
    )
    assert train(edited, 2).network.same_as(build_trace(build_trace(edited).updated).updated)
