"""The optimizers people train with, one stage at a time: momentum, Nesterov, RMSProp, Adam and
AdamW (and plain gradient descent with weight decay), as torch.optim defines them.

`update(opt, θ, ∂L/∂θ, state, t, η)` returns every stage of one parameter's update in order (the
steps a person steps through: the gradient with coupled weight decay, the velocity or the
moments, their bias corrections, the look-ahead, then the new parameter) and the state the
next iteration starts from. The trace's update phase and training both call it, so their
numbers are the same; tests/engine/test_optimizers.py holds it to torch.optim.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from bpdebug.engine.activations import Array

NAMES = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")

# torch.optim's defaults; "momentum" and "nesterov" are SGD with momentum, whose torch default
# (0) would make them plain SGD: they take the usual 0.9 instead.
DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {"weight_decay": 0.0},
    "momentum": {"momentum": 0.9, "weight_decay": 0.0},
    "nesterov": {"momentum": 0.9, "weight_decay": 0.0},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
}
STATE = {  # what each keeps per parameter between iterations (beside the step count t)
    "sgd": (),
    "momentum": ("velocity",),
    "nesterov": ("velocity",),
    "rmsprop": ("square_avg",),
    "adam": ("exp_avg", "exp_avg_sq"),
    "adamw": ("exp_avg", "exp_avg_sq"),
}


@dataclass(frozen=True)
class Optimizer:
    """An optimizer and its hyper-parameters (those it does not take are ignored)."""

    name: str = "sgd"
    hyper: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise ValueError(f"{self.name!r} is not an optimizer ({', '.join(NAMES)})")
        unknown = set(self.hyper) - set(DEFAULTS[self.name])
        if unknown:
            takes = ", ".join(DEFAULTS[self.name])
            raise ValueError(f"{self.name} takes {takes}, not {', '.join(sorted(unknown))}")
        for key, value in self.hyper.items():
            _check(key, value)

    def get(self, key: str) -> float:
        return self.hyper.get(key, DEFAULTS[self.name][key])

    @property
    def key(self) -> tuple[str, bool]:
        """What the plan's steps depend on: the optimizer, and whether it decays weights."""
        return self.name, bool(self.get("weight_decay"))

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.hyper.items()))))


# (low, high): each hyper-parameter's range, one rule for the file's [optimizer] table and for
# an edit in the app alike (so whatever an edit makes, a file can hold).
HYPER_RANGES = {
    "momentum": (0.0, 0.999999),
    "beta1": (0.0, 0.999999),
    "beta2": (0.0, 0.999999),
    "alpha": (0.0, 0.999999),
    "eps": (1e-300, 1.0),
    "weight_decay": (0.0, 1e6),
}


def _check(key: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number, got {value}")
    low, high = HYPER_RANGES[key]
    if low <= value <= high:
        return
    if key == "eps":
        raise ValueError(f"eps must be positive (from {low:g} to {high:g}), got {value}")
    if key == "weight_decay":
        raise ValueError(f"weight_decay must be 0 or more (at most {high:g}), got {value}")
    raise ValueError(f"{key} must be in [0, 1) (at most {high:g}), got {value}")


class Stage(NamedTuple):
    """One stage of an update: what it is (its kind), and its value."""

    kind: str  # "g", "velocity", "lookahead", "square_avg", "exp_avg", "exp_avg_sq",
    #            "exp_avg_hat", "exp_avg_sq_hat", "decayed", "new"
    value: Array


def update(
    opt: Optimizer,
    theta: Array,
    grad: Array,
    state: dict[str, Array],
    t: int,
    learning_rate: float,
    stages: bool = True,
) -> tuple[list[Stage], dict[str, Array]]:
    """One parameter's update at step t (1, 2, …): every stage in order, the last the new
    parameter, and the state after it. `state` is empty at t = 1 (zeros, as torch starts).
    `stages=False` (training): only the new parameter, the same numbers with less bookkeeping."""
    name, wd = opt.name, opt.get("weight_decay")
    done: list[Stage] = []
    add: Callable[[Stage], object] = done.append if stages else _ignore
    if name == "adamw":
        theta = theta * (
            1 - learning_rate * wd
        )  # decoupled: the parameter shrinks, the gradient doesn't
        add(Stage("decayed", theta))
        g = grad
    else:
        g = grad + wd * theta if wd else grad
        if wd:
            add(Stage("g", g))
    new_state: dict[str, Array] = {}
    if name == "sgd":
        step = g
    elif name in ("momentum", "nesterov"):
        mu = opt.get("momentum")
        v = mu * state["velocity"] + g if "velocity" in state else g.copy()  # torch: g first
        new_state["velocity"] = v
        add(Stage("velocity", v))
        if name == "nesterov":
            step = g + mu * v
            add(Stage("lookahead", step))
        else:
            step = v
    elif name == "rmsprop":
        alpha, eps = opt.get("alpha"), opt.get("eps")
        sq = state.get("square_avg", np.zeros_like(g)) * alpha + (1 - alpha) * (g * g)
        new_state["square_avg"] = sq
        add(Stage("square_avg", sq))
        step = g / (np.sqrt(sq) + eps)
    else:  # adam, adamw
        b1, b2, eps = opt.get("beta1"), opt.get("beta2"), opt.get("eps")
        # β₁m + (1 − β₁)g and β₂v + (1 − β₂)g², each operation rounded as written, with as
        # few temporary arrays as that allows (training runs this for every parameter).
        m = _scaled(state.get("exp_avg"), b1, g)
        m += _times(g, 1 - b1)
        square = g * g
        square *= 1 - b2
        v = _scaled(state.get("exp_avg_sq"), b2, g)
        v += square
        new_state["exp_avg"], new_state["exp_avg_sq"] = m, v
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        add(Stage("exp_avg", m))
        add(Stage("exp_avg_sq", v))
        add(Stage("exp_avg_hat", m_hat))
        add(Stage("exp_avg_sq_hat", v_hat))
        step = np.sqrt(v_hat)
        step += eps
        np.divide(m_hat, step, out=step)  # m̂ / (√v̂ + ε), in a temporary of its own
        step *= learning_rate
        done.append(Stage("new", theta - step))
        return done, new_state
    done.append(Stage("new", theta - learning_rate * step))
    return done, new_state


def _ignore(stage: Stage) -> None:
    """Training's `add`: the stages are not kept, only computed."""


def _scaled(previous: Array | None, factor: float, like: Array) -> Array:
    """factor · previous, or zeros where there is no previous yet (0 + x is x exactly)."""
    return factor * previous if previous is not None else np.zeros_like(like)


def _times(a: Array, factor: float) -> Array:
    return a * factor


def run(
    opt: Optimizer,
    params: list[Array],
    grad_of: object,
    learning_rate: float,
    iterations: int,
) -> tuple[list[Array], list[dict[str, Array]]]:
    """`iterations` updates of every parameter; `grad_of(params)` gives their gradients.
    The parameters and the state at the end (the reference the tests hold torch to)."""
    state: list[dict[str, Array]] = [{} for _ in params]
    for t in range(1, iterations + 1):
        grads = grad_of(params)  # type: ignore[operator]
        new_params = []
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            stages, state[k] = update(opt, p, g, state[k], t, learning_rate)
            new_params.append(stages[-1].value)
        params = new_params
    return params, state


@dataclass(frozen=True, eq=False)
class OptState:
    """What an optimizer carries from one iteration to the next: the updates taken so far (t)
    and, per parameter ("W1", "b1", …), its arrays (zeros before the first update)."""

    t: int = 0
    tensors: dict[str, dict[str, Array]] = field(default_factory=dict)

    def of(self, key: str) -> dict[str, Array]:
        return self.tensors.get(key, {})

    def same_as(self, other: OptState | None) -> bool:
        if other is None or self.t != other.t or set(self.tensors) != set(other.tensors):
            return False
        for key, arrays in self.tensors.items():
            theirs = other.tensors[key]
            if set(arrays) != set(theirs):
                return False
            for name, a in arrays.items():
                if a.shape != theirs[name].shape or a.tobytes() != theirs[name].tobytes():
                    return False
        return True


def plain(opt: Optimizer | None) -> bool:
    """Whether updates are today's θ − η ∂L/∂θ (no optimizer, or sgd without weight decay)."""
    return opt is None or (opt.name == "sgd" and not opt.get("weight_decay"))
