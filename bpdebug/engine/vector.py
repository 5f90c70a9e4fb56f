"""Every parameter in one vector: where each layer's W (row by row) and b sit in it, and views
of a vector shaped as each layer's (W, b). The fast path keeps gradients, updates and the
optimizer's state in such vectors (flat.py, training.py); layers are numbered 1..L here too,
`Layout.spans[l - 1]` is layer l's place."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from bpdebug.engine.activations import Array


class Layout(NamedTuple):
    """Where each layer's W (row by row) and b sit in one vector of all the parameters."""

    spans: tuple[tuple[int, int, int, int, int], ...]  # (W start, b start, b end, n_out, n_in)
    size: int


@lru_cache(maxsize=64)
def layout(shapes: tuple[tuple[int, int], ...]) -> Layout:
    """The layout for layers whose W have these shapes, in order."""
    spans, start = [], 0
    for n_out, n_in in shapes:
        b_start = start + n_out * n_in
        spans.append((start, b_start, b_start + n_out, n_out, n_in))
        start = b_start + n_out
    return Layout(tuple(spans), start)


def unflatten(flat: Array, lay: Layout) -> list[tuple[Array, Array]]:
    """Views of `flat` shaped as each layer's (W, b), layer 1 first."""
    return [(flat[w:b].reshape(n_out, n_in), flat[b:e]) for w, b, e, n_out, n_in in lay.spans]
