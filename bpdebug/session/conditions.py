"""Conditional breakpoints: predicates over steps, parsed from a short text.

    nonfinite                 the first value holding nan or ±inf
    vanishing delta 1e-6      max |δ⁽ˡ⁾| below the threshold (also: dW)
    exploding dW 1e3          max |∂L/∂W⁽ˡ⁾| above the threshold (also: delta)
    dead relu                 a relu layer with a unit whose z ≤ 0 for the whole batch (its
                              z and a steps)
    layer 2                   any step of layer 2
    phase backward            any step of the backward (forward, update) phase

Pure Python over the trace's values: no Textual, nothing recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpdebug.engine import Step, Trace
from bpdebug.engine.vocabulary import PHASES
from bpdebug.notation import num
from bpdebug.notation.parse import shown, whole_number

WATCHED = {"delta": "delta", "δ": "delta", "dw": "dW", "dW": "dW"}  # words → the kinds watched


class ConditionError(ValueError):
    """A condition that can't be parsed; the text says what was expected."""


Check = Callable[[Trace, Step], "str | None"]  # why the step matches, or None


@dataclass(frozen=True)
class Condition:
    text: str  # as the user typed it, normalised
    check: Check  # says why a step matches it (which entry, which units, how large)

    def matches(self, trace: Trace, step: Step) -> bool:
        return self.check(trace, step) is not None

    def why(self, trace: Trace, step: Step) -> str | None:
        """What at `step` matches (None if nothing): "max |δ⁽¹⁾| = 2.1e-09 < 1e-06"."""
        return self.check(trace, step)


def _entry(value: np.ndarray, flat_index: int) -> str:
    """An entry's position as the values panel numbers it: [i,j], [i], or nothing."""
    if value.ndim == 0:
        return ""
    return "[" + ",".join(str(int(k)) for k in np.unravel_index(flat_index, value.shape)) + "]"


def _largest(step: Step) -> tuple[float, str]:
    """The largest finite |entry| and where it is (inf and "" when none is finite)."""
    value = np.abs(np.asarray(step.value, dtype=float))
    finite = np.where(np.isfinite(value), value, -1.0)
    k = int(np.argmax(finite))
    if finite.flat[k] < 0:
        return math.inf, ""
    return float(finite.flat[k]), _entry(value, k)


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConditionError(f"{shown(text)} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ConditionError(f"the threshold must be a positive number, got {text}")
    return value


def _nonfinite(trace: Trace, step: Step) -> str | None:
    if step.index not in trace.nonfinite_steps:
        return None
    value = np.asarray(step.value, dtype=float)
    bad = ~np.isfinite(value)
    first = int(np.argmax(bad.ravel())) if value.ndim else 0
    what = num(float(value.flat[first]))
    return f"{step.symbol} holds {int(bad.sum())} of {value.size} nan/inf ({what} at " + (
        f"{_entry(value, first)})" if value.ndim else "the value)"
    )


def _size_check(kind: str, limit: float, vanishing: bool) -> Check:
    def check(trace: Trace, step: Step) -> str | None:
        if step.kind != kind:
            return None
        largest, where = _largest(step)
        if vanishing and largest < limit:
            return f"max |{step.symbol}| = {largest:.3g} < {limit:g}"
        if not vanishing and largest > limit:
            at = f" at {where}" if where else ""
            return f"max |{step.symbol}| = {largest:.3g}{at} > {limit:g}"
        return None

    return check


def dead_units(trace: Trace, step: Step) -> list[int]:
    """The units of a relu layer that are off for the whole batch (z ≤ 0, so a = 0 and
    σ′ = 0: no gradient reaches their weights), seen at the layer's z or a step."""
    if step.kind not in ("z", "a") or step.layer is None:
        return []
    if trace.network.layers[step.layer - 1].activation != "relu":
        return []
    z = np.asarray(trace.find("z", step.layer).value)
    return [int(u) for u in np.flatnonzero(np.all(z <= 0, axis=1))]


def _dead_relu(trace: Trace, step: Step) -> str | None:
    dead = dead_units(trace, step)
    if not dead:
        return None
    n, m = trace.network.sizes[step.layer or 0], trace.network.batch_size
    shown_units = ", ".join(map(str, dead[:8])) + (" …" if len(dead) > 8 else "")
    units = f"unit {shown_units} is" if len(dead) == 1 else f"units {shown_units} are"
    every = "the example" if m == 1 else f"all {m} examples"
    return f"layer {step.layer}: {units} dead ({len(dead)} of {n}: z ≤ 0 for {every})"


def parse_condition(text: str, depth: int) -> Condition:
    """A Condition from its text, or a ConditionError naming what is wrong."""
    words = text.strip().split()
    if not words:
        raise ConditionError("type a condition, e.g. nonfinite, vanishing delta 1e-6, layer 2")
    head = words[0].lower()
    if head == "nonfinite" and len(words) == 1:
        return Condition("nonfinite", _nonfinite)
    if head in ("vanishing", "exploding") and len(words) == 3:
        kind = WATCHED.get(words[1]) or WATCHED.get(words[1].lower())
        if kind is None:
            raise ConditionError(f"{head} applies to delta or dW, not {shown(words[1])}")
        limit = _threshold(words[2])
        return Condition(f"{head} {kind} {words[2]}", _size_check(kind, limit, head == "vanishing"))
    if head == "dead" and [w.lower() for w in words[1:]] == ["relu"]:
        return Condition("dead relu", _dead_relu)
    if head == "layer" and len(words) == 2:
        try:
            layer = whole_number(words[1], 1, depth, "a layer")
        except ValueError as exc:
            raise ConditionError(str(exc)) from None
        return Condition(
            f"layer {layer}", lambda t, s: f"a step of layer {layer}" if s.layer == layer else None
        )
    if head == "phase" and len(words) == 2:
        phase = words[1].lower()
        if phase not in PHASES:
            raise ConditionError(
                f"phase must be forward, backward or update, not {shown(words[1])}"
            )
        return Condition(
            f"phase {phase}", lambda t, s: f"a {phase} step" if s.phase == phase else None
        )
    raise ConditionError(
        f"unknown condition {text.strip()!r}; try nonfinite, vanishing delta 1e-6, "
        "exploding dW 1e3, dead relu, layer 2, phase backward"
    )


def next_stop(
    trace: Trace, index: int, breakpoints: frozenset[int], conditions: tuple[Condition, ...]
) -> int | None:
    """The first step after `index` with a breakpoint or a matching condition (None: none)."""
    for i in range(index + 1, len(trace)):
        if i in breakpoints or any(c.matches(trace, trace[i]) for c in conditions):
            return i
    return None


def previous_stop(
    trace: Trace, index: int, breakpoints: frozenset[int], conditions: tuple[Condition, ...]
) -> int | None:
    """The nearest step before `index` with a breakpoint or a matching condition (None: none)."""
    for i in range(index - 1, -1, -1):
        if i in breakpoints or any(c.matches(trace, trace[i]) for c in conditions):
            return i
    return None


def why_stopped(
    trace: Trace, index: int, breakpoints: frozenset[int], conditions: tuple[Condition, ...]
) -> list[str]:
    """What holds at step `index`: its breakpoint, then each matching condition and why."""
    step = trace[index]
    out = [f"breakpoint on step {index + 1}"] if index in breakpoints else []
    for c in conditions:
        reason = c.why(trace, step)
        if reason is not None:
            out.append(f"{c.text}: {reason}")
    return out
