"""Modal dialogs, one a file."""

from .confirm import ConfirmScreen
from .edit import EditScreen
from .goto import GoToScreen
from .help import HelpScreen
from .save import SaveScreen
from .train import TrainResult, TrainScreen

__all__ = [
    "ConfirmScreen",
    "EditScreen",
    "GoToScreen",
    "HelpScreen",
    "SaveScreen",
    "TrainResult",
    "TrainScreen",
]
