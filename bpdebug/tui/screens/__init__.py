"""Modal dialogs, one a file."""

from .confirm import ConfirmScreen
from .crash import CrashScreen
from .edit import EditScreen
from .goto import GoToScreen
from .help import HelpScreen
from .open import OpenScreen
from .save import SaveScreen
from .train import TrainResult, TrainScreen

__all__ = [
    "CrashScreen",
    "OpenScreen",
    "ConfirmScreen",
    "EditScreen",
    "GoToScreen",
    "HelpScreen",
    "SaveScreen",
    "TrainResult",
    "TrainScreen",
]
