"""Naming, reading and changing one number of a network: a weight, a bias, an input, a
target or the learning rate. A change makes a new network; the old one is untouched.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from bpdebug.engine.losses import target_problem
from bpdebug.engine.network import MAX_LEARNING_RATE, Network, read_only_array
from bpdebug.notation.numbers import sup
from bpdebug.notation.parse import shown

MAX_MAGNITUDE = 1e9  # the default bound on any number, as for a network file (--max-magnitude)
HYPER_LABELS = {"momentum": "μ", "beta1": "β₁", "beta2": "β₂", "eps": "ε", "alpha": "α"}
HYPER_LABELS["weight_decay"] = "λ"
HYPER_NAMES = {  # what a person may type for each hyper-parameter
    **{k: k for k in HYPER_LABELS},
    **{v: k for k, v in HYPER_LABELS.items()},
    "β1": "beta1",
    "β2": "beta2",
    "mu": "momentum",
    "lambda": "weight_decay",
}
STATE_NAMES = {"velocity": "v", "square_avg": "s", "exp_avg": "m", "exp_avg_sq": "v"}
_STATE = re.compile(r"(?P<s>[mvs])_(?P<p>[Wb]\d+)\s*\[\s*(?P<i>\d+)\s*(?:,\s*(?P<j>\d+)\s*)?\]")


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
        if self.tensor.startswith("opt."):
            return HYPER_LABELS[self.tensor[4:]]
        if self.tensor.startswith("state."):
            return f"{self.name.split('[')[0]}{self._index()}"
        if self.tensor == "b":
            return f"b{sup(self.layer or 0)}[{self.i}]"
        name = f"W{sup(self.layer or 0)}" if self.tensor == "W" else self.tensor
        return f"{name}[{self.i},{self.j}]"

    @property
    def key(self) -> str:
        """The operand `param` name of the tensor holding it: "W2", "b1", "x", "y", "lr"."""
        return f"{self.tensor}{self.layer}" if self.tensor in ("W", "b") else self.tensor

    def _index(self) -> str:
        return f"[{self.i}]" if self.tensor.split(".")[1][0] == "b" else f"[{self.i},{self.j}]"

    @property
    def name(self) -> str:
        """Its plain name, as typed: "W2[1,0]", "b1[0]", "x[0,3]", "eta", "beta1",
        "m_W1[0,0]" (the optimizer's state: m, v or s of a parameter)."""
        if self.tensor == "lr":
            return "eta"
        if self.tensor.startswith("opt."):
            return self.tensor[4:]
        if self.tensor.startswith("state."):
            _, param, kind = self.tensor.split(".")
            return f"{STATE_NAMES[kind]}_{param}{self._index()}"
        if self.tensor == "b":
            return f"b{self.layer}[{self.i}]"
        return f"{self.key}[{self.i},{self.j}]"


def tensor_of(net: Network, key: str) -> np.ndarray | float:
    """The array (or η) an operand's `param` names: a parameter, the data, η, one of the
    optimizer's hyper-parameters ("opt.beta1", "opt.beta1_t" = β₁ᵗ of this update) or its
    state before this update ("state.W1.exp_avg", zeros before the first)."""
    if key.startswith("opt."):
        return optimizer_value(net, key[4:])
    if key.startswith("state."):
        _, param, tensor = key.split(".")
        state = net.opt_state.of(param) if net.opt_state is not None else {}
        if tensor in state:
            return state[tensor]
        shape_of = tensor_of(net, param)
        return np.zeros(np.shape(shape_of))
    if key == "lr":
        return net.learning_rate
    if key in ("x", "y"):
        return net.x if key == "x" else net.y
    layer = net.layers[int(key[1:]) - 1]
    return layer.W if key[0] == "W" else layer.b


def optimizer_value(net: Network, hyper: str) -> float:
    """A hyper-parameter of the network's optimizer; β₁ᵗ and β₂ᵗ at this update's t."""
    opt = net.optimizer
    assert opt is not None
    if hyper.endswith("_t"):
        t = (net.opt_state.t if net.opt_state is not None else 0) + 1
        return float(opt.get(hyper[:-2]) ** t)
    return float(opt.get(hyper))


def editable(key: str | None) -> bool:
    """Whether an operand's tensor is one an edit can change (a parameter, the data, η)."""
    return key is not None and not key.startswith(("opt.", "state."))


def ref_for(key: str, i: int = 0, j: int = 0) -> ParamRef:
    """The ParamRef of entry (i, j) of the tensor an operand's `param` names."""
    if key in ("lr", "x", "y"):
        return ParamRef(key, None, i if key != "lr" else 0, j if key != "lr" else 0)
    return ParamRef(key[0], int(key[1:]), i, j if key[0] == "W" else 0)


def entries_of(kind: str, layer: int | None) -> str | None:
    """The parameter whose entries a step's value has one of each: ∂L/∂W⁽ˡ⁾ and the updated
    W⁽ˡ⁾ one per entry of W⁽ˡ⁾ ("W2"), ∂L/∂b⁽ˡ⁾ and the updated b⁽ˡ⁾ one per entry of b⁽ˡ⁾."""
    if kind == "dW" or kind.startswith("W_"):  # W_new and the optimizer's factors of W
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
        return ParamRef("lr")
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
        key = f"{tensor}{layer}"
    elif layer_text:
        raise EditError(f"{tensor} has no layer: name an entry, e.g. {tensor}[0,0]")
    else:
        key = tensor
    return _entry(net, key, typed, match["i"], match["j"])


def _optimizer_name(typed: str, net: Network) -> ParamRef | None:
    """A hyper-parameter (beta1, β₁, eps …) or a state entry (m_W1[0,0]) of the optimizer."""
    from bpdebug.engine.optimizers import DEFAULTS, STATE

    opt = net.optimizer
    assert opt is not None
    hyper = HYPER_NAMES.get(typed) or HYPER_NAMES.get(typed.lower())
    if hyper is not None:
        if hyper not in DEFAULTS[opt.name]:
            raise EditError(f"{opt.name} has no {hyper}: it takes {', '.join(DEFAULTS[opt.name])}")
        return ParamRef(f"opt.{hyper}")
    match = _STATE.fullmatch(typed)
    if match is None:
        return None
    kinds = [k for k in STATE[opt.name] if STATE_NAMES[k] == match["s"]]
    if not kinds:
        kept = ", ".join(STATE[opt.name]) or "none"
        raise EditError(f"{opt.name} keeps no {match['s']}: its state is {kept}")
    key = f"state.{match['p']}.{kinds[0]}"
    try:
        shape = np.shape(tensor_of(net, key))
    except (IndexError, ValueError):
        raise EditError(f"there is no {match['p']} in this network") from None
    ref = ParamRef(key, None, int(match["i"]), int(match["j"] or 0))
    if ref.i >= shape[0] or (len(shape) == 2 and ref.j >= shape[1]):
        raise EditError(f"{ref.name} is outside {match['p']}, which is {'×'.join(map(str, shape))}")
    return ref


def _entry(net: Network, key: str, typed: str, i: str | None, j: str | None) -> ParamRef:
    """Entry (i, j) of tensor `key`, checked against its shape (a lone entry may be left out)."""
    shape = np.shape(tensor_of(net, key))
    dims = f"{shape[0]}×{shape[1]}" if len(shape) == 2 else f"a vector of {shape[0]}"
    if i is None:
        if int(np.prod(shape)) != 1:
            example = f"{key}[0,0]" if len(shape) == 2 else f"{key}[0]"
            raise EditError(f"{key} is {dims}: name one entry, e.g. {example}")
        return ref_for(key)
    if len(shape) == 1 and j is not None:
        raise EditError(f"{key} is {dims}: one index, e.g. {key}[{i}]")
    if len(shape) == 2 and j is None:
        if shape[1] != 1:
            raise EditError(f"{key} is {dims}: two indices, e.g. {key}[{i},0]")
        j = "0"
    ref = ref_for(key, int(i), int(j or 0))
    if ref.i >= shape[0] or (len(shape) == 2 and ref.j >= shape[1]):
        raise EditError(f"{ref.name} is outside {key}, which is {dims}")
    return ref


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
    if ref.tensor.startswith(("opt.", "state.")):
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
    from bpdebug.engine.optimizers import Optimizer, OptState

    opt = net.optimizer
    if opt is None:
        raise EditError("this network has no [optimizer]")
    if ref.tensor.startswith("opt."):
        try:
            new_opt = Optimizer(opt.name, {**opt.hyper, ref.tensor[4:]: value})
        except ValueError as exc:
            raise EditError(str(exc)) from None
        return net.with_optimizer(new_opt, net.opt_state)
    if abs(value) > limit:
        raise EditError(f"{value:g} is outside ±{limit:g} (the --max-magnitude limit)")
    _, param, kind = ref.tensor.split(".")
    if kind in ("square_avg", "exp_avg_sq") and value < 0:
        raise EditError("a running mean of squares cannot be negative")
    arr = np.array(tensor_of(net, ref.tensor))
    arr[(ref.i, ref.j) if arr.ndim == 2 else (ref.i,)] = value
    state = net.opt_state or OptState()
    tensors = {k: dict(v) for k, v in state.tensors.items()}
    tensors.setdefault(param, {})[kind] = read_only_array(arr)
    return net.with_optimizer(opt, OptState(state.t, tensors))


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
        out.append(Change(ParamRef("lr"), old.learning_rate, new.learning_rate))
    keys = [f"{t}{l}" for l in range(1, new.depth + 1) for t in "Wb"] + ["x", "y"]
    for key in keys:
        a = np.asarray(tensor_of(old, key), dtype=float)
        b = np.asarray(tensor_of(new, key), dtype=float)
        if a.shape != b.shape:
            raise ValueError(f"{key} is {a.shape} in one network and {b.shape} in the other")
        with np.errstate(invalid="ignore"):
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        for flat in np.flatnonzero(~same):
            index = np.unravel_index(flat, a.shape)
            i, j = int(index[0]), int(index[1]) if len(index) == 2 else 0
            out.append(Change(ref_for(key, i, j), float(a[index]), float(b[index])))
    return out
