"""One parameter's whole chain rule: ∂L/∂θ as a sum over paths of products of factors.

For W⁽ˡ⁾[i, j] the paths run from unit i of layer l through one unit of every later layer to
the loss. For one example k, each path contributes

    ∂L/∂a⁽ᴸ⁾ · σ′(z⁽ᴸ⁾) · W⁽ᴸ⁾ · σ′(z⁽ᴸ⁻¹⁾) ··· W⁽ˡ⁺¹⁾ · σ′(z⁽ˡ⁾) · a⁽ˡ⁻¹⁾_j

(each factor one entry of a value the trace holds, taken for example k), and the paths of
example k sum to ∂Lₖ/∂θ = δ⁽ˡ⁾ₖ[i] · a⁽ˡ⁻¹⁾ₖ[j]. The batch's gradient is the mean of the
examples' sums: ∂L/∂θ = (1/m) Σₖ ∂Lₖ/∂θ, the trace's ∂L/∂W entry. Where the output has no
elementwise split (softmax, or a fused loss), the first two factors are δ⁽ᴸ⁾ itself.

Factors are named as the hand-outs (why.py) name them: a unit is a bracketed entry,
σ′(z⁽²⁾[0]), x[1]; in a batch the example is the subscript, as the step panel writes a
followed example (δ⁽²⁾₁): ∂L₁/∂a⁽²⁾₁[0], σ′(z⁽²⁾₁[0]).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from bpdebug.engine.params import ParamRef
from bpdebug.engine.trace import Trace
from bpdebug.notation.numbers import subscript, sup

MAX_PATHS = 12  # shown one by one; the rest are summed and counted
MAX_ENUMERATED = 20_000  # beyond this many paths, only the total is given (it is the dW entry)


@dataclass(frozen=True)
class Factor:
    symbol: str  # e.g. "σ′(z⁽²⁾[1])", "σ′(z⁽²⁾₃[1])" for example 3 of a batch, "W⁽²⁾[0,1]"
    value: float  # for the chosen example
    step: int | None  # the step that computed it (None for a parameter or the data)


@dataclass(frozen=True)
class Path:
    units: tuple[int, ...]  # unit index in layers l, l+1, …, L
    factors: tuple[Factor, ...]
    contribution: float  # the product of the factors, for the chosen example


@dataclass(frozen=True)
class Chain:
    ref: ParamRef
    example: int  # the example (column) whose paths are listed
    paths: tuple[Path, ...]  # the largest |contribution| first, at most MAX_PATHS
    n_paths: int
    rest: float  # the sum of the paths not shown
    total: float  # Σ of every path's contribution for the example: ∂Lₖ/∂θ
    per_example: tuple[float, ...]  # ∂Lₖ/∂θ for every example k, from δ and a directly
    gradient: float  # the trace's own ∂L/∂θ entry (the batch mean of per_example)

    @property
    def batch(self) -> int:
        return len(self.per_example)

    @property
    def mean(self) -> float:
        """(1/m) Σₖ ∂Lₖ/∂θ, which must equal the trace's ∂L/∂θ."""
        return float(np.add.reduce(np.array(self.per_example)) / self.batch)


def _per_example(trace: Trace, ref: ParamRef) -> tuple[float, ...]:
    """∂Lₖ/∂θ for every example: δ⁽ˡ⁾ₖ[i] · a⁽ˡ⁻¹⁾ₖ[j] (for a bias, δ⁽ˡ⁾ₖ[i])."""
    l = ref.layer or 1
    delta = np.asarray(trace.find("delta", l).value)[ref.i]
    if ref.tensor == "b":
        return tuple(float(v) for v in delta)
    a_prev = trace.network.x if l == 1 else np.asarray(trace.find("a", l - 1).value)
    return tuple(float(v) for v in delta * np.asarray(a_prev)[ref.j])


def chain_for(trace: Trace, ref: ParamRef, example: int = 0) -> Chain:
    """The chain of `ref` (a W or b entry) through `trace`'s stored values, for one example."""
    if ref.tensor not in ("W", "b") or ref.layer is None:
        raise ValueError("a chain runs from a weight or a bias")
    net, l, L = trace.network, ref.layer, trace.network.depth
    if not 0 <= example < net.batch_size:
        raise IndexError(f"example {example} of a batch of {net.batch_size}")
    out = trace.find("delta", L)
    second = out.operands[1].step if len(out.operands) == 2 else None
    elementwise = second is not None and trace[second].kind == "dact"  # δ = ∂L/∂a ⊙ σ′
    widths = [net.layers[k - 1].n_out for k in range(l + 1, L + 1)]
    grad = np.asarray(trace.find("dW" if ref.tensor == "W" else "db", l).value)
    entry = float(grad[ref.i, ref.j] if ref.tensor == "W" else grad[ref.i])
    per_example = _per_example(trace, ref)
    n_paths = int(np.prod(widths)) if widths else 1
    if n_paths > MAX_ENUMERATED:  # the backward pass sums them layer by layer instead
        own = per_example[example]
        return Chain(ref, example, (), n_paths, own, own, per_example, entry)
    paths = []
    for later in itertools.product(*(range(w) for w in widths)):
        units = (ref.i, *later)
        paths.append(_path(trace, ref, l, L, units, elementwise, example))
    total = float(sum(p.contribution for p in paths))
    paths.sort(key=lambda p: -abs(p.contribution))
    shown = tuple(paths[:MAX_PATHS])
    rest = float(sum(p.contribution for p in paths[MAX_PATHS:]))
    return Chain(ref, example, shown, len(paths), rest, total, per_example, entry)


def _path(
    trace: Trace,
    ref: ParamRef,
    l: int,
    L: int,
    units: tuple[int, ...],
    elementwise: bool,
    k: int,
) -> Path:
    """One path's factors for example k, and their product."""
    factors: list[Factor] = []

    def take(symbol: str, value: object, step: int | None) -> None:
        factors.append(Factor(symbol, float(value), step))  # type: ignore[arg-type]

    ex = subscript(k) if trace.network.batch_size > 1 else ""  # the example, in a batch

    def entry(name: str, layer: int | None, unit: int) -> str:
        """a⁽ˡ⁾[i], or a⁽ˡ⁾ₖ[i] in a batch: unit i of the example's column."""
        return f"{name}{sup(layer) if layer is not None else ''}{ex}[{unit}]"

    u = units[-1]
    if elementwise:
        dL_da, dact = trace.find("dL_da", L), trace.find("dact", L)
        take(f"∂L{ex}/∂{entry('a', L, u)}", np.asarray(dL_da.value)[u, k], dL_da.index)
        take(f"σ′({entry('z', L, u)})", np.asarray(dact.value)[u, k], dact.index)
    else:
        delta = trace.find("delta", L)
        take(entry("δ", L, u), np.asarray(delta.value)[u, k], delta.index)
    for layer in range(L, l, -1):  # from layer `layer` back to layer − 1
        upper, lower = units[layer - l], units[layer - l - 1]
        W = trace.network.layers[layer - 1].W
        take(f"W{sup(layer)}[{upper},{lower}]", W[upper, lower], None)
        dact = trace.find("dact", layer - 1)
        take(f"σ′({entry('z', layer - 1, lower)})", np.asarray(dact.value)[lower, k], dact.index)
    if ref.tensor == "W":
        if l == 1:
            take(entry("x", None, ref.j), np.asarray(trace.network.x)[ref.j, k], None)
        else:
            a = trace.find("a", l - 1)
            take(entry("a", l - 1, ref.j), np.asarray(a.value)[ref.j, k], a.index)
    product = 1.0
    for f in factors:
        product *= f.value
    return Path(units, tuple(factors), product)
