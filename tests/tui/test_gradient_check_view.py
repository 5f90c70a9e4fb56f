"""The gradient check in the debugger: central differences beside every ∂L/∂W and ∂L/∂b."""

from __future__ import annotations

import numpy as np
import pytest

from bpdebug.engine.gradcheck import check_gradients
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.widgets import StepPanel, ValuesView


@pytest.mark.parametrize("name", sample_names())
def test_finite_differences_agree_with_backprop_on_every_sample(name: str) -> None:
    report = check_gradients(load_network(sample_path(name)))
    for tensor in report.tensors:
        assert tensor.max_error <= 1e-6, (name, tensor.name, tensor.max_error)
    assert report.forward_passes == 2 * report.n_params


@pytest.mark.parametrize("name", ["two_layer", "softmax_classifier"])
async def test_f_shows_the_differences_at_each_gradient_step(name: str) -> None:
    app = make_app(load_network(sample_path(name)))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("f")
        report = check_gradients(app.network)
        for step in app.trace.steps:
            if step.kind not in ("dW", "db"):
                continue
            app.go(step.index)
            await pilot.pause()
            text = app.query_one(StepPanel).text.plain
            assert "✓ finite differences agree" in text
            assert f"{report.forward_passes:,} forward passes" in text
            blocks = app.query_one(ValuesView).blocks
            numeric = next(b for b in blocks if b.role == "numeric").matrix
            tensor = next(
                t
                for t in report.tensors
                if t.name == f"{'W' if step.kind == 'dW' else 'b'}{step.layer}"
            )
            np.testing.assert_array_equal(numeric.ravel(), tensor.numeric.ravel())
            np.testing.assert_allclose(numeric.ravel(), np.ravel(step.value), rtol=1e-6, atol=1e-10)
        await pilot.press("f")
        assert not any(b.role == "numeric" for b in app.query_one(ValuesView).blocks)
