"""Validating a parsed network document: every problem named by its key path, one line.

`network_from_document` walks a parsed TOML or JSON document and builds the network it
describes, or raises a `NetworkFileError` ('FILE: layers[1].W: what is wrong'). Sizes are
checked against `Limits` before anything large is allocated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bpdebug.engine import ACTIVATIONS, LOSSES, Layer, Network, read_only_array
from bpdebug.engine.flat import laid_out_flat
from bpdebug.engine.losses import target_problem
from bpdebug.engine.network import INITS, MAX_LEARNING_RATE, init_params
from bpdebug.files.optimizer_file import read_optimizer
from bpdebug.files.validator import DEFAULT_LIMITS as DEFAULT_LIMITS
from bpdebug.files.validator import Limits as Limits
from bpdebug.files.validator import NetworkFileError as NetworkFileError
from bpdebug.files.validator import Validator, count
from bpdebug.files.validator import kind_of as kind_of

TOP_KEYS = ("name", "loss", "learning_rate", "seed", "data", "layers", "optimizer")
DATA_KEYS = ("x", "y")
LAYER_KEYS = ("activation", "W", "b", "units", "init", "alpha", "frozen")
MAX_NAME = 200  # characters of a network's name


def network_from_document(
    doc: dict[str, Any], source: str, limits: Limits = DEFAULT_LIMITS
) -> Network:
    """Validate a parsed document and build the network it describes."""
    v = Validator(source, limits)
    v.check_keys(doc, TOP_KEYS, "")
    name = doc.get("name", "")
    if not isinstance(name, str):
        raise v.fail("name", f"expected text, got {kind_of(name)}")
    if len(name) > MAX_NAME:
        raise v.fail("name", f"is {len(name)} characters long; at most {MAX_NAME}")
    loss = v.name(v.require(doc, "loss", ""), "loss", LOSSES)
    lr = v.number(
        v.require(doc, "learning_rate", ""), "learning_rate", 0.0, MAX_LEARNING_RATE, low_open=True
    )
    seed = doc.get("seed")
    if seed is not None:
        seed = v.integer(seed, "seed", 0, 2**63 - 1)
    data = v.table(v.require(doc, "data", ""), "data")
    v.check_keys(data, DATA_KEYS, "data")
    x_rows = _examples(v, v.require(data, "x", "data"), "data.x")
    y_rows = _examples(v, v.require(data, "y", "data"), "data.y")
    if len(y_rows) != len(x_rows):
        raise v.fail("data.y", f"has {count(len(y_rows), 'example')}; data.x has {len(x_rows)}")
    layers_doc = v.require(doc, "layers", "")
    if not isinstance(layers_doc, list) or not layers_doc:
        raise v.fail("layers", "expected a list of one or more [[layers]] tables")
    if len(layers_doc) > limits.max_layers:
        raise v.fail(
            "layers", f"has {len(layers_doc):,} layers; the limit is {limits.max_layers:,}"
        )
    layers = _layers(v, layers_doc, len(x_rows[0]), seed, len(x_rows))
    _check_output(v, layers, loss, y_rows)
    x = read_only_array(np.array(x_rows, dtype=np.float64).T)
    y = read_only_array(np.array(y_rows, dtype=np.float64).T)
    net = Network(tuple(layers), loss, lr, x, y, name=name, seed=seed, source=source)
    if "optimizer" in doc:
        net = net.with_optimizer(*read_optimizer(v, doc["optimizer"], layers))
    return laid_out_flat(net)  # one vector of parameters: updates start from it


def _examples(v: Validator, value: Any, key: str) -> list[list[float]]:
    """Examples as rows: a number or a flat list is one example, a list of lists is many."""
    if isinstance(value, list) and len(value) > v.limits.max_examples:
        raise v.fail(
            key,
            f"has {len(value):,} examples; the limit is {v.limits.max_examples:,} "
            "(raise it with --max-examples)",
        )
    return v.matrix(value, key, rows_are="examples")


# A trace holds, per layer, z, a, ∂L/∂a, σ′ and δ (units × examples each) and the next
# forward pass's z and a; per parameter, the parameter, its gradient and its update.
ARRAYS_PER_UNIT_AND_EXAMPLE = 7
ARRAYS_PER_PARAMETER = 3


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


def _layers(v: Validator, docs: list[Any], n_in: int, seed: int | None, m: int) -> list[Layer]:
    draws = _SeededDraws(seed)
    layers: list[Layer] = []
    params = 0
    trace_bytes = 8 * 2 * n_in * m  # x and y, about
    for i, item in enumerate(docs):
        key = f"layers[{i}]"
        doc = v.table(item, key)
        v.check_keys(doc, LAYER_KEYS, key)
        activation = v.name(v.require(doc, "activation", key), f"{key}.activation", ACTIVATIONS)
        if activation == "softmax" and i < len(docs) - 1:
            raise v.fail(f"{key}.activation", "softmax is allowed on the output layer only")
        alpha = 0.01
        if "alpha" in doc:
            if activation != "leaky_relu":
                raise v.fail(f"{key}.alpha", f"alpha applies to leaky_relu only, not {activation}")
            alpha = v.number(doc["alpha"], f"{key}.alpha", 0.0, 1.0)
        W, b = _layer_params(v, doc, key, n_in, draws)
        params += W.size + b.size
        if params > v.limits.max_params:
            raise v.fail(
                key,
                f"brings the parameter count to {params:,}; the limit is "
                f"{v.limits.max_params:,} (raise it with --max-params)",
            )
        trace_bytes += 8 * (
            ARRAYS_PER_UNIT_AND_EXAMPLE * W.shape[0] * m + ARRAYS_PER_PARAMETER * (W.size + b.size)
        )
        if trace_bytes > v.limits.max_trace_bytes:
            raise v.fail(
                key,
                f"{W.shape[0]:,} units × {m:,} examples bring one iteration's trace to about "
                f"{human_bytes(trace_bytes)}; the limit is {human_bytes(v.limits.max_trace_bytes)}"
                " (raise it with --max-trace-bytes)",
            )
        layers.append(Layer(activation, W, b, alpha, _frozen(v, doc.get("frozen", []), key)))
        n_in = W.shape[0]
    return layers


def _frozen(v: Validator, value: Any, key: str) -> frozenset[str]:
    """`frozen = ["b"]` or `["W", "b"]`: parameters the update leaves as they are."""
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise v.fail(f"{key}.frozen", f'expected a list like ["W", "b"], got {kind_of(value)}')
    unknown = [x for x in value if x not in ("W", "b")]
    if unknown:
        raise v.fail(f"{key}.frozen", f"unknown parameter {unknown[0]!r}; expected W or b")
    return frozenset(value)


class _SeededDraws:
    """The file's random generator, made on first use: most files give W and b outright."""

    def __init__(self, seed: int | None) -> None:
        self.seed = 0 if seed is None else seed
        self._rng: np.random.Generator | None = None

    @property
    def rng(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        return self._rng


def _layer_params(
    v: Validator, doc: dict[str, Any], key: str, n_in: int, draws: _SeededDraws
) -> tuple[Any, Any]:
    has_w, has_b, has_units = "W" in doc, "b" in doc, "units" in doc
    if has_units:
        if has_w or has_b:
            raise v.fail(key, "give either units or W and b, not both")
        units = v.integer(
            doc["units"],
            f"{key}.units",
            1,
            v.limits.max_units,
            " (raise the limit with --max-units)",
        )
        if units * n_in > v.limits.max_params:
            raise v.fail(
                f"{key}.units",
                f"{units:,}×{n_in:,} weights exceed the limit of "
                f"{v.limits.max_params:,} (raise it with --max-params)",
            )
        init = v.name(doc.get("init", "xavier"), f"{key}.init", dict.fromkeys(INITS))
        return init_params(units, n_in, init, draws.rng)
    if "init" in doc:
        raise v.fail(f"{key}.init", "init applies to layers given by units")
    if not (has_w and has_b):
        missing = "b" if has_w else "W" if has_b else "W and b (or units)"
        raise v.fail(key, f"missing {missing}")
    rows = v.matrix(doc["W"], f"{key}.W")
    if len(rows[0]) != n_in:
        raise v.fail(
            f"{key}.W",
            f"expected {len(rows)}×{n_in} (one column per input), got {len(rows)}×{len(rows[0])}",
        )
    b = v.vector(doc["b"], f"{key}.b")
    if len(b) != len(rows):
        raise v.fail(
            f"{key}.b", f"expected {count(len(rows), 'number')} (one per unit), got {len(b)}"
        )
    return read_only_array(rows), read_only_array(b)


def _check_output(v: Validator, layers: list[Layer], loss: str, y_rows: list[list[float]]) -> None:
    out = layers[-1]
    last = f"layers[{len(layers) - 1}]"
    if len(y_rows[0]) != out.n_out:
        raise v.fail(
            "data.y",
            f"each target has {count(len(y_rows[0]), 'number')}; the output layer "
            f"{last} has {out.n_out} units",
        )
    needed = LOSSES[loss].requires_output
    if needed and out.activation != needed:
        raise v.fail(
            f"{last}.activation", f"{loss} needs a {needed} output layer, got {out.activation}"
        )
    problem = target_problem(loss, np.array(y_rows).T)  # the rule edits are held to too
    if problem is not None:
        example, reason = problem
        raise v.fail("data.y" if example is None else f"data.y[{example}]", reason)
