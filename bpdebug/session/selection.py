"""Which parameter the keys e, +, − and w act on: the one the current step is about.

A step that reads or writes a parameter or its gradient (z⁽ˡ⁾ reads W⁽ˡ⁾, ∂L/∂W⁽ˡ⁾ has one entry
per entry of W⁽ˡ⁾, W⁽ˡ⁾ ← … writes it, the loss reads y) moves the selection onto that tensor,
unless the selection is already in one of the tensors the step shows. A step that shows no
parameter (a⁽ˡ⁾, σ′, δ) leaves it where it was. Plain Python: no Textual.
"""

from __future__ import annotations

import numpy as np

from bpdebug.engine import Network, Step
from bpdebug.engine.params import ParamRef, ref_for, tensor_of


def step_tensors(step: Step) -> list[str]:
    """The parameters whose entries the step shows, the one it is about first: its own
    value's ("W2" for ∂L/∂W⁽²⁾), then its operands' in the formula's order."""
    keys = [step.entries] if step.entries else []
    for op in step.operands:
        if op.entries and op.entries not in keys:
            keys.append(op.entries)
    return keys


def follow(step: Step, selected: ParamRef, net: Network) -> ParamRef:
    """The selection once the cursor is on `step`: unchanged if the step shows its tensor or
    no parameter at all, else the same row and column (as near as the shape allows) of the
    tensor the step is about."""
    keys = step_tensors(step)
    if not keys or selected.key in keys:
        return selected
    key = keys[0]
    shape = np.shape(tensor_of(net, key))
    if not shape:  # η
        return ref_for(key)
    i = min(selected.i, shape[0] - 1)
    j = min(selected.j, shape[1] - 1) if len(shape) == 2 else 0
    return ref_for(key, i, j)


def weight_to_explain(step: Step, selected: ParamRef, net: Network) -> ParamRef:
    """The weight or bias whose gradient `w` explains: the selected one, else (the selection
    is x, y or η) the weight of the step's layer in the selection's row (the last layer's
    for a step of no layer)."""
    if selected.tensor in ("W", "b"):
        return selected
    layer = step.layer or net.depth
    rows, cols = net.layers[layer - 1].W.shape
    return ParamRef("W", layer, min(selected.i, rows - 1), 0 if selected.j >= cols else selected.j)
