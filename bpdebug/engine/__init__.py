"""The NumPy engine: networks, activations, losses, backprop and the step trace.

Nothing here imports textual; the command line and the screen both sit on top of it.
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
