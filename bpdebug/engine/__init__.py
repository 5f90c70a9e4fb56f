"""The NumPy engine: networks, activations, losses, backprop and the step trace.

Nothing here imports textual; the command line and the screen both sit on top of it.
"""

from .activations import ACTIVATIONS, Activation
from .backprop import gradients, loss_of, sgd_step
from .flat import Descent, train
from .losses import LOSSES, Loss
from .network import Layer, Network, read_only_array
from .trace import Operand, Step, Trace, build_trace

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
    "loss_of",
    "sgd_step",
    "train",
]
