"""Typing into the app's dialogs from a test's pilot."""

from __future__ import annotations

from textual.widgets import Input


async def type_into(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Replace the dialog's input with `text` and press enter (long text is set, not typed)."""
    if len(text) <= 4:
        await pilot.press("home", "ctrl+k", *list(text), "enter")
        return
    focused = pilot.app.screen.focused
    assert isinstance(focused, Input)
    focused.value = text
    await pilot.press("enter")


async def run_training(pilot, count: int) -> None:  # type: ignore[no-untyped-def]
    """T and `count` iterations, then the run's result: the training worker's own, awaited
    (a pause cannot tell whether the worker has even started), which closes the dialog and
    reaches the app."""
    from bpdebug.tui.screens import TrainScreen

    await pilot.press("T")
    dialog = pilot.app.screen
    assert isinstance(dialog, TrainScreen)
    await dialog.start(count).wait()
    await pilot.pause()
