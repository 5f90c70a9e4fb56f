"""Naming, reading and changing one number of a network: a weight, a bias, an input, a
target or the learning rate. A change makes a new network; the old one is untouched.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.losses import target_problem
from bpdebug.engine.network import MAX_LEARNING_RATE, Network, read_only_array
from bpdebug.engine.optimizers import DEFAULTS, HYPER_RANGES, STATE, Optimizer, OptState
from bpdebug.engine.vocabulary import (
    HYPER_SYMBOLS,
    LEARNING_RATE,
    PARAMS,
    STATE_SYMBOLS,
    TensorRef,
    X,
    Y,
    hyper,
    parameter,
    state,
    tensor_named,
)
from bpdebug.notation.numbers import sup
from bpdebug.notation.parse import shown

MAX_MAGNITUDE = 1e9  # the default bound on any number, as for a network file (--max-magnitude)
HYPER_NAMES = {  # what a person may type for each hyper-parameter (β₁ᵗ is not set but read)
    **{k: k for k in HYPER_RANGES},
    **{HYPER_SYMBOLS[k]: k for k in HYPER_RANGES},
    "β1": "beta1",
    "β2": "beta2",
    "mu": "momentum",
    "lambda": "weight_decay",
}
_STATE = re.compile(
    r"(?P<s>[mvs])_(?P<p>[Wb])(?P<l>\d+)\s*\[\s*(?P<i>\d+)\s*(?:,\s*(?P<j>\d+)\s*)?\]"
)


class EditError(ValueError):
    """An edit that is refused; its text says why, in one line."""


@dataclass(frozen=True, order=True)
class ParamRef:
    """One number: W⁽ˡ⁾[i, j], b⁽ˡ⁾[i], x[i, k] (feature i of example k), y[i, k], η, a
    hyper-parameter of the optimizer, or entry [i, j] of its state; an entry of `source`."""

    tensor: str  # the kind of tensor: "W", "b", "x", "y", "lr", "hyper" or "state"
    layer: int | None = None  # 1-based for W and b (and the parameter a state belongs to)
    i: int = 0
    j: int = 0
    which: str = ""  # "hyper": which one ("beta1"); "state": which array ("exp_avg")
    of: str = ""  # "state": the parameter it belongs to, "W" or "b"

    @property
    def source(self) -> TensorRef:
        """The tensor it is an entry of."""
        return TensorRef(self.tensor, self.layer, self.which, self.of)

    def label(self) -> str:
        if self.tensor == "lr":
            return "η"
        if self.tensor == "hyper":
            return HYPER_SYMBOLS[self.which]
        if self.tensor == "state":
            return f"{self.key}{self._index()}"
        if self.tensor == "b":
            return f"b{sup(self.layer or 0)}[{self.i}]"
        name = f"W{sup(self.layer or 0)}" if self.tensor == "W" else self.tensor
        return f"{name}[{self.i},{self.j}]"

    @property
    def key(self) -> str:
        """The screens' name of the tensor holding it: "W2", "b1", "x", "y", "lr"."""
        return self.source.key

    def _index(self) -> str:
        return f"[{self.i}]" if self.of == "b" else f"[{self.i},{self.j}]"

    @property
    def name(self) -> str:
        """Its plain name, as typed: "W2[1,0]", "b1[0]", "x[0,3]", "eta", "beta1",
        "m_W1[0,0]" (the optimizer's state: m, v or s of a parameter)."""
        if self.tensor == "lr":
            return "eta"
        if self.tensor == "hyper":
            return self.which
        if self.tensor == "state":
            return f"{self.key}{self._index()}"
        if self.tensor == "b":
            return f"b{self.layer}[{self.i}]"
        return f"{self.key}[{self.i},{self.j}]"


def entry(ref: TensorRef, i: int = 0, j: int = 0) -> ParamRef:
    """Entry (i, j) of the tensor `ref` (a vector's entries have no j; η has one entry)."""
    if ref.kind in ("lr", "hyper"):
        i, j = 0, 0
    elif ref.kind == "b" or (ref.kind == "state" and ref.of == "b"):
        j = 0
    return ParamRef(ref.kind, ref.layer, i, j, ref.which, ref.of)


def value_of(net: Network, ref: TensorRef) -> Array | float:
    """The array (or number) `ref` names: a parameter, the data, η, one of the optimizer's
    hyper-parameters (β₁ᵗ: β₁ to the power of this update's t) or its state before this
    update (zeros before the first)."""
    if ref.kind == "hyper":
        return optimizer_value(net, ref.which)
    if ref.kind == "state":
        arrays = net.opt_state.of(ref.param.key) if net.opt_state is not None else {}
        if ref.which in arrays:
            return arrays[ref.which]
        return np.zeros(np.shape(value_of(net, ref.param)))
    if ref.kind == "lr":
        return net.learning_rate
    if ref.kind in ("x", "y"):
        return net.x if ref.kind == "x" else net.y
    layer = net.layers[(ref.layer or 0) - 1]
    return layer.W if ref.kind == "W" else layer.b


def tensor_of(net: Network, key: str) -> Array | float:
    """The array (or η) a screen's key names ("W2", "b1", "x", "y", "lr")."""
    return value_of(net, tensor_named(key))


def optimizer_value(net: Network, which: str) -> float:
    """A hyper-parameter of the network's optimizer; β₁ᵗ and β₂ᵗ at this update's t."""
    opt = net.optimizer
    assert opt is not None
    if which.endswith("_t"):
        t = (net.opt_state.t if net.opt_state is not None else 0) + 1
        return float(opt.get(which[:-2]) ** t)
    return float(opt.get(which))


def ref_for(key: str, i: int = 0, j: int = 0) -> ParamRef:
    """The ParamRef of entry (i, j) of the tensor a screen's key names ("W2", "x", "lr")."""
    return entry(tensor_named(key), i, j)


def entries_of(kind: str, layer: int | None) -> str | None:
    """The parameter whose entries a step's value has one of each, by its key: ∂L/∂W⁽ˡ⁾ and
    the updated W⁽ˡ⁾ one per entry of W⁽ˡ⁾ ("W2"), ∂L/∂b⁽ˡ⁾ and the updated b⁽ˡ⁾ one per
    entry of b⁽ˡ⁾."""
    if kind == "dW" or kind.startswith("W_"):  # W_new and the optimizer's stages of W
        return f"W{layer}"
    if kind == "db" or kind.startswith("b_"):
        return f"b{layer}"
    return None


_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_NAME = re.compile(
    r"(?P<t>[WwBbXxYy])\s*(?:⁽(?P<sl>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾|(?P<l>\d+))?\s*"
    r"(?:\[\s*(?P<i>\d+)\s*(?:(?:,|\]\s*\[)\s*(?P<j>\d+)\s*)?\])?"
)
LEARNING_RATE_NAMES = ("eta", "η", "lr", "learning_rate", "learning rate")
NAME_EXAMPLES = "W1[0,1], b2[0], eta, x[0,0] or y[0,0]"


def parse_name(text: str, net: Network) -> ParamRef:
    """The parameter a plain name stands for: W2[1,0] (also W⁽²⁾[1,0], W2[1][0]), b1[0],
    x[0,3], y[1,0], eta (or η, lr). Layers count from 1, entries from 0, as on screen; an
    entry may be left out where the tensor has only one. EditError says what is wrong."""
    typed = text.strip()
    if typed.lower() in LEARNING_RATE_NAMES:
        return entry(LEARNING_RATE)
    if net.optimizer is not None:
        found = _optimizer_name(typed, net)
        if found is not None:
            return found
    match = _NAME.fullmatch(typed)
    if match is None or not typed:
        raise EditError(f"no parameter is named {shown(typed)}: try {NAME_EXAMPLES}")
    tensor = match["t"].lower() if match["t"] in "XxYy" else match["t"].upper()
    tensor = "b" if tensor == "B" else tensor
    layer_text = match["l"] or (match["sl"] or "").translate(_SUPERSCRIPT_DIGITS)
    if tensor in ("W", "b"):
        if not layer_text:
            raise EditError(f"{shown(typed)} needs a layer: {tensor}1 … {tensor}{net.depth}")
        layer = int(layer_text)
        if not 1 <= layer <= net.depth:
            layers = "layer" if net.depth == 1 else f"layers 1 to {net.depth}"
            raise EditError(f"there is no layer {layer}: this network has {layers}")
        ref = parameter(tensor, layer)
    elif layer_text:
        raise EditError(f"{tensor} has no layer: name an entry, e.g. {tensor}[0,0]")
    else:
        ref = TensorRef(tensor)
    return _entry(net, ref, match["i"], match["j"])


def _optimizer_name(typed: str, net: Network) -> ParamRef | None:
    """A hyper-parameter (beta1, β₁, eps …) or a state entry (m_W1[0,0]) of the optimizer."""
    opt = net.optimizer
    assert opt is not None
    which = HYPER_NAMES.get(typed) or HYPER_NAMES.get(typed.lower())
    if which is not None:
        if which not in DEFAULTS[opt.name]:
            raise EditError(f"{opt.name} has no {which}: it takes {', '.join(DEFAULTS[opt.name])}")
        return entry(hyper(which))
    match = _STATE.fullmatch(typed)
    if match is None:
        return None
    kinds = [k for k in STATE[opt.name] if STATE_SYMBOLS[k] == match["s"]]
    if not kinds:
        held = ", ".join(STATE[opt.name]) or "none"
        raise EditError(f"{opt.name} keeps no {match['s']}: its state is {held}")
    of = parameter(match["p"], int(match["l"]))
    try:
        shape = np.shape(value_of(net, state(kinds[0], of)))
    except (IndexError, ValueError):
        raise EditError(f"there is no {of.key} in this network") from None
    i, j = int(match["i"]), int(match["j"] or 0)
    ref = ParamRef("state", of.layer, i, j, kinds[0], of.kind)
    if ref.i >= shape[0] or (len(shape) == 2 and ref.j >= shape[1]):
        raise EditError(f"{ref.name} is outside {of.key}, which is {'×'.join(map(str, shape))}")
    return ref


def _entry(net: Network, tensor: TensorRef, i: str | None, j: str | None) -> ParamRef:
    """Entry (i, j) of `tensor`, checked against its shape (a lone entry may be left out)."""
    key = tensor.key
    shape = np.shape(value_of(net, tensor))
    dims = f"{shape[0]}×{shape[1]}" if len(shape) == 2 else f"a vector of {shape[0]}"
    if i is None:
        if int(np.prod(shape)) != 1:
            example = f"{key}[0,0]" if len(shape) == 2 else f"{key}[0]"
            raise EditError(f"{key} is {dims}: name one entry, e.g. {example}")
        return entry(tensor)
    if len(shape) == 1 and j is not None:
        raise EditError(f"{key} is {dims}: one index, e.g. {key}[{i}]")
    if len(shape) == 2 and j is None:
        if shape[1] != 1:
            raise EditError(f"{key} is {dims}: two indices, e.g. {key}[{i},0]")
        j = "0"
    ref = entry(tensor, int(i), int(j or 0))
    if ref.i >= shape[0] or (len(shape) == 2 and ref.j >= shape[1]):
        raise EditError(f"{ref.name} is outside {key}, which is {dims}")
    return ref


def get_value(net: Network, ref: ParamRef) -> float:
    value = value_of(net, ref.source)
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
    if not ref.source.editable:
        return _set_optimizer_value(net, ref, value, max_magnitude)
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


def _set_optimizer_value(net: Network, ref: ParamRef, value: float, limit: float) -> Network:
    """A hyper-parameter (held to the file's ranges) or one entry of the optimizer's state."""
    opt = net.optimizer
    if opt is None:
        raise EditError("this network has no [optimizer]")
    if ref.tensor == "hyper":
        try:
            new_opt = Optimizer(opt.name, {**opt.hyper, ref.which: value})
        except ValueError as exc:
            raise EditError(str(exc)) from None
        return net.with_optimizer(new_opt, net.opt_state)
    if abs(value) > limit:
        raise EditError(f"{value:g} is outside ±{limit:g} (the --max-magnitude limit)")
    if ref.which in ("square_avg", "exp_avg_sq") and value < 0:
        raise EditError("a running mean of squares cannot be negative")
    arr = np.array(value_of(net, ref.source))
    arr[(ref.i, ref.j) if arr.ndim == 2 else (ref.i,)] = value
    before = net.opt_state or OptState()
    tensors = {k: dict(v) for k, v in before.tensors.items()}
    tensors.setdefault(ref.source.param.key, {})[ref.which] = read_only_array(arr)
    return net.with_optimizer(opt, OptState(before.t, tensors))


def _check_in_range(net: Network, ref: ParamRef) -> None:
    if ref.tensor in ("W", "b") and not 1 <= (ref.layer or 0) <= net.depth:
        raise EditError(f"there is no layer {ref.layer}")
    shape = np.shape(value_of(net, ref.source))
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
    refs = [entry(LEARNING_RATE)]
    for l, layer in enumerate(net.layers, start=1):
        refs += [ParamRef("W", l, i, j) for i, j in np.ndindex(layer.W.shape)]
        refs += [ParamRef("b", l, i) for i in range(layer.b.size)]
    refs += [ParamRef("x", None, i, k) for i, k in np.ndindex(net.x.shape)]
    refs += [ParamRef("y", None, i, k) for i, k in np.ndindex(net.y.shape)]
    return refs


class Change(NamedTuple):
    """One number that differs between two networks of the same shape."""

    ref: ParamRef
    old: float
    new: float


def differences(old: Network, new: Network) -> list[Change]:
    """Every number of `new` that differs from `old` (same shapes), in file order: η, each
    layer's W and b, then x and y. nan equals nan here: only real changes are listed."""
    out = []
    if old.learning_rate != new.learning_rate:
        out.append(Change(entry(LEARNING_RATE), old.learning_rate, new.learning_rate))
    tensors = [parameter(p, l) for l in range(1, new.depth + 1) for p in PARAMS] + [X, Y]
    for tensor in tensors:
        a = np.asarray(value_of(old, tensor), dtype=float)
        b = np.asarray(value_of(new, tensor), dtype=float)
        if a.shape != b.shape:
            raise ValueError(f"{tensor.key} is {a.shape} in one network and {b.shape} in the other")
        with np.errstate(invalid="ignore"):
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        for flat in np.flatnonzero(~same):
            index = np.unravel_index(flat, a.shape)
            i, j = int(index[0]), int(index[1]) if len(index) == 2 else 0
            out.append(Change(entry(tensor, i, j), float(a[index]), float(b[index])))
    return out
