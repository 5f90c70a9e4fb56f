"""The gradient flow of training, one row per iteration: the loss and, per layer, ‖δ⁽ˡ⁾‖,
‖∂L/∂W⁽ˡ⁾‖, ‖W⁽ˡ⁾‖ and the dead relu units; recorded by training (training.py), computed
from a trace for the iteration a person looks at (`flow_of_trace`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.trace import Trace


def norm(a: Array) -> float:
    """‖a‖, the Frobenius norm: √(Σ a²) over every entry."""
    flat = a.reshape(-1)
    squares = float(np.dot(flat, flat))  # (callers ignore overflow: it is handled below)
    if math.isinf(squares) and np.isfinite(flat).all():  # entries past 1e154: scale first
        largest = float(np.max(np.abs(flat)))
        return largest * float(np.sqrt(np.dot(flat / largest, flat / largest)))
    return math.sqrt(squares) if squares >= 0 else squares  # nan stays nan


def dead_units(z: Array) -> int:
    """Units whose z ≤ 0 for every example of the batch (a relu gives them no gradient)."""
    return int(np.count_nonzero(np.all(z <= 0, axis=1)))


@dataclass(frozen=True, eq=False)
class Flow:
    """The gradient flow of some iterations, one row each: the iteration, its loss, and per
    layer l = 1..L (columns) ‖δ⁽ˡ⁾‖, ‖∂L/∂W⁽ˡ⁾‖, ‖W⁽ˡ⁾‖ (the parameters it starts from) and
    the dead relu units (−1 where the layer is not a relu). Arrays nobody changes."""

    iteration: np.ndarray  # (n,) int
    loss: np.ndarray  # (n,)
    delta: np.ndarray  # (n, L)
    dW: np.ndarray
    W: np.ndarray
    dead: np.ndarray  # (n, L) int

    @property
    def rows(self) -> int:
        return int(self.iteration.shape[0])

    def take(self, rows: slice | np.ndarray) -> Flow:
        return Flow(*(getattr(self, f)[rows] for f in FLOW_FIELDS))

    def shifted(self, by: int) -> Flow:
        """The same rows, their iterations counted from `by`."""
        return Flow(self.iteration + by, self.loss, self.delta, self.dW, self.W, self.dead)

    def thinned(self, most: int) -> Flow:
        """At most `most` rows: every k-th, and the last (a long history, evenly spaced)."""
        if self.rows <= most:
            return self
        keep = np.arange(0, self.rows, -(-self.rows // (most - 1)))
        return self.take(np.append(keep[keep < self.rows - 1], self.rows - 1))

    @staticmethod
    def join(*flows: Flow) -> Flow:
        return Flow(*(np.concatenate([getattr(f, name) for f in flows]) for name in FLOW_FIELDS))


FLOW_FIELDS = ("iteration", "loss", "delta", "dW", "W", "dead")
HISTORY_ROWS = 50_000  # the app keeps a longer gradient-flow history evenly thinned to this
QUANTITIES = ("delta", "dW", "W", "dead")  # the per-layer columns
QUANTITY_NAMES = {"delta": "‖δ‖", "dW": "‖∂L/∂W‖", "W": "‖W‖", "dead": "dead relu units"}


def flow_of_trace(trace: Trace, iteration: int = 0) -> Flow:
    """The gradient flow of the iteration a trace records (what training records for it)."""
    with np.errstate(all="ignore"):  # an overflowing network's norms are inf, not warnings
        return _flow_of_trace(trace, iteration)


def _flow_of_trace(trace: Trace, iteration: int) -> Flow:
    net = trace.network
    layers = range(1, net.depth + 1)

    def dead(l: int) -> int:
        relu = net.layers[l - 1].activation == "relu"
        return dead_units(np.asarray(trace.find("z", l).value)) if relu else -1

    return Flow(
        np.array([iteration]),
        np.array([trace.loss]),
        np.array([[norm(np.asarray(trace.find("delta", l).value)) for l in layers]]),
        np.array([[norm(np.asarray(trace.find("dW", l).value)) for l in layers]]),
        np.array([[norm(net.layers[l - 1].W) for l in layers]]),
        np.array([[dead(l) for l in layers]]),
    )


class Recorder:
    """Flow rows as they come, into arrays that grow by doubling. With `cap`, when full it
    keeps every other row and records every other iteration from then on: any number of
    iterations fit in `cap` rows, evenly spaced (the app's history); `every` K records every
    K-th iteration only (a log's --every)."""

    def __init__(self, depth: int, every: int = 1, cap: int | None = None) -> None:
        self.every, self.cap = every, cap
        self._n = 0
        size = 256 if cap is None else min(256, cap)
        self._it = np.empty(size, dtype=np.int64)
        self._loss = np.empty(size)
        self._cols = {q: np.empty((size, depth)) for q in ("delta", "dW", "W")}
        self._dead = np.empty((size, depth), dtype=np.int64)

    def wants(self, iteration: int) -> bool:
        return iteration % self.every == 0

    def add(
        self,
        iteration: int,
        loss: float,
        cols: dict[str, list[float]],
        dead: list[int],
        force: bool = False,
    ) -> None:
        """One iteration's row (`force`: even where the spacing would skip it: the last)."""
        if self.cap is not None and self._n >= self.cap:
            self._halve()
            if not (force or self.wants(iteration)):
                return
        if self._n == self._it.shape[0]:
            self._grow()
        k = self._n
        self._it[k], self._loss[k] = iteration, loss
        for q, values in cols.items():
            self._cols[q][k] = values
        self._dead[k] = dead
        self._n += 1

    def _grow(self) -> None:
        size = self._it.shape[0] * 2
        if self.cap is not None:
            size = min(size, self.cap)
        self._it = np.resize(self._it, size)
        self._loss = np.resize(self._loss, size)
        self._cols = {q: np.resize(a, (size, a.shape[1])) for q, a in self._cols.items()}
        self._dead = np.resize(self._dead, (size, self._dead.shape[1]))

    def _halve(self) -> None:
        keep = slice(0, self._n, 2)
        n = len(range(self._n)[keep])
        self._it[:n], self._loss[:n] = self._it[keep], self._loss[keep]
        for a in (*self._cols.values(), self._dead):
            a[:n] = a[keep]
        self._n = n
        self.every *= 2

    def flow(self) -> Flow:
        n = self._n
        return Flow(
            self._it[:n].copy(),
            self._loss[:n].copy(),
            self._cols["delta"][:n].copy(),
            self._cols["dW"][:n].copy(),
            self._cols["W"][:n].copy(),
            self._dead[:n].copy(),
        )
