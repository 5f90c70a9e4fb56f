"""Modal dialogs, one a file. Loaded on first use: the first frame needs none of them."""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {
    "BreakpointsScreen": "breakpoints",
    "ChainScreen": "chain",
    "ChangesScreen": "changes",
    "ConfirmScreen": "confirm",
    "CrashScreen": "crash",
    "DownloadsScreen": "downloads",
    "EditScreen": "edit",
    "FlowScreen": "flow",
    "GoToScreen": "goto",
    "HelpScreen": "help",
    "AnswerScreen": "quiz",
    "OpenScreen": "open",
    "QuizSetupScreen": "quiz",
    "SaveScreen": "save",
    "ScoreScreen": "quiz",
    "TrainResult": "train",
    "TrainScreen": "train",
}

__all__ = list(_MODULES)


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(name)
    return getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
