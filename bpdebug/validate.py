"""Validating a parsed network document: every problem named by its key path, one line.

`network_from_document` walks a parsed TOML or JSON document and builds the network it
describes, or raises a `NetworkFileError` ('FILE: layers[1].W: what is wrong'). Sizes are
checked against `Limits` before anything large is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import ACTIVATIONS, LOSSES, Layer, Network, read_only_array
from .engine.flat import laid_out_flat
from .engine.losses import target_problem
from .engine.network import INITS, MAX_LEARNING_RATE, init_params

TOP_KEYS = ("name", "loss", "learning_rate", "seed", "data", "layers", "optimizer")
DATA_KEYS = ("x", "y")
LAYER_KEYS = ("activation", "W", "b", "units", "init", "alpha", "frozen")
MAX_NAME = 200  # characters of a network's name


@dataclass(frozen=True)
class Limits:
    """What a file may ask for; checked before anything is allocated. Raise them by flag."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_units: int = 100_000
    max_layers: int = 1_000
    max_examples: int = 1_000_000
    max_params: int = 20_000_000
    max_magnitude: float = 1e9  # the largest |number| accepted for a weight, input or target
    max_trace_bytes: int = 2**30  # what one iteration's trace may hold in memory


DEFAULT_LIMITS = Limits()


class NetworkFileError(ValueError):
    """A problem with a network file, as one line: 'FILE: key.path: what is wrong'."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        where = f"{key}: " if key else ""
        name = source if len(source) <= 100 else source[:60] + "…" + source[-20:]
        super().__init__(f"{name}: {where}{problem}")


# ---------------------------------------------------------------- validation


def _close_matches(word: str, choices: Sequence[str], n: int = 1) -> list[str]:
    import difflib  # only when something is misspelled

    return difflib.get_close_matches(word, choices, n=n)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def kind_of(value: object) -> str:
    """What a value of a parsed document is, in words: 'the number 3', 'a list'."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"[:60]
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class _Validator:
    """Walks a parsed document, naming the key path of every problem it finds."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source, self.limits = source, limits

    def fail(self, key: str, problem: str) -> NetworkFileError:
        return NetworkFileError(self.source, key, problem)

    def check_keys(self, table: dict[str, Any], allowed: Sequence[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                close = _close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                path = f"{where}.{key}" if where else str(key)
                raise self.fail(path, f"unknown key{hint}; expected one of {', '.join(allowed)}")

    def require(self, table: dict[str, Any], key: str, where: str) -> Any:
        if key not in table:
            raise self.fail(f"{where}.{key}" if where else key, "required key is missing")
        return table[key]

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {kind_of(value)}")
        return value

    def name(self, value: Any, key: str, choices: dict[str, Any]) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a name, got {kind_of(value)}")
        if value not in choices:
            close = _close_matches(value, list(choices), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(key, f"unknown {value!r}{hint}; expected one of {', '.join(choices)}")
        return value

    def as_float(self, value: Any, key: str) -> float:
        """A number from the file as a float; an integer too large for one is refused."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"expected a number, got {kind_of(value)}")
        try:
            return float(value)
        except OverflowError:
            digits = len(str(abs(value)))
            raise self.fail(key, f"a {digits}-digit integer is too large to be a number") from None

    def number(
        self, value: Any, key: str, low: float, high: float, low_open: bool = False
    ) -> float:
        v = self.as_float(value, key)
        if not math.isfinite(v):
            raise self.fail(key, f"must be a finite number, got {value}")
        if v < low or (low_open and v <= low) or v > high:
            lo = "above" if low_open else "at least"
            raise self.fail(key, f"must be {lo} {low:g} and at most {high:g}, got {value}")
        return v

    def integer(self, value: Any, key: str, low: int, high: int, hint: str = "") -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected a whole number, got {kind_of(value)}")
        if value < low or value > high:
            got = f"{value:,}" if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
            raise self.fail(key, f"must be between {low:,} and {high:,}, got {got}{hint}")
        return value

    def matrix(self, value: Any, key: str, rows_are: str = "rows") -> list[list[float]]:
        """A rectangular list of lists of finite numbers (a flat list is one row)."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = [[value]]
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of {rows_are}, got {kind_of(value)}")
        if not value:
            raise self.fail(key, "is empty")
        if not any(isinstance(row, list) for row in value):
            value = [value]
        width = None
        out = []
        for i, row in enumerate(value):
            if not isinstance(row, list):
                raise self.fail(f"{key}[{i}]", f"expected a list of numbers, got {kind_of(row)}")
            if width is None:
                width = len(row)
            if not row:
                raise self.fail(f"{key}[{i}]", "is empty")
            if len(row) != width:
                raise self.fail(
                    f"{key}[{i}]", f"has {_count(len(row), 'number')}; row 0 has {width}"
                )
            out.append([self.entry(v, f"{key}[{i}][{j}]") for j, v in enumerate(row)])
        return out

    def vector(self, value: Any, key: str) -> list[float]:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of numbers, got {kind_of(value)}")
        if not value:
            raise self.fail(key, "is empty")
        return [self.entry(v, f"{key}[{j}]") for j, v in enumerate(value)]

    def entry(self, v: Any, key: str) -> float:
        f = self.as_float(v, key)
        if not math.isfinite(f):
            raise self.fail(key, f"must be a finite number, got {v}")
        if abs(f) > self.limits.max_magnitude:
            raise self.fail(
                key,
                f"{v} is larger than the limit of {self.limits.max_magnitude:g} "
                "(raise it with --max-magnitude)",
            )
        return f


def network_from_document(
    doc: dict[str, Any], source: str, limits: Limits = DEFAULT_LIMITS
) -> Network:
    """Validate a parsed document and build the network it describes."""
    v = _Validator(source, limits)
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
        raise v.fail("data.y", f"has {_count(len(y_rows), 'example')}; data.x has {len(x_rows)}")
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
        from .optimizer_file import read_optimizer

        net = net.with_optimizer(*read_optimizer(v, doc["optimizer"], layers))
    return laid_out_flat(net)  # one vector of parameters: updates start from it


def _examples(v: _Validator, value: Any, key: str) -> list[list[float]]:
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


def _layers(v: _Validator, docs: list[Any], n_in: int, seed: int | None, m: int) -> list[Layer]:
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


def _frozen(v: _Validator, value: Any, key: str) -> frozenset[str]:
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
    v: _Validator, doc: dict[str, Any], key: str, n_in: int, draws: _SeededDraws
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
            f"{key}.b", f"expected {_count(len(rows), 'number')} (one per unit), got {len(b)}"
        )
    return read_only_array(rows), read_only_array(b)


def _check_output(v: _Validator, layers: list[Layer], loss: str, y_rows: list[list[float]]) -> None:
    out = layers[-1]
    last = f"layers[{len(layers) - 1}]"
    if len(y_rows[0]) != out.n_out:
        raise v.fail(
            "data.y",
            f"each target has {_count(len(y_rows[0]), 'number')}; the output layer "
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
