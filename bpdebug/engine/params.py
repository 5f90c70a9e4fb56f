"""Naming, reading and changing one number of a network: a weight, a bias, an input, a
target or the learning rate. A change makes a new network; the old one is untouched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..notation.numbers import sup
from ..notation.parse import shown
from .losses import target_problem
from .network import MAX_LEARNING_RATE, Network, read_only_array

MAX_MAGNITUDE = 1e9  # the default bound on any number, as for a network file (--max-magnitude)


class EditError(ValueError):
    """An edit that is refused; its text says why, in one line."""


@dataclass(frozen=True, order=True)
class ParamRef:
    """One number: W⁽ˡ⁾[i, j], b⁽ˡ⁾[i], x[i, k] (feature i of example k), y[i, k] or η."""

    tensor: str
    layer: int | None = None  # 1-based for W and b
    i: int = 0
    j: int = 0

    def label(self) -> str:
        if self.tensor == "lr":
            return "η"
        if self.tensor == "b":
            return f"b{sup(self.layer or 0)}[{self.i}]"
        name = f"W{sup(self.layer or 0)}" if self.tensor == "W" else self.tensor
        return f"{name}[{self.i},{self.j}]"

    @property
    def key(self) -> str:
        """The operand `param` name of the tensor holding it: "W2", "b1", "x", "y", "lr"."""
        return f"{self.tensor}{self.layer}" if self.tensor in ("W", "b") else self.tensor


def tensor_of(net: Network, key: str) -> np.ndarray | float:
    """The array (or η) an operand's `param` names."""
    if key == "lr":
        return net.learning_rate
    if key in ("x", "y"):
        return net.x if key == "x" else net.y
    layer = net.layers[int(key[1:]) - 1]
    return layer.W if key[0] == "W" else layer.b


def ref_for(key: str, i: int = 0, j: int = 0) -> ParamRef:
    """The ParamRef of entry (i, j) of the tensor an operand's `param` names."""
    if key in ("lr", "x", "y"):
        return ParamRef(key, None, i if key != "lr" else 0, j if key != "lr" else 0)
    return ParamRef(key[0], int(key[1:]), i, j if key[0] == "W" else 0)


def get_value(net: Network, ref: ParamRef) -> float:
    value = tensor_of(net, ref.key)
    if isinstance(value, float):
        return value
    return float(value[ref.i, ref.j] if value.ndim == 2 else value[ref.i])


def parse_value(text: str) -> float:
    """A typed number, or an EditError saying what is wrong with it."""
    stripped = text.strip()
    if not stripped:
        raise EditError("type a number")
    try:
        value = float(stripped)
    except ValueError:
        raise EditError(f"{shown(stripped)} is not a number") from None
    if not math.isfinite(value):
        raise EditError(f"{stripped} is not a finite number")
    return value


def set_value(
    net: Network, ref: ParamRef, value: float, max_magnitude: float = MAX_MAGNITUDE
) -> Network:
    """A new network with `ref` set to `value`, or an EditError if that is out of range (the
    same ranges a network file is held to: `max_magnitude` is its --max-magnitude)."""
    if not math.isfinite(value):
        raise EditError(f"{value} is not a finite number")
    if ref.tensor == "lr":
        if not 0 < value <= MAX_LEARNING_RATE:
            raise EditError(
                f"the learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}, "
                f"got {value:g}"
            )
        return replace(net, learning_rate=value)
    if abs(value) > max_magnitude:
        raise EditError(f"{value:g} is outside ±{max_magnitude:g} (the --max-magnitude limit)")
    _check_in_range(net, ref)
    if ref.tensor in ("x", "y"):
        arr = np.array(net.x if ref.tensor == "x" else net.y)
        arr[ref.i, ref.j] = value
        if ref.tensor == "x":
            return replace(net, x=read_only_array(arr))
        _check_targets(net, arr)
        return replace(net, y=read_only_array(arr))
    l = (ref.layer or 0) - 1
    layer = net.layers[l]
    if ref.tensor == "W":
        W = np.array(layer.W)
        W[ref.i, ref.j] = value
        new = replace(layer, W=read_only_array(W))
    else:
        b = np.array(layer.b)
        b[ref.i] = value
        new = replace(layer, b=read_only_array(b))
    return net.with_layers(net.layers[:l] + (new,) + net.layers[l + 1 :])


def _check_in_range(net: Network, ref: ParamRef) -> None:
    if ref.tensor in ("W", "b") and not 1 <= (ref.layer or 0) <= net.depth:
        raise EditError(f"there is no layer {ref.layer}")
    shape = np.shape(tensor_of(net, ref.key))
    i_ok = 0 <= ref.i < shape[0]
    j_ok = len(shape) < 2 or 0 <= ref.j < shape[1]
    if not (i_ok and j_ok):
        raise EditError(f"{ref.label()} is outside {ref.key} ({'×'.join(map(str, shape))})")


def _check_targets(net: Network, y: np.ndarray) -> None:
    problem = target_problem(net.loss, y)
    if problem is not None:
        raise EditError(problem[1])


def all_refs(net: Network) -> list[ParamRef]:
    """Every editable number, in file order: η, then each layer's W and b, then x and y."""
    refs = [ParamRef("lr")]
    for l, layer in enumerate(net.layers, start=1):
        refs += [ParamRef("W", l, i, j) for i, j in np.ndindex(layer.W.shape)]
        refs += [ParamRef("b", l, i) for i in range(layer.b.size)]
    refs += [ParamRef("x", None, i, k) for i, k in np.ndindex(net.x.shape)]
    refs += [ParamRef("y", None, i, k) for i, k in np.ndindex(net.y.shape)]
    return refs
