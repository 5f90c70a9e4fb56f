"""The network file's optional [optimizer] table, and its state, read and written.

    [optimizer]
    name = "adam"              # sgd | momentum | nesterov | rmsprop | adam | adamw
    beta1 = 0.9                # and beta2, eps; momentum (momentum, nesterov); alpha (rmsprop);
    weight_decay = 0.0         # weight_decay (coupled, or decoupled for adamw); torch's defaults

    [optimizer.state]          # written by bpdebug after training; optional
    t = 3                      # the updates taken
    [optimizer.state.W1]       # per parameter, its arrays in the parameter's shape
    exp_avg = [[…]]
    exp_avg_sq = [[…]]

No table: plain gradient descent, and the file is exactly as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bpdebug.engine import Layer, read_only_array
from bpdebug.engine.optimizers import DEFAULTS, HYPER_RANGES, NAMES, STATE, Optimizer, OptState

if TYPE_CHECKING:
    from bpdebug.engine import Network
    from bpdebug.files.validator import Validator


def read_optimizer(
    v: Validator, value: Any, layers: list[Layer]
) -> tuple[Optimizer | None, OptState | None]:
    """The [optimizer] table as an Optimizer and its state (None: no state yet)."""
    table = v.table(value, "optimizer")
    name = v.name(v.require(table, "name", "optimizer"), "optimizer.name", dict.fromkeys(NAMES))
    allowed = ("name", "state", *DEFAULTS[name])
    v.check_keys(table, allowed, "optimizer")
    hyper = {}
    for key in DEFAULTS[name]:
        if key in table:
            low, high = HYPER_RANGES[key]
            hyper[key] = v.number(table[key], f"optimizer.{key}", low, high)
    try:
        optimizer = Optimizer(name, hyper)
    except ValueError as exc:
        raise v.fail("optimizer", str(exc)) from None
    if "state" not in table:
        return optimizer, None
    return optimizer, _read_state(v, table["state"], name, layers)


def _read_state(v: Validator, value: Any, name: str, layers: list[Layer]) -> OptState:
    table = v.table(value, "optimizer.state")
    t = v.integer(v.require(table, "t", "optimizer.state"), "optimizer.state.t", 0, 2**62)
    shapes = {}
    for l, layer in enumerate(layers, start=1):
        for p, tensor in (("W", layer.W), ("b", layer.b)):
            if p not in layer.frozen:
                shapes[f"{p}{l}"] = tensor.shape
    v.check_keys(table, ("t", *shapes), "optimizer.state")
    tensors: dict[str, dict[str, np.ndarray]] = {}
    for key, arrays_doc in table.items():
        if key == "t":
            continue
        where = f"optimizer.state.{key}"
        arrays = v.table(arrays_doc, where)
        v.check_keys(arrays, STATE[name], where)
        tensors[key] = {}
        for tensor_name, doc in arrays.items():
            path, shape = f"{where}.{tensor_name}", shapes[key]
            if len(shape) == 2:
                array = np.array(v.matrix(doc, path), dtype=np.float64)
            else:
                array = np.array(v.vector(doc, path), dtype=np.float64)
            if array.shape != shape:
                want, got = ("×".join(map(str, s)) for s in (shape, array.shape))
                raise v.fail(path, f"expected {want} (its parameter's shape), got {got}")
            if tensor_name in ("square_avg", "exp_avg_sq") and (array < 0).any():
                raise v.fail(path, "a running mean of squares cannot be negative")
            tensors[key][tensor_name] = read_only_array(array)
    return OptState(t, tensors)


def optimizer_document(net: Network) -> dict[str, Any] | None:
    """The [optimizer] table of `net` (None: plain gradient descent, no table)."""
    opt = net.optimizer
    if opt is None:
        return None
    table: dict[str, Any] = {"name": opt.name, **opt.hyper}
    state = net.opt_state
    if state is not None:
        table["state"] = {"t": state.t}
        for key, arrays in state.tensors.items():
            table["state"][key] = {name: a.tolist() for name, a in arrays.items()}
    return table


def optimizer_toml(table: dict[str, Any], value: Any) -> list[str]:
    """The [optimizer] table as TOML lines (`value` writes one value exactly)."""
    lines = ["", "[optimizer]"]
    lines += [f"{k} = {value(v)}" for k, v in table.items() if k != "state"]
    state = table.get("state")
    if state is not None:
        lines += ["", "[optimizer.state]", f"t = {value(state['t'])}"]
        for key, arrays in state.items():
            if key == "t":
                continue
            lines += ["", f"[optimizer.state.{key}]"]
            lines += [f"{name} = {value(a)}" for name, a in arrays.items()]
    return lines
