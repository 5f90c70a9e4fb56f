"""The slow commands' figures (issue 25): `check` of a deep scalar chain against its own
forward pass, and `trace --format json` of 10⁶ inputs against the plainest writing of the
same numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from bpdebug.engine import Layer, Network, backprop, build_trace, read_only_array
from bpdebug.engine.gradcheck import numeric_gradients
from bpdebug.output.report import trace_json


def scalar_chain(depth: int) -> Network:
    """`depth` tanh layers of one unit, one example."""
    rng = np.random.default_rng(0)
    layers = tuple(
        Layer("tanh", read_only_array([[rng.normal(0.9, 0.1)]]), read_only_array([0.01]))
        for _ in range(depth)
    )
    return Network(layers, "mse", 0.1, read_only_array([[0.5]]), read_only_array([[0.2]]))


def wide_input(n: int) -> Network:
    """One sigmoid unit fed by n inputs, one example."""
    rng = np.random.default_rng(0)
    W = read_only_array(rng.normal(0.0, 1e-3, (1, n)))
    layer = Layer("sigmoid", W, read_only_array([0.1]))
    x = read_only_array(rng.normal(0.0, 1.0, (n, 1)))
    return Network((layer,), "mse", 0.1, x, read_only_array([[0.3]]))


Row = tuple[str, float, str, float, float, str]  # as run.py's


def bounded(repeat: int, side_by_side: Callable[..., list[Any]]) -> list[Row]:
    """The rows, timed with run.py's `side_by_side` (each pair in alternating rounds)."""
    chain = scalar_chain(1000)
    check, forward = side_by_side(
        [lambda: numeric_gradients(chain), lambda: backprop.forward_pass(chain)],
        1,
        max(3, repeat // 5),
    )
    trace = build_trace(wide_input(10**6))
    numbers = [np.asarray(s.value).tolist() for s in trace.steps]
    written, plain = side_by_side([lambda: trace_json(trace), lambda: json.dumps(numbers)], 1, 3)
    return [
        (
            "check's finite differences, 1000-layer scalar chain (4,000 passes)",
            check.median * 1e3,
            "ms",
            forward.median * 1e3,
            check.ratio(forward),
            "≤ 100× its forward pass",  # each pass from x: 4,000×
        ),
        (
            "trace --format json, 10⁶ inputs (2,000,011 numbers)",
            written.median * 1e3,
            "ms",
            plain.median * 1e3,
            written.ratio(plain),
            "≤ 1.5× json.dumps of the numbers",
        ),
    ]
