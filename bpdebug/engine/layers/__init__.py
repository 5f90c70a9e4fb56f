"""Layer kinds: one module each, holding the layer's equations and their formula models side by
side, as micrograd keeps each operation's backward beside its forward.

A kind provides two things, which the loop (backprop.py) and the plan (plan/steps.py) call
and nothing else:

- the layer (`Kind`): a frozen dataclass of its parameters and settings, with its forward
  equations (`forward`: z⁽ˡ⁾ and a⁽ˡ⁾ from a⁽ˡ⁻¹⁾) and its backward factors (`output_error`
  as the last layer, `error` below it, `input_gradient` handing ∂L/∂a⁽ˡ⁻¹⁾ back, and
  `gradient_sums` of its parameters into the buffers the caller lends), and its `shape`;
- its shape (`Shape`): what its steps depend on, hashable (a plan is made once per shape),
  with the formula model of each step it adds to a plan (`plan_forward` … `plan_gradients`).

`dense` (z = W a + b, a = σ(z)) is the one kind so far; convolution, pooling, residual,
normalisation and attention layers come as its siblings.
"""

from __future__ import annotations

from typing import Protocol

from bpdebug.engine.activations import Array
from bpdebug.engine.losses import Loss
from bpdebug.engine.plan.planner import OperandPlan, Planner


class Shape(Protocol):
    """A layer kind's shape and the formula models of its steps."""

    def plan_forward(self, p: Planner, l: int, a_prev: OperandPlan, m: int) -> OperandPlan: ...

    def plan_output_error(self, p: Planner, l: int, loss: str, n: int) -> None: ...

    def plan_input_gradient(self, p: Planner, l: int) -> None: ...

    def plan_error(self, p: Planner, l: int) -> None: ...

    def plan_gradients(self, p: Planner, l: int, a_prev: OperandPlan, m: int) -> None: ...


class Kind(Protocol):
    """A layer: its forward equations and its backward factors."""

    @property
    def shape(self) -> Shape: ...

    def forward(self, a_prev: Array) -> tuple[Array, Array]: ...

    def output_error(
        self, loss_fn: Loss, z: Array, a: Array, y: Array, factors: bool = True
    ) -> tuple[Array | None, Array | None, Array]: ...

    def error(self, dL_da: Array, z: Array, a: Array) -> tuple[Array, Array]: ...

    def input_gradient(self, delta: Array) -> Array: ...

    def gradient_sums(self, delta: Array, a_prev: Array, dW: Array, db: Array) -> None: ...
