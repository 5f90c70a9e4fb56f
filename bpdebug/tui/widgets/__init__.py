"""The debugger's widgets, one a file: each draws what the App hands it (what a panel says is
computed in tui/views/), and computes nothing of its own."""

from bpdebug.tui.widgets.diagram import NetworkDiagram
from bpdebug.tui.widgets.edit_bar import EditBar
from bpdebug.tui.widgets.key_bar import KeyBar
from bpdebug.tui.widgets.loss_plot import LossPlot
from bpdebug.tui.widgets.step_panel import StepPanel
from bpdebug.tui.widgets.tape import Tape
from bpdebug.tui.widgets.title_bar import TitleBar
from bpdebug.tui.widgets.values import ValuesView

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
