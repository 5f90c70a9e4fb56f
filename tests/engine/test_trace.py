"""The trace: step order and kinds, values, immutability, stability at saturation."""

from __future__ import annotations

import re
import warnings
from dataclasses import replace

import numpy as np
import pytest
from conftest import random_network, valid_pairs

from bpdebug.engine import Layer, Network, build_trace, read_only_array, train
from bpdebug.engine.backprop import gradients, sgd_step
from bpdebug.engine.flat import flatten
from bpdebug.engine.params import ParamRef, set_value

EXPECTED_3_LAYER = [
    ("forward", 1, "z"),
    ("forward", 1, "a"),
    ("forward", 2, "z"),
    ("forward", 2, "a"),
    ("forward", 3, "z"),
    ("forward", 3, "a"),
    ("forward", None, "loss"),
    *[("backward", l, k) for l in (3, 2, 1) for k in ("dL_da", "dact", "delta", "dW", "db")],
    *[("update", l, k) for l in (1, 2, 3) for k in ("W_new", "b_new")],
    ("update", None, "loss_after"),
]


def test_step_order_and_kinds_for_a_three_layer_net() -> None:
    trace = build_trace(random_network(3, 3, 2, "sigmoid", "quadratic"))
    assert [(s.phase, s.layer, s.kind) for s in trace.steps] == EXPECTED_3_LAYER
    assert [s.index for s in trace.steps] == list(range(len(EXPECTED_3_LAYER)))
    assert trace.phase_starts == {"forward": 0, "backward": 7, "update": 22}


def test_loss_falls_for_every_sample_at_its_learning_rate(sample: Network) -> None:
    trace = build_trace(sample)
    if sample.source.endswith("diverging.toml"):  # its lesson: a learning rate too large
        assert trace.loss_after > 2 * trace.loss
    else:
        assert trace.loss_after < trace.loss
    assert trace.find("loss_after").value == trace.loss_after


def test_values_are_read_only_and_shapes_follow_the_column_convention(sample: Network) -> None:
    trace = build_trace(sample)
    m = sample.batch_size
    for l, layer in enumerate(sample.layers, start=1):
        assert trace.find("z", l).shape == (layer.n_out, m)
        assert trace.find("delta", l).shape == (layer.n_out, m)
        assert trace.find("dW", l).shape == layer.W.shape
        assert trace.find("db", l).shape == layer.b.shape
    for step in trace.steps:
        if isinstance(step.value, np.ndarray):
            assert not step.value.flags.writeable
            with pytest.raises(ValueError):
                step.value[...] = 0


def test_operands_point_at_the_steps_that_produced_them() -> None:
    trace = build_trace(random_network(5, 2, 3, "tanh", "mse"))
    delta1 = trace.find("delta", 1)
    names = [op.name for op in delta1.operands]
    assert names == ["∂L/∂a⁽¹⁾", "σ′(z⁽¹⁾)"]
    assert [op.step for op in delta1.operands] == [
        trace.find("dL_da", 1).index,
        trace.find("dact", 1).index,
    ]
    hidden = trace.find("dL_da", 1)
    assert (
        hidden.operands[0].param == "W2" and hidden.operands[1].step == trace.find("delta", 2).index
    )
    for step in trace.steps:
        for op in step.operands:
            if op.step is not None:
                assert op.step < step.index
                assert op.value is trace.steps[op.step].value


def test_formula_with_numbers_substituted() -> None:
    net = Network(
        (Layer("sigmoid", read_only_array([[0.6]]), read_only_array([0.9])),),
        "quadratic",
        0.15,
        read_only_array([[1.0]]),
        read_only_array([[0.0]]),
    )
    trace = build_trace(net)
    z = trace.find("z", 1)
    assert z.formula == "z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾"
    assert z.substituted() == "z⁽¹⁾ = 0.6 · 1 + 0.9 = 1.5"  # never two numbers side by side
    update = trace.find("W_new", 1)
    assert update.formula == "W⁽¹⁾ ← W⁽¹⁾ − η ∂L/∂W⁽¹⁾"
    dW = float(trace.find("dW", 1).value[0, 0])
    assert dW > 0
    assert update.substituted() == f"W⁽¹⁾ ← 0.6 − 0.15 · {dW:.6g} = {0.6 - 0.15 * dW:.6g}"
    assert update.substituted(None) == f"W⁽¹⁾ ← 0.6 − 0.15 · {dW!r} = {0.6 - 0.15 * dW!r}"
    hidden = trace.find("dL_da", 1)  # output layer: ∂L/∂a = a − y with a negative result
    assert hidden.substituted().endswith(f"= {float(hidden.value[0, 0]):.6g}")


def test_large_values_appear_by_shape_in_formulas(sample_by_name) -> None:
    trace = build_trace(sample_by_name("wide"))
    assert "⟨32×64⟩" in trace.find("z", 1).substituted()


def test_fused_forms_are_named_and_softmax_dact_is_a_jvp() -> None:
    net = random_network(4, 2, 3, "softmax", "cross_entropy")
    trace = build_trace(net)
    out = net.depth
    assert "fused softmax + cross-entropy" in trace.find("delta", out).note
    a, y = trace.find("a", out).value, net.y
    np.testing.assert_allclose(trace.find("delta", out).value, a - y, rtol=0, atol=1e-15)
    quad = build_trace(random_network(4, 2, 3, "softmax", "quadratic"))
    g, a = quad.find("dL_da", out).value, quad.find("a", out).value
    jac = [np.diag(a[:, k]) - np.outer(a[:, k], a[:, k]) for k in range(a.shape[1])]
    want = np.stack([jac[k].T @ g[:, k] for k in range(a.shape[1])], axis=1)
    np.testing.assert_allclose(quad.find("dact", out).value, want, rtol=1e-12, atol=1e-15)
    bce = build_trace(random_network(4, 2, 3, "sigmoid", "binary_cross_entropy"))
    assert "fused sigmoid + binary cross-entropy" in bce.find("delta", out).note


@pytest.mark.parametrize("activation,loss", valid_pairs())
@pytest.mark.parametrize("z0", [1000.0, -1000.0, 1e4, -1e4])
def test_saturated_units_give_finite_values_without_warnings(
    activation: str, loss: str, z0: float
) -> None:
    n = 2
    W = read_only_array([[z0], [-z0 / 2]])
    y = (
        read_only_array([[1.0], [0.0]])
        if loss != "binary_cross_entropy"
        else read_only_array([[0.0], [1.0]])
    )
    layer = Layer(activation, W, read_only_array(np.zeros(n)))
    net = Network((layer,), loss, 0.1, read_only_array([[1.0]]), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            loss_value, by_layer = gradients(net)
            grads = list(by_layer.values())
            z = W @ net.x
            a = layer.act(z, layer.alpha)
            per_example = net.loss_fn.value(z, a, y)
            _, _, delta = layer.output_error(net.loss_fn, z, a, y)
    assert np.isfinite(loss_value) and np.all(np.isfinite(per_example))
    assert np.all(np.isfinite(delta))
    assert all(np.all(np.isfinite(dW)) and np.all(np.isfinite(db)) for dW, db in grads)


def test_saturated_sigmoid_bce_values_are_exact() -> None:
    """At z = ±1000 the loss is exactly softplus: 1000 when wrong, e^-1000 ≈ 0 when right."""
    net = Network(
        (Layer("sigmoid", read_only_array([[1000.0], [-1000.0]]), read_only_array([0.0, 0.0])),),
        "binary_cross_entropy",
        0.1,
        read_only_array([[1.0]]),
        read_only_array([[0.0], [0.0]]),
    )
    trace = build_trace(net)
    assert trace.loss == 1000.0
    np.testing.assert_array_equal(trace.find("delta", 1).value, [[1.0], [0.0]])
    ce = Network(
        (Layer("softmax", read_only_array([[1000.0], [-1000.0]]), read_only_array([0.0, 0.0])),),
        "cross_entropy",
        0.1,
        read_only_array([[1.0]]),
        read_only_array([[0.0], [1.0]]),
    )
    assert build_trace(ce).loss == 2000.0


def test_nonfinite_values_are_found_not_raised() -> None:
    net = random_network(1, 2, 2, "identity", "quadratic")
    huge = Layer("identity", read_only_array(np.full_like(net.layers[0].W, 1e300)), net.layers[0].b)
    bad = net.with_layers((huge, net.layers[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = build_trace(bad)
    first = trace.first_nonfinite()
    assert first is not None and first.index <= trace.find("loss").index


def test_frozen_biases_reproduce_the_published_worked_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Mazur's 2-2-2 example updates the weights only. His post prints L = 0.291027924 after
    one round, but his own published weights give 0.2910277737 (checked by hand): the
    weights are what we reproduce, to the 8-9 digits he prints, and that loss to 1e-9."""
    from bpdebug.files.netfile import load_network, save_network
    from bpdebug.files.samples import sample_path

    text = (
        sample_path("two_layer")
        .read_text()
        .replace("b = [0.35, 0.35]", 'b = [0.35, 0.35]\nfrozen = ["b"]')
        .replace("b = [0.60, 0.60]", 'b = [0.60, 0.60]\nfrozen = ["b"]')
    )
    f = tmp_path / "mazur.toml"
    f.write_text(text)
    net = load_network(f)
    trace = build_trace(net)
    assert trace.loss_after == pytest.approx(0.2910277737, abs=1e-9)
    published = {
        (1, 0, 0): 0.149780716,
        (1, 0, 1): 0.19956143,
        (1, 1, 0): 0.24975114,
        (1, 1, 1): 0.29950229,
        (2, 0, 0): 0.35891648,
        (2, 0, 1): 0.408666186,
        (2, 1, 0): 0.511301270,
        (2, 1, 1): 0.561370121,
    }
    for (l, i, j), w in published.items():
        assert trace.find("W_new", l).value[i, j] == pytest.approx(w, abs=1e-8)
    for l in (1, 2):
        kept = trace.find("b_new", l)
        assert kept.value is net.layers[l - 1].b
        assert "frozen" in kept.note and kept.formula == f"b⁽{'¹²'[l - 1]}⁾ ← b⁽{'¹²'[l - 1]}⁾"
    assert trace.find("W_new", 2).value[0, 0] == pytest.approx(0.35891648, abs=1e-8)
    trained, _ = train(net, 5)[:2]
    for layer, original in zip(trained.layers, net.layers, strict=True):
        assert layer.b is original.b and layer.frozen == frozenset({"b"})
    again = load_network(save_network(trained, tmp_path / "saved.toml"))
    assert again.same_as(trained) and again.layers[0].frozen == frozenset({"b"})


@pytest.mark.parametrize("out_act,loss", valid_pairs())
def test_training_in_place_matches_the_trace_update_bit_for_bit(out_act: str, loss: str) -> None:
    """`train` updates private copies in place; each of its iterations is the trace's update."""
    net = random_network(7, 3, 4, out_act, loss, lr=0.3)
    net = net.with_layers(
        (net.layers[0], replace(net.layers[1], frozen=frozenset({"W"})), net.layers[2])
    )
    expected, losses = net, []
    for _ in range(4):
        trace = build_trace(expected)
        losses.append(trace.loss)
        expected = trace.updated
    trained, history = train(net, 4)[:2]
    assert trained.same_as(expected)
    assert history == [*losses, build_trace(expected).loss]
    assert trained.layers[1].W is net.layers[1].W  # frozen: kept, not copied
    assert all(layer.W.flags.writeable is False for layer in trained.layers)
    assert all(
        layer.W is not original.W
        for layer, original in zip(trained.layers, net.layers, strict=True)
        if "W" not in original.frozen
    )


def test_training_that_overflows_leaves_frozen_parameters_exactly_as_they_were() -> None:
    """Training updates its private copy in place; frozen entries must stay even where the
    gradient is nan, or the next iteration's forward pass would read a corrupted bias."""
    net = random_network(3, 2, 3, "identity", "mse", hidden="relu", lr=1e6)
    net = net.with_layers(tuple(replace(la, frozen=frozenset({"b"})) for la in net.layers))
    expected, expected_losses = net, []
    for _ in range(30):
        trace = build_trace(expected)
        expected_losses.append(trace.loss)
        expected = trace.updated
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow is shown as nan/inf, never warned about
        run = train(net, 30)
    trained, losses = run.network, run.losses
    assert run.stopped == "nonfinite" and not np.isfinite(losses[-1])
    assert np.array_equal(losses, expected_losses[: len(losses)])  # stopped at the first inf
    last_finite = net
    for _ in range(run.iterations):
        last_finite = build_trace(last_finite).updated
    assert trained.same_as(last_finite)
    for layer, original in zip(trained.layers, net.layers, strict=True):
        assert layer.b is original.b


def _holds_its_parameters(net: Network) -> bool:
    """A network's one-vector copy of its parameters, if it keeps one, is exactly them."""
    return net.theta is None or (
        not net.theta.flags.writeable and net.theta.tobytes() == flatten(net.layers).tobytes()
    )


@pytest.mark.parametrize("frozen", [frozenset(), frozenset({"b"})])
def test_every_network_made_by_loading_updating_training_or_editing_holds_its_parameters(
    sample: Network, frozen: frozenset[str]
) -> None:
    net = sample.with_layers(tuple(replace(la, frozen=frozen) for la in sample.layers))
    made = [sample, build_trace(sample).updated, train(sample, 2).network]  # from its own vector
    made += [net, build_trace(net).updated, sgd_step(net)[1], train(net, 3).network]
    made.append(set_value(made[1], ParamRef("W", 1, 0, 0), 0.25))
    assert build_trace(made[1]).updated.same_as(
        build_trace(made[1].with_layers(made[1].layers)).updated
    )
    assert sample.theta is not None  # a loaded file keeps one
    assert all(_holds_its_parameters(m) for m in made)


@pytest.mark.parametrize("change", ["drop", "add"])
def test_a_value_the_plan_does_not_expect_is_an_error_at_build_time(
    monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """Values are matched to the plan by (kind, layer): a missing or an extra one stops the
    build with their names, instead of shifting every later step by one."""
    from bpdebug.engine import trace as trace_module

    real = trace_module._values

    def changed(net, plan):  # type: ignore[no-untyped-def]
        values, theta, state = real(net, plan)
        if change == "drop":
            del values["dact", 1]
        else:
            values["dact", 9] = values["dact", 1]
        return values, theta, state

    monkeypatch.setattr(trace_module, "_values", changed)
    said = "missing [dact 1], extra []" if change == "drop" else "missing [], extra [dact 9]"
    with pytest.raises(RuntimeError, match=re.escape(said)):
        build_trace(random_network(1, 2, 2, "sigmoid", "mse"))
