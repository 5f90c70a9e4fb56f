"""The dense layer: z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = σ(z⁽ˡ⁾). Its forward equations, its
backward factors and the formula models of those steps, side by side (see layers/__init__).

Shapes, one column per example: a⁽ˡ⁻¹⁾ is nₗ₋₁ × m, W⁽ˡ⁾ is nₗ × nₗ₋₁, b⁽ˡ⁾ has nₗ entries,
and z⁽ˡ⁾, a⁽ˡ⁾, ∂L/∂a⁽ˡ⁾, σ′(z⁽ˡ⁾) and δ⁽ˡ⁾ are nₗ × m.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bpdebug.engine.activations import ACTIVATIONS, Activation, Array, softmax_jvp
from bpdebug.engine.losses import LOSSES, Loss
from bpdebug.engine.plan.planner import R0, R1, R2, OperandPlan, Planner, batch_note
from bpdebug.engine.vocabulary import Y, parameter, symbol
from bpdebug.notation import expr as ex
from bpdebug.notation.numbers import num, sup
from bpdebug.notation.prose import Math, Prose


@dataclass(frozen=True)
class Layer:
    """A dense layer: z = W a_prev + b, a = σ(z). W is n_out × n_in, b has n_out entries."""

    activation: str
    W: Array
    b: Array
    alpha: float = 0.01  # leaky_relu slope for z ≤ 0; ignored by the other activations
    # "W" and/or "b": frozen, as the network file says (`frozen = ["b"]`): the update and
    # training leave them as they are. (Arrays that cannot be written to are "read-only".)
    frozen: frozenset[str] = frozenset()

    @property
    def act(self) -> Activation:
        return ACTIVATIONS[self.activation]

    @property
    def n_in(self) -> int:
        return int(self.W.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.W.shape[0])

    @property
    def shape(self) -> DenseShape:
        """What this layer's steps depend on (the plan is made once per shape)."""
        alpha = self.alpha if self.activation == "leaky_relu" else 0.0
        return DenseShape(self.activation, alpha, self.W.shape, self.frozen)

    def __repr__(self) -> str:
        return f"Layer({self.activation}, {self.n_in}→{self.n_out})"

    # ------------------------------------------------------------ forward

    def forward(self, a_prev: Array) -> tuple[Array, Array]:
        """z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾ (b added to every column, every example), a⁽ˡ⁾ = σ(z⁽ˡ⁾)."""
        z = self.W @ a_prev + self.b[:, None]
        return z, self.act(z, self.alpha)

    # ------------------------------------------------------------ backward

    def output_error(
        self, loss_fn: Loss, z: Array, a: Array, y: Array, factors: bool = True
    ) -> tuple[Array | None, Array | None, Array]:
        """δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾), with its two factors: (∂L/∂a⁽ᴸ⁾, σ′(z⁽ᴸ⁾), δ⁽ᴸ⁾).

        For softmax, which has no elementwise derivative, the second factor is the Jacobian-
        vector product Jᵀ ∂L/∂a and it is δ⁽ᴸ⁾ itself. A fused pair computes δ⁽ᴸ⁾ = a − y
        directly; without `factors` (training) it skips them and gives (None, None, δ⁽ᴸ⁾).
        """
        shortcut = loss_fn.fused_delta if fused(self, loss_fn) else None
        if shortcut is not None and not factors:
            return None, None, shortcut(z, a, y)
        dL_da = loss_fn.grad(z, a, y)
        if not self.act.elementwise:  # softmax
            jvp = shortcut(z, a, y) if shortcut is not None else softmax_jvp(a, dL_da)
            return dL_da, jvp, jvp
        dact = self.act.prime(z, a, self.alpha)
        delta = shortcut(z, a, y) if shortcut is not None else dL_da * dact
        return dL_da, dact, delta

    def error(self, dL_da: Array, z: Array, a: Array) -> tuple[Array, Array]:
        """δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾), with its second factor: (σ′(z⁽ˡ⁾), δ⁽ˡ⁾)."""
        dact = self.act.prime(z, a, self.alpha)
        return dact, dL_da * dact

    def input_gradient(self, delta: Array) -> Array:
        """∂L/∂a⁽ˡ⁻¹⁾ = (W⁽ˡ⁾)ᵀ δ⁽ˡ⁾: the error handed back to the layer below."""
        dL_da: Array = self.W.T @ delta
        return dL_da

    @staticmethod
    def gradient_sums(delta: Array, a_prev: Array, dW: Array, db: Array) -> None:
        """m·∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ into dW and m·∂L/∂b⁽ˡ⁾ = Σₖ δ⁽ˡ⁾ₖ into db: the
        matrix product sums over the m examples; the caller divides by m once."""
        # Arguments by position where the stubs allow: NumPy parses some keywords slowly.
        np.matmul(delta, a_prev.T, dW)
        np.add.reduce(delta, 1, out=db)


def fused(layer: Layer | DenseShape, loss_fn: Loss) -> bool:
    """Whether δ⁽ᴸ⁾ has a fused form: sigmoid with binary cross-entropy, softmax with
    cross-entropy, where ∂L/∂a ⊙ σ′(z) simplifies to a − y (the one place this is decided:
    the values, the plan and the graph all ask here)."""
    return loss_fn.fused_delta is not None and loss_fn.requires_output == layer.activation


# ---------------------------------------------------------------- the formula models


class DenseShape(NamedTuple):
    """What a dense layer's steps depend on, and the formula models of those steps: each
    `plan_…` adds its steps to a plan, as the equations above compute them."""

    activation: str
    alpha: float  # the leaky slope (0 for the other activations)
    W_shape: tuple[int, ...]
    frozen: frozenset[str]

    def plan_forward(self, p: Planner, l: int, a_prev: OperandPlan, m: int) -> OperandPlan:
        """The steps z⁽ˡ⁾ and a⁽ˡ⁾; a⁽ˡ⁾, which the next layer reads."""
        note: str = ""
        if m > 1:
            note = Prose(Math(f"b{sup(l)}"), " is added to every column (one per example)")
        rhs = ex.Add(ex.MatMul(R0, R1), R2)
        W, b = p.tensor(parameter("W", l)), p.tensor(parameter("b", l))
        p.add("forward", l, "z", symbol("z", l), rhs, W, a_prev, b, note=note)
        fn = ACTIVATIONS[self.activation].symbol
        note = activation_note(self.activation, self.alpha)
        p.add("forward", l, "a", symbol("a", l), ex.Call(fn, R0), p.step("z", l), note=note)
        return p.step("a", l)

    def plan_output_error(self, p: Planner, l: int, loss: str, n: int) -> None:
        """∂L/∂a⁽ᴸ⁾, then σ′(z⁽ᴸ⁾) (or softmax's Jacobian product) and δ⁽ᴸ⁾, fused or not."""
        loss_fn = LOSSES[loss]
        a_op, y_op = p.step("a", l), p.tensor(Y)
        dL_da = loss_fn.grad_formula(R0, R1, n)
        note = f"{loss_fn.words} loss, per example"
        p.add("backward", l, "dL_da", ex.Grad(symbol("a", l)), dL_da, a_op, y_op, note=note)
        is_fused = fused(self, loss_fn)
        if self.activation != "softmax":
            self._plan_dact(p, l)
            if is_fused:
                note = Prose(
                    f"fused {loss_fn.fused_name}: ",
                    Math("∂L/∂a ⊙ σ′(z)"),
                    " simplifies to ",
                    Math("a − y"),
                    ", computed directly so saturated units stay exact",
                )
                p.add("backward", l, "delta", symbol("δ", l), ex.Sub(R0, R1), a_op, y_op, note=note)
            else:
                self._plan_chain_delta(p, l)
            return
        jvp = ex.MatMul(ex.T(symbol("J", l)), ex.Grad(symbol("a", l)))
        if is_fused:
            note = Prose(
                f"fused {loss_fn.fused_name}: the softmax Jacobian-vector product ",
                Math("a ⊙ (g − Σⱼ (a ⊙ g)ⱼ)"),
                " with ",
                Math("g = −y ⊘ a"),
                " is exactly ",
                Math("a − y"),
            )
            p.add("backward", l, "dact", jvp, ex.Sub(R0, R1), a_op, y_op, note=note)
        else:
            g_minus_mean = ex.Sub(R0, ex.SumUnits(ex.Had(R1, R0)))
            note = Prose(
                "softmax has no elementwise derivative: this is the Jacobian-vector product ",
                Math("Jᵀg"),
                ", with ",
                Math("J = diag(a) − a aᵀ"),
                " and ",
                Math("g = ∂L/∂a"),
            )
            rhs = ex.Had(R1, ex.Paren(g_minus_mean))
            p.add("backward", l, "dact", jvp, rhs, p.step("dL_da", l), a_op, note=note)
        note = (
            f"fused {loss_fn.fused_name}"
            if is_fused
            else Prose(Math("δ = Jᵀ ∂L/∂a"), " for softmax")
        )
        p.add("backward", l, "delta", symbol("δ", l), R0, p.step("dact", l), note=note)

    def plan_input_gradient(self, p: Planner, l: int) -> None:
        """∂L/∂a⁽ˡ⁻¹⁾ = (W⁽ˡ⁾)ᵀ δ⁽ˡ⁾, the first step of layer l − 1's backward pass."""
        rhs = ex.MatMul(ex.T(R0), R1)
        W, delta = p.tensor(parameter("W", l)), p.step("delta", l)
        p.add("backward", l - 1, "dL_da", ex.Grad(symbol("a", l - 1)), rhs, W, delta)

    def plan_error(self, p: Planner, l: int) -> None:
        """σ′(z⁽ˡ⁾), then δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾)."""
        self._plan_dact(p, l)
        self._plan_chain_delta(p, l)

    def plan_gradients(self, p: Planner, l: int, a_prev: OperandPlan, m: int) -> None:
        """∂L/∂W⁽ˡ⁾ = (1/m) δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ and ∂L/∂b⁽ˡ⁾ = (1/m) Σₖ δ⁽ˡ⁾ₖ."""
        delta = p.step("delta", l)
        dW: ex.Expr = ex.MatMul(R0, ex.T(R1))
        db: ex.Expr = R0
        if m > 1:
            dW, db = ex.BatchMean(dW, m, sums=False), ex.BatchMean(db, m)
        note = batch_note(m)
        p.add("backward", l, "dW", ex.Grad(symbol("W", l)), dW, delta, a_prev, note=note)
        p.add("backward", l, "db", ex.Grad(symbol("b", l)), db, delta, note=note)

    def _plan_dact(self, p: Planner, l: int) -> None:
        rhs = ACTIVATIONS[self.activation].prime_formula(R0, self.alpha)
        note = activation_note(self.activation, self.alpha)
        p.add("backward", l, "dact", ex.Call("σ′", symbol("z", l)), rhs, p.step("z", l), note=note)

    @staticmethod
    def _plan_chain_delta(p: Planner, l: int) -> None:
        """δ⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ ⊙ σ′(z⁽ˡ⁾), the chain rule's elementwise step."""
        rhs = ex.Had(R0, R1)
        p.add("backward", l, "delta", symbol("δ", l), rhs, p.step("dL_da", l), p.step("dact", l))


def activation_note(activation: str, alpha: float) -> Prose:
    """σ, its formula and its derivative's, as the steps z → a and σ′ say them."""
    act = ACTIVATIONS[activation]
    if not act.elementwise:  # softmax: no σ′ to name, the Jacobian product instead
        return Prose(
            f"{act.words}: ",
            Math(f"aᵢ = {act.definition}"),
            "; it has no elementwise derivative: the backward pass takes ",
            Math(act.derivative),
        )
    slope = (", ", Math(f"α = {num(alpha, None)}")) if activation == "leaky_relu" else ()
    return Prose(
        Math("σ"),
        f" = {act.words}: ",
        Math(f"σ(z) = {act.definition}"),
        ", ",
        Math(f"σ′(z) = {act.derivative}"),
        *slope,
    )
