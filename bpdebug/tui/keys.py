"""Every key of the debugger, with what it does: the key bar, the help screen and the README
are written from this one table."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding

KEYS: list[Binding] = [
    Binding("n,right,space", "step(1)", "Next", tooltip="next step"),
    Binding("p,left", "step(-1)", "Prev", tooltip="previous step"),
    Binding(
        "right_square_bracket",
        "next_layer",
        "Layer",
        tooltip="first step of the next layer (or phase)",
    ),
    Binding(
        "left_square_bracket",
        "previous_layer",
        "Layer back",
        show=False,
        tooltip="start of this layer's steps, then the one before",
    ),
    Binding("1", "phase('forward')", "Fwd", show=False, tooltip="start of the forward phase"),
    Binding("2", "phase('backward')", "Bwd", show=False, tooltip="start of the backward phase"),
    Binding("3", "phase('update')", "Upd", show=False, tooltip="start of the update phase"),
    Binding("home", "first", "First", show=False, tooltip="first step"),
    Binding("end", "last", "Last", show=False, tooltip="last step"),
    Binding("g", "go_to", "Go to", show=False, tooltip="go to a step by number"),
    Binding("b", "toggle_breakpoint", "Break", tooltip="toggle a breakpoint on this step"),
    Binding(
        "B",
        "breakpoints",
        "Breakpoints",
        show=False,
        tooltip="breakpoints panel: list, remove, add conditions",
    ),
    Binding(
        "c",
        "continue",
        "Cont",
        show=False,
        tooltip="continue to the next breakpoint (or the end)",
    ),
    Binding(
        "C",
        "continue_back",
        "Back",
        show=False,
        tooltip="back to the previous breakpoint (or the start)",
    ),
    Binding("e", "edit", "Edit", tooltip="type a new value for the selected parameter"),
    Binding(
        "plus,equals_sign",
        "nudge(1)",
        "+",
        show=False,
        tooltip="nudge the selected parameter up by the nudge step",
    ),
    Binding(
        "minus",
        "nudge(-1)",
        "−",
        show=False,
        tooltip="nudge the selected parameter down by the nudge step",
    ),
    Binding(
        "asterisk",
        "scale_nudge(10)",
        "×10",
        show=False,
        tooltip="make the nudge step 10× larger",
    ),
    Binding(
        "slash",
        "scale_nudge(0.1)",
        "÷10",
        show=False,
        tooltip="make the nudge step 10× smaller",
    ),
    Binding(
        "w",
        "why",
        "Why",
        show=False,
        tooltip="why this gradient: the chain rule on every path (, . examples)",
    ),
    Binding(
        "f",
        "toggle_check",
        "Check",
        show=False,
        tooltip="gradient check: central differences beside ∂L/∂W and ∂L/∂b",
    ),
    Binding(
        "d",
        "toggle_digits",
        "Digits",
        show=False,
        tooltip="numbers to 6 significant digits, or every digit (full precision)",
    ),
    Binding(
        "full_stop,greater_than_sign",
        "example(1)",
        "Example",
        show=False,
        tooltip="follow the next example (column) of a batch, then all of it",
    ),
    Binding(
        "comma,less_than_sign",
        "example(-1)",
        "Example back",
        show=False,
        tooltip="follow the previous example (column) of a batch",
    ),
    Binding(
        "D",
        "toggle_baseline",
        "Δ vs",
        show=False,
        tooltip="differences against the last action, or against the file",
    ),
    Binding(
        "v",
        "changes",
        "Changes",
        show=False,
        tooltip="every number changed since the file, old → new; r resets to the file",
    ),
    Binding("u", "undo", "Undo", tooltip="undo the last edit or training"),
    Binding("U,ctrl+r", "redo", "Redo", show=False, tooltip="redo what was undone"),
    Binding(
        "t",
        "train_one",
        "Train",
        tooltip="apply this update: the next iteration (a quiz counts the rest shown)",
    ),
    Binding(
        "T",
        "train_many",
        "Train N",
        show=False,
        tooltip="train N iterations (asks N); stops at nan, inf or divergence",
    ),
    Binding(
        "m",
        "toggle_graph",
        "Graph",
        show=False,
        tooltip="diagram: units ⇄ the computational graph (x, z, a, L, W and b)",
    ),
    Binding(
        "G",
        "flow",
        "Flow",
        show=False,
        tooltip="gradient flow per layer over time: ‖δ‖, ‖∂L/∂W‖, ‖W‖, dead relu units",
    ),
    Binding(
        "P",
        "pin",
        "Pin",
        show=False,
        tooltip="pin the loss curve; the next run is drawn beside it (again: unpin)",
    ),
    Binding(
        "Q",
        "quiz",
        "Quiz",
        show=False,
        tooltip="quiz: asked values are ? on every panel until answered (again: off)",
    ),
    Binding("a", "answer", "Answer", show=False, tooltip="quiz: answer this step's value"),
    Binding("h", "hint", "Hint", show=False, tooltip="quiz: the next hint (after a wrong answer)"),
    Binding("S", "score", "Score", show=False, tooltip="quiz: the score, per phase and kind"),
    Binding("ctrl+s", "save", "Save", tooltip="save the network to a new file"),
    Binding(
        "o",
        "open",
        "Open",
        show=False,
        tooltip="open a file or sample: a list filtered as you type; tab completes",
    ),
    Binding(
        "x",
        "export",
        "Export",
        show=False,
        tooltip="export a worked solution, an SVG of this screen and the graph, here",
    ),
    Binding("question_mark", "help", "Help", tooltip="this help"),
    Binding("q", "quit", "Quit", tooltip="quit (asks first if there are unsaved changes)"),
]

# Served to a browser (`bpdebug serve`), these keys do the browser's version of the same thing.
SERVED = {
    "save": ("Download", "download the network to your browser (.toml or .json)"),
    "open": ("Open", "open a sample or a network file from the folder the server shares"),
    "export": (
        "Export",
        "download a worked solution (markdown), an SVG of this screen or the graph, one by one",
    ),
}


def keys_for(served: bool) -> list[Binding]:
    """The key table as the key bar and help show it: in a terminal, or served."""
    if not served:
        return KEYS
    return [
        replace(b, description=SERVED[b.action][0], tooltip=SERVED[b.action][1])
        if b.action in SERVED
        else b
        for b in KEYS
    ]
