"""The gradient check (`f`) as the values panel shows it: beside a ∂L/∂W or ∂L/∂b, the
central differences ĝ and the relative errors as blocks, and the verdict with the costs for
the step panel."""

from __future__ import annotations

from bpdebug.engine import Step
from bpdebug.engine.gradcheck import CheckReport
from bpdebug.notation import DIGITS
from bpdebug.tui.views.value_blocks import Block, make_block


def gradient_check(
    report: CheckReport, step: Step, digits: int | None = DIGITS
) -> tuple[tuple[Block, ...], str]:
    """At a ∂L/∂W or ∂L/∂b step: the central differences ĝ and the relative errors as blocks
    for this panel, and the verdict with the costs for the step panel."""
    name = f"{'W' if step.kind == 'dW' else 'b'}{step.layer}"
    tensor = next(t for t in report.tensors if t.name == name)
    blocks = (
        make_block(
            f"≈ ĝ = (L(θ+h) − L(θ−h)) / 2h  {tensor.numeric.size} entries",
            "numeric",
            tensor.numeric,
            digits,
        ),
        make_block(
            "  relative error |g − ĝ| / max(|g|, |ĝ|, 1e-4·max(1, |L|))",
            "error",
            tensor.error,
            digits,
        ),
    )
    verdict = (
        "✓ finite differences agree"
        if tensor.max_error <= 1e-6
        else "✗ finite differences disagree"
    )
    line = (
        f"{verdict}: max relative error {tensor.max_error:.1e}. "
        f"Backprop: 1 forward + 1 backward pass ({report.backprop_seconds * 1e3:.2f} ms);"
        f" differences: {report.forward_passes:,} forward passes "
        f"({report.numeric_seconds * 1e3:.1f} ms)"
    )
    return blocks, line
