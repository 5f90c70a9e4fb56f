"""The one validator of parsed documents: the network file's tables and the optimizer table
walk a document with it, so every problem is named the same way ('FILE: key.path: what is
wrong') and every number is checked against the same `Limits`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


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


def close_matches(word: str, choices: Sequence[str], n: int = 1) -> list[str]:
    import difflib  # only when something is misspelled

    return difflib.get_close_matches(word, choices, n=n)


def count(n: int, noun: str) -> str:
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


class Validator:
    """Walks a parsed document, naming the key path of every problem it finds."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source, self.limits = source, limits

    def fail(self, key: str, problem: str) -> NetworkFileError:
        return NetworkFileError(self.source, key, problem)

    def check_keys(self, table: dict[str, Any], allowed: Sequence[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                close = close_matches(str(key), allowed, n=1)
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
            close = close_matches(value, list(choices), n=1)
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
                    f"{key}[{i}]", f"has {count(len(row), 'number')}; row 0 has {width}"
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
