"""Conditional breakpoints: predicates over steps, parsed from a short text.

    nonfinite                 the first value holding nan or ±inf
    vanishing delta 1e-6      max |δ⁽ˡ⁾| below the threshold (also: dW)
    exploding dW 1e3          max |∂L/∂W⁽ˡ⁾| above the threshold (also: delta)
    dead relu                 a relu layer with a unit whose z ≤ 0 for the whole batch
    layer 2                   any step of layer 2
    phase backward            any step of the backward (forward, update) phase

Pure Python over the trace's values: no Textual, nothing recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..engine import Step, Trace
from ..engine.plan import PHASES
from ..notation.parse import shown, whole_number

WATCHED = {"delta": "delta", "δ": "delta", "dw": "dW", "dW": "dW"}  # words → the kinds watched


class ConditionError(ValueError):
    """A condition that can't be parsed; the text says what was expected."""


@dataclass(frozen=True)
class Condition:
    text: str  # as the user typed it, normalised
    test: Callable[[Trace, Step], bool]

    def matches(self, trace: Trace, step: Step) -> bool:
        return self.test(trace, step)


def _largest(step: Step) -> float:
    value = np.abs(np.asarray(step.value))
    finite = value[np.isfinite(value)]
    return float(finite.max()) if finite.size else math.inf


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConditionError(f"{shown(text)} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ConditionError(f"the threshold must be a positive number, got {text}")
    return value


def _dead_relu(trace: Trace, step: Step) -> bool:
    if step.kind != "z" or step.layer is None:
        return False
    if trace.network.layers[step.layer - 1].activation != "relu":
        return False
    return bool(np.any(np.all(np.asarray(step.value) <= 0, axis=1)))


def parse_condition(text: str, depth: int) -> Condition:
    """A Condition from its text, or a ConditionError naming what is wrong."""
    words = text.strip().split()
    if not words:
        raise ConditionError("type a condition, e.g. nonfinite, vanishing delta 1e-6, layer 2")
    head = words[0].lower()
    if head == "nonfinite" and len(words) == 1:
        return Condition("nonfinite", lambda t, s: s.index in t.nonfinite_steps)
    if head in ("vanishing", "exploding") and len(words) == 3:
        kind = WATCHED.get(words[1]) or WATCHED.get(words[1].lower())
        if kind is None:
            raise ConditionError(f"{head} applies to delta or dW, not {shown(words[1])}")
        limit = _threshold(words[2])
        if head == "vanishing":
            return Condition(
                f"vanishing {kind} {words[2]}", lambda t, s: s.kind == kind and _largest(s) < limit
            )
        return Condition(
            f"exploding {kind} {words[2]}", lambda t, s: s.kind == kind and _largest(s) > limit
        )
    if head == "dead" and [w.lower() for w in words[1:]] == ["relu"]:
        return Condition("dead relu", _dead_relu)
    if head == "layer" and len(words) == 2:
        try:
            layer = whole_number(words[1], 1, depth, "a layer")
        except ValueError as exc:
            raise ConditionError(str(exc)) from None
        return Condition(f"layer {layer}", lambda t, s: s.layer == layer)
    if head == "phase" and len(words) == 2:
        phase = words[1].lower()
        if phase not in PHASES:
            raise ConditionError(
                f"phase must be forward, backward or update, not {shown(words[1])}"
            )
        return Condition(f"phase {phase}", lambda t, s: s.phase == phase)
    raise ConditionError(
        f"unknown condition {text.strip()!r}; try nonfinite, vanishing delta 1e-6, "
        "exploding dW 1e3, dead relu, layer 2, phase backward"
    )


def next_stop(
    trace: Trace, index: int, breakpoints: frozenset[int], conditions: tuple[Condition, ...]
) -> int:
    """The first step after `index` with a breakpoint or a matching condition (or the last)."""
    for i in range(index + 1, len(trace)):
        if i in breakpoints or any(c.matches(trace, trace[i]) for c in conditions):
            return i
    return len(trace) - 1


def previous_stop(
    trace: Trace, index: int, breakpoints: frozenset[int], conditions: tuple[Condition, ...]
) -> int:
    """The nearest step before `index` with a breakpoint or a matching condition (or 0)."""
    for i in range(index - 1, -1, -1):
        if i in breakpoints or any(c.matches(trace, trace[i]) for c in conditions):
            return i
    return 0
