"""The debugger's widgets, one a file: each shows what the App hands it and computes nothing."""

from .diagram import NetworkDiagram
from .edit_bar import EditBar
from .key_bar import KeyBar
from .loss_plot import LossPlot
from .step_panel import StepPanel
from .tape import Tape
from .title_bar import TitleBar
from .values import ValuesView

__all__ = [
    "KeyBar",
    "EditBar",
    "LossPlot",
    "NetworkDiagram",
    "StepPanel",
    "Tape",
    "TitleBar",
    "ValuesView",
]
