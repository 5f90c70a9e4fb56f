"""The NumPy engine: networks, activations, losses, backprop and the step trace.

Nothing here imports textual; the command line and the screen both sit on top of it.
Start with `backprop.py`: the text's equations and the one loop that computes them.

    vocabulary    the words: phases, kinds of step and their titles, symbols, TensorRef
    activations   σ and σ′;  losses: L and ∂L/∂a, the fused forms
    layers/       layer kinds, each its equations beside its formula models (dense.py)
    network       the network and its data, immutable
    backprop      forward_pass, backward_pass (the loop), the reference gradients
    vector        where every parameter sits in one vector
    update        θ ← θ − η g, and frozen parameters (the one place)
    flat          the fast path: the loop into one flat gradient vector
    optimizers    momentum … AdamW, stage by stage
    plan/         what each step is, once per network shape (planner, steps, update)
    trace         one iteration, every step with its value
    training      many iterations, recording the gradient flow (flow)
    params        naming, reading and editing one number
    chain, gradcheck, grading   the chain rule path by path, finite differences, the quiz
"""

from bpdebug.engine.activations import ACTIVATIONS, Activation
from bpdebug.engine.backprop import gradients, loss_of, sgd_step
from bpdebug.engine.layers.dense import Layer
from bpdebug.engine.losses import LOSSES, Loss
from bpdebug.engine.network import Network, read_only_array
from bpdebug.engine.trace import Operand, Step, Trace, build_trace
from bpdebug.engine.training import Descent, Run, StopRules, train

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "Layer",
    "Loss",
    "Network",
    "Operand",
    "Step",
    "Trace",
    "build_trace",
    "read_only_array",
    "gradients",
    "Descent",
    "Run",
    "StopRules",
    "loss_of",
    "sgd_step",
    "train",
]
