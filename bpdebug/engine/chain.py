"""One parameter's whole chain rule: ∂L/∂θ as a sum over paths of products of factors.

For W⁽ˡ⁾[i, j] the paths run from unit i of layer l through one unit of every later layer to
the loss; each path contributes

    ∂L/∂a⁽ᴸ⁾ · σ′(z⁽ᴸ⁾) · W⁽ᴸ⁾ · σ′(z⁽ᴸ⁻¹⁾) ··· W⁽ˡ⁺¹⁾ · σ′(z⁽ˡ⁾) · a⁽ˡ⁻¹⁾_j

(each factor one entry of a value the trace holds), averaged over the batch. Where the output
has no elementwise split (softmax, or a fused loss), the first two factors are δ⁽ᴸ⁾ itself.
The paths' sum equals the trace's ∂L/∂W entry.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .params import ParamRef
from .trace import Trace, sup

MAX_PATHS = 12  # shown one by one; the rest are summed and counted
MAX_ENUMERATED = 20_000  # beyond this many paths, only the total is given (it is the dW entry)


@dataclass(frozen=True)
class Factor:
    symbol: str  # e.g. "σ′(z⁽²⁾)₁" or "W⁽²⁾[0,1]"
    value: float  # for the first example
    step: int | None  # the step that computed it (None for a parameter or the data)


@dataclass(frozen=True)
class Path:
    units: tuple[int, ...]  # unit index in layers l, l+1, …, L
    factors: tuple[Factor, ...]
    contribution: float  # the path's product, averaged over the batch


@dataclass(frozen=True)
class Chain:
    ref: ParamRef
    paths: tuple[Path, ...]  # the largest |contribution| first, at most MAX_PATHS
    n_paths: int
    rest: float  # the sum of the paths not shown
    total: float  # Σ of every path's contribution
    gradient: float  # the trace's own ∂L/∂θ entry
    batch: int


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def chain_for(trace: Trace, ref: ParamRef) -> Chain:
    """The chain of `ref` (a W or b entry) through `trace`'s stored values."""
    if ref.tensor not in ("W", "b") or ref.layer is None:
        raise ValueError("a chain runs from a weight or a bias")
    net, l, L = trace.network, ref.layer, trace.network.depth
    out = trace.find("delta", L)
    elementwise = out.operands[0].name.startswith("∂L/∂a") and len(out.operands) == 2
    widths = [net.layers[k - 1].n_out for k in range(l + 1, L + 1)]
    grad = np.asarray(trace.find("dW" if ref.tensor == "W" else "db", l).value)
    entry = float(grad[ref.i, ref.j] if ref.tensor == "W" else grad[ref.i])
    n_paths = int(np.prod(widths)) if widths else 1
    if n_paths > MAX_ENUMERATED:  # the backward pass sums them layer by layer instead
        return Chain(ref, (), n_paths, entry, entry, entry, net.batch_size)
    paths = []
    for later in itertools.product(*(range(w) for w in widths)):
        units = (ref.i, *later)
        per_example, factors = _path(trace, ref, l, L, units, elementwise)
        paths.append(Path(units, factors, float(per_example.mean())))
    total = float(sum(p.contribution for p in paths))
    paths.sort(key=lambda p: -abs(p.contribution))
    shown = tuple(paths[:MAX_PATHS])
    rest = float(sum(p.contribution for p in paths[MAX_PATHS:]))
    return Chain(ref, shown, len(paths), rest, total, entry, net.batch_size)


def _path(
    trace: Trace, ref: ParamRef, l: int, L: int, units: tuple[int, ...], elementwise: bool
) -> tuple[np.ndarray, tuple[Factor, ...]]:
    """One path's per-example products and its factors (their first-example values)."""
    factors: list[Factor] = []
    product = np.ones(trace.network.batch_size)

    def take(symbol: str, values: np.ndarray, step: int | None) -> None:
        nonlocal product
        product = product * values
        factors.append(Factor(symbol, float(values[0]), step))

    u = units[-1]
    if elementwise:
        dL_da, dact = trace.find("dL_da", L), trace.find("dact", L)
        take(f"∂L/∂a{sup(L)}{_sub(u)}", np.asarray(dL_da.value)[u], dL_da.index)
        take(f"σ′(z{sup(L)}){_sub(u)}", np.asarray(dact.value)[u], dact.index)
    else:
        delta = trace.find("delta", L)
        take(f"δ{sup(L)}{_sub(u)}", np.asarray(delta.value)[u], delta.index)
    for k in range(L, l, -1):  # from layer k back to layer k − 1
        upper, lower = units[k - l], units[k - l - 1]
        W = trace.network.layers[k - 1].W
        take(f"W{sup(k)}[{upper},{lower}]", np.full_like(product, W[upper, lower]), None)
        dact = trace.find("dact", k - 1)
        take(f"σ′(z{sup(k - 1)}){_sub(lower)}", np.asarray(dact.value)[lower], dact.index)
    if ref.tensor == "W":
        if l == 1:
            take(f"x{_sub(ref.j)}", np.asarray(trace.network.x)[ref.j], None)
        else:
            a = trace.find("a", l - 1)
            take(f"a{sup(l - 1)}{_sub(ref.j)}", np.asarray(a.value)[ref.j], a.index)
    return product, tuple(factors)
