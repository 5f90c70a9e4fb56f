"""Modal dialogs, one a file."""

from .goto import GoToScreen
from .help import HelpScreen

__all__ = ["GoToScreen", "HelpScreen"]
