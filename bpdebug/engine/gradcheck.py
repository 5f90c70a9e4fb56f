"""Central finite differences of the loss, entry by entry, against backprop's gradients.

`numeric_gradient` is the definition: each entry θ moved by ±h, the whole forward pass run
again. `check_gradients` gets the same numbers bit for bit with less work
(tests/robustness/test_bounds.py holds it to the definition):

- Moving an entry of layer l changes nothing before layer l, so its pass starts there, from
  the unmoved a⁽ˡ⁻¹⁾: the same operations on the same numbers, about half the layer
  evaluations of a deep network (Σₗ (L − l + 1) instead of L per entry).
- A layer with one input and an elementwise σ computes each column of z as one product plus
  b, whatever stands beside it (no sum whose order BLAS could choose by the array's shape). The
  passes go through such a layer side by side, one NumPy call for all of them: a deep scalar
  chain costs about L calls, not L².
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from bpdebug.engine import backprop
from bpdebug.engine.activations import Array
from bpdebug.engine.layers.dense import Layer
from bpdebug.engine.network import Network, read_only_array

STEP = 1e-5  # h, scaled by max(1, |θ|): balances truncation O(h²) against rounding O(ε/h)
# Finite differences in float64 resolve a gradient only to about 1e-11·|L| (rounding of L,
# divided by 2h), so entries smaller than FLOOR·max(1, |L|) are compared absolutely.
FLOOR = 1e-4


def relative_error(g: Array, g_fd: Array, loss: float = 1.0) -> Array:
    """|g − ĝ| / max(|g|, |ĝ|, FLOOR·max(1, |L|)), entry by entry."""
    floor = FLOOR * max(1.0, abs(loss)) if np.isfinite(loss) else FLOOR
    return np.abs(g - g_fd) / np.maximum(np.maximum(np.abs(g), np.abs(g_fd)), floor)


@dataclass(frozen=True)
class TensorCheck:
    """One parameter tensor: backprop's gradient, the finite-difference estimate, the error."""

    name: str  # "W1", "b2"
    backprop: Array
    numeric: Array
    loss: float

    @property
    def error(self) -> Array:
        return relative_error(self.backprop, self.numeric, self.loss)

    @property
    def finite(self) -> bool:
        """Whether backprop's gradient and the estimate are finite everywhere."""
        return bool(np.all(np.isfinite(self.backprop)) and np.all(np.isfinite(self.numeric)))

    @property
    def max_error(self) -> float:
        """The largest relative error; nan where anything is not finite (no verdict holds)."""
        if not self.finite:
            return float("nan")
        return float(self.error.max()) if self.error.size else 0.0


@dataclass(frozen=True)
class CheckReport:
    tensors: tuple[TensorCheck, ...]
    n_params: int
    forward_passes: int  # finite differences: two per parameter
    backprop_seconds: float
    numeric_seconds: float
    layer_evaluations: int = 0  # what the passes evaluated, each from its own layer on
    numpy_calls: int = 0  # the layer evaluations made, passes side by side counted once

    @property
    def max_error(self) -> float:
        """The largest relative error over every tensor; nan if any is not finite."""
        errors = [t.max_error for t in self.tensors]
        return float("nan") if any(e != e for e in errors) else max(errors)

    def passes(self, tolerance: float) -> bool:
        """Every gradient finite and within `tolerance` of its estimate."""
        return self.max_error <= tolerance  # False for nan


def _perturbed(
    layers: tuple[Layer, ...], l: int, which: str, idx: tuple[int, ...], value: float
) -> tuple[Layer, ...]:
    """The layers with entry `idx` of layer l's W or b (l = 1..L) set to `value`."""
    layer = layers[l - 1]
    arr = np.array(getattr(layer, which))
    arr[idx] = value
    new = read_only_array(arr)
    changed = replace(layer, W=new) if which == "W" else replace(layer, b=new)
    return layers[: l - 1] + (changed,) + layers[l:]


def numeric_gradient(net: Network, l: int, which: str) -> Array:
    """∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h for every entry θ of layer l's W or b (l = 1..L)."""
    base: Array = getattr(net.layers[l - 1], which)
    out: Array = np.empty_like(base)
    for idx in np.ndindex(base.shape):
        theta = float(base[idx])
        h = STEP * max(1.0, abs(theta))
        up = backprop.loss_of(net, _perturbed(net.layers, l, which, idx, theta + h))
        down = backprop.loss_of(net, _perturbed(net.layers, l, which, idx, theta - h))
        out[idx] = (up - down) / ((theta + h) - (theta - h))
    return out


# ---------------------------------------------------------------- the passes, from their layer on

CALL_WORK = 20_000  # a NumPy call's own cost (about 3 µs), in multiply-adds of time
ELEMENT_WORK = 40  # adding b and σ to one entry of z (about 5 ns), in multiply-adds
MAX_WORK = 15_000_000_000  # `bpdebug check`'s default limit: about 2 to 5 s of work
CHUNK_FLOATS = 2**16  # the passes run together hold at most this many entries of a⁽ᵏ⁾ (cache)


class Progress(NamedTuple):
    """How far a check is: its work (multiply-adds, see `check_work`) and its tensors."""

    work_done: int
    work: int
    tensors_done: int
    tensors: int


def side_by_side(layer: Layer) -> bool:
    """Whether the layer gives each column, evaluated beside others, exactly what it gives that
    column alone: one input (each entry of z one product plus b, no sum to reorder) and an
    elementwise σ."""
    return layer.n_in == 1 and layer.act.elementwise


def _evaluation_work(layer: Layer, columns: int) -> int:
    return layer.n_out * columns * (layer.n_in + ELEMENT_WORK) + CALL_WORK


def _passes_of(net: Network) -> list[int]:
    """Where each layer's perturbed passes start among all of them (two per entry, W's entries
    then b's), and the total at the end."""
    starts = [0]
    for layer in net.layers:
        starts.append(starts[-1] + 2 * (layer.W.size + layer.b.size))
    return starts


def _chunks(net: Network, starts: list[int]) -> list[tuple[int, int]]:
    """The passes, in order, cut into runs small enough to hold side by side."""
    widest = max(layer.n_out for layer in net.layers)
    size = max(1, CHUNK_FLOATS // (widest * net.batch_size))
    return [(g, min(g + size, starts[-1])) for g in range(0, starts[-1], size)]


def _new_passes(starts: list[int], k: int, chunk: tuple[int, int]) -> range:
    """The passes of the chunk that perturb layer k (1..L), as indices among all passes."""
    return range(max(chunk[0], starts[k - 1]), min(chunk[1], starts[k]))


def check_work(net: Network) -> int:
    """What `check_gradients`' finite differences cost, in multiply-adds: each layer evaluation
    its n_out·n_in·columns, plus ELEMENT_WORK per entry of z and CALL_WORK per NumPy call.
    (Counted from the same plan the check follows; its progress reaches exactly this.)"""
    starts, m, work = _passes_of(net), net.batch_size, 0
    for chunk in _chunks(net, starts):
        held = 0
        for k in range(bisect_right(starts, chunk[0]), net.depth + 1):
            layer = net.layers[k - 1]
            if held and side_by_side(layer):
                work += _evaluation_work(layer, held * m)
            else:
                work += held * _evaluation_work(layer, m)
            new = len(_new_passes(starts, k, chunk))
            work += new * _evaluation_work(layer, m)
            held += new
        work += held * (CALL_WORK + ELEMENT_WORK * net.sizes[-1] * m)  # the losses
    return work


class _Meter:
    """Counts the work done and the layer evaluations, and tells `progress` every 1%."""

    def __init__(self, total: int, tensors: int, progress: Callable[[Progress], None] | None):
        self.total, self.tensors, self.progress = total, tensors, progress
        self.done = self.evaluations = self.calls = self.tensors_done = 0
        self.next_report = 0

    def add(self, work: int, evaluations: int = 1, calls: int = 1) -> None:
        self.done += work
        self.evaluations += evaluations
        self.calls += calls
        if self.progress is not None and self.done >= self.next_report:
            self.next_report = self.done + max(1, self.total // 100)
            self.tell()

    def tell(self) -> None:
        if self.progress is not None:
            self.progress(Progress(self.done, self.total, self.tensors_done, self.tensors))


def _singles(part: Array, m: int) -> list[Array]:
    """The passes a part holds side by side, each as its own C-ordered m-column array."""
    if part.shape[1] == m:
        return [part]
    return [np.ascontiguousarray(part[:, j : j + m]) for j in range(0, part.shape[1], m)]


def _through(
    layer: Layer, parts: list[Array], m: int, meter: _Meter
) -> tuple[list[Array], list[Array]]:
    """z⁽ᵏ⁾ and a⁽ᵏ⁾ of every held pass (parts of m columns a pass): side by side in one call
    where that is exact, else pass by pass."""
    if not parts:
        return [], []
    if side_by_side(layer):
        a_prev = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        meter.add(_evaluation_work(layer, a_prev.shape[1]), a_prev.shape[1] // m)
        z, a = layer.forward(a_prev)
        return [z], [a]
    # Layer.forward, written out: a call costs what a small layer does
    W, b, sigma, alpha = layer.W, layer.b[:, None], layer.act.fn, layer.alpha
    zs = [W @ a_prev + b for part in parts for a_prev in _singles(part, m)]
    meter.add(len(zs) * _evaluation_work(layer, m), len(zs), len(zs))
    return zs, [sigma(z, alpha) for z in zs]


def _perturbed_passes(layer: Layer, passes: range, a_prev: Array) -> list[tuple[Array, Array]]:
    """z and a of the layer with each pass's entry moved (pass 2e: entry e up by h, 2e + 1:
    down; W's entries first, then b's), as `numeric_gradient`'s passes compute them."""
    W, b, sigma, alpha = layer.W, layer.b, layer.act.fn, layer.alpha
    thetas = W.ravel().tolist() + b.tolist()
    Wa = W @ a_prev  # what a pass that moves an entry of b computes again: made once
    out = []
    for index in passes:
        entry, down = divmod(index, 2)
        theta = thetas[entry]
        h = STEP * max(1.0, abs(theta))
        param = (W if entry < W.size else b).copy()
        param.flat[entry if entry < W.size else entry - W.size] = theta - h if down else theta + h
        z = param @ a_prev + b[:, None] if entry < W.size else Wa + param[:, None]
        out.append((z, sigma(z, alpha)))
    return out


def _chunk_losses(
    net: Network,
    a_cache: dict[int, Array],
    starts: list[int],
    chunk: tuple[int, int],
    meter: _Meter,
) -> list[float]:
    """The loss of every pass of the chunk, in order: a wave that sets off at the first pass's
    layer and takes on each layer's own passes as it reaches them."""
    m = net.batch_size
    z_parts: list[Array] = []
    a_parts: list[Array] = []
    for k in range(bisect_right(starts, chunk[0]), net.depth + 1):
        layer = net.layers[k - 1]
        z_parts, a_parts = _through(layer, a_parts, m, meter)
        new = _new_passes(starts, k, chunk)
        if new:
            own = range(new.start - starts[k - 1], new.stop - starts[k - 1])
            for z, a in _perturbed_passes(layer, own, a_cache[k - 1]):
                z_parts.append(z)
                a_parts.append(a)
            meter.add(len(new) * _evaluation_work(layer, m), len(new), len(new))
    losses = []
    for z_part, a_part in zip(z_parts, a_parts, strict=True):
        for z, a in zip(_singles(z_part, m), _singles(a_part, m), strict=True):
            losses.append(backprop.loss(net.loss_fn, z, a, net.y))
    meter.add(len(losses) * (CALL_WORK + ELEMENT_WORK * net.sizes[-1] * m), 0, 0)
    return losses


def _estimates(net: Network, losses: Array, starts: list[int]) -> list[tuple[Array, Array]]:
    """(ĝ for W⁽ˡ⁾, ĝ for b⁽ˡ⁾) for l = 1..L from the passes' losses, as `numeric_gradient`
    divides them."""
    out = []
    for l, layer in enumerate(net.layers, start=1):
        pair = []
        first = starts[l - 1]
        for base, offset in ((layer.W, 0), (layer.b, layer.W.size)):
            g_fd: Array = np.empty_like(base)
            for e, idx in enumerate(np.ndindex(base.shape)):
                theta = float(base[idx])
                h = STEP * max(1.0, abs(theta))
                up, down = losses[first + 2 * (offset + e)], losses[first + 2 * (offset + e) + 1]
                g_fd[idx] = (float(up) - float(down)) / ((theta + h) - (theta - h))
            pair.append(g_fd)
        out.append((pair[0], pair[1]))
    return out


def numeric_gradients(
    net: Network, progress: Callable[[Progress], None] | None = None
) -> tuple[list[tuple[Array, Array]], _Meter]:
    """`numeric_gradient` of every W⁽ˡ⁾ and b⁽ˡ⁾ (l = 1..L), bit for bit, each pass from its
    own layer on; and the meter that counted the work."""
    starts = _passes_of(net)
    meter = _Meter(check_work(net), 2 * net.depth, progress)
    a_cache = backprop.forward_pass(net)[1]
    ends = [starts[l - 1] + 2 * layer.W.size for l, layer in enumerate(net.layers, 1)]
    tensor_ends = sorted(ends + starts[1:])
    losses: list[float] = []
    for chunk in _chunks(net, starts):
        losses += _chunk_losses(net, a_cache, starts, chunk, meter)
        meter.tensors_done = bisect_right(tensor_ends, chunk[1])
        meter.tell()
    return _estimates(net, np.array(losses), starts), meter


def check_gradients(
    net: Network, progress: Callable[[Progress], None] | None = None
) -> CheckReport:
    """Every parameter's backprop gradient next to its central finite difference
    (`progress` is told every 1% of the work and after each run of passes)."""
    with np.errstate(all="ignore"):
        runs = []
        for _ in range(5):  # one pass is too quick to time alone; keep the fastest
            t0 = time.perf_counter()
            loss, grads = backprop.gradients(net)
            runs.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        estimates, meter = numeric_gradients(net, progress)
        t2 = time.perf_counter()
    tensors = []
    for l, (dW, db) in grads.items():  # l = 1..L
        g_W, g_b = estimates[l - 1]
        tensors.append(TensorCheck(f"W{l}", dW, g_W, loss))
        tensors.append(TensorCheck(f"b{l}", db, g_b, loss))
    passes = 2 * net.n_params
    return CheckReport(
        tuple(tensors), net.n_params, passes, min(runs), t2 - t1, meter.evaluations, meter.calls
    )
