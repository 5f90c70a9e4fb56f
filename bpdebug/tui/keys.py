"""Every key of the debugger, with what it does: the key bar, the help screen and the
command palette are written from this one table, and a test holds the README's key table to
it (tests/tui/test_key_table.py: the same keys)."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from textual.binding import Binding


class Key(NamedTuple):
    """One row of the key table: the keys (Textual's names, comma-separated), the action
    they run, the key bar's label, what it does (the help screen's line, the palette's
    help) and its title in the command palette (empty: not offered there)."""

    keys: str
    action: str
    label: str
    does: str
    command: str = ""
    shown: bool = False  # on the key bar (a narrow one drops the least used first)


TABLE: list[Key] = [
    Key("n,right,space", "step(1)", "Next", "next step", shown=True),
    Key("p,left", "step(-1)", "Prev", "previous step", shown=True),
    Key(
        "right_square_bracket",
        "next_layer",
        "Layer",
        "first step of the next layer (or phase)",
        shown=True,
    ),
    Key(
        "left_square_bracket",
        "previous_layer",
        "Layer back",
        "start of this layer's steps, then the one before",
    ),
    Key("1", "phase('forward')", "Fwd", "start of the forward phase", "Go to the forward phase"),
    Key("2", "phase('backward')", "Bwd", "start of the backward phase", "Go to the backward phase"),
    Key("3", "phase('update')", "Upd", "start of the update phase", "Go to the update phase"),
    Key("home", "first", "First", "first step", "Go to the first step"),
    Key("end", "last", "Last", "last step", "Go to the last step"),
    Key("g", "go_to", "Go to", "go to a step by number", "Go to step …"),
    Key(
        "b",
        "toggle_breakpoint",
        "Break",
        "toggle a breakpoint on this step",
        "Toggle breakpoint",
        shown=True,
    ),
    Key(
        "B",
        "breakpoints",
        "Breakpoints",
        "breakpoints panel: list, remove, add conditions",
        "Breakpoints…",
    ),
    Key(
        "c",
        "continue",
        "Cont",
        "continue to the next breakpoint (or the end)",
        "Continue to the next breakpoint",
    ),
    Key("C", "continue_back", "Back", "back to the previous breakpoint (or the start)"),
    Key(
        "e",
        "edit",
        "Edit",
        "type a new value for the selected parameter",
        "Edit a parameter…",
        shown=True,
    ),
    Key("plus,equals_sign", "nudge(1)", "+", "nudge the selected parameter up by the nudge step"),
    Key("minus", "nudge(-1)", "−", "nudge the selected parameter down by the nudge step"),
    Key("asterisk", "scale_nudge(10)", "×10", "make the nudge step 10× larger"),
    Key("slash", "scale_nudge(0.1)", "÷10", "make the nudge step 10× smaller"),
    Key("w", "why", "Why", "why this gradient: the chain rule on every path (, . examples)"),
    Key("f", "toggle_check", "Check", "gradient check: central differences beside ∂L/∂W and ∂L/∂b"),
    Key(
        "d",
        "toggle_digits",
        "Digits",
        "numbers to 6 significant digits, or every digit (full precision)",
    ),
    Key(
        "full_stop,greater_than_sign",
        "example(1)",
        "Example",
        "follow the next example (column) of a batch, then all of it",
    ),
    Key(
        "comma,less_than_sign",
        "example(-1)",
        "Example back",
        "follow the previous example (column) of a batch",
    ),
    Key(
        "D",
        "toggle_baseline",
        "Δ vs",
        "differences against the last action, or against the file",
        "Δ against the file or the last action",
    ),
    Key(
        "v",
        "changes",
        "Changes",
        "every number changed since the file, old → new; r resets to the file",
        "Changes since the file…",
    ),
    Key("u", "undo", "Undo", "undo the last edit or training", "Undo", shown=True),
    Key("U,ctrl+r", "redo", "Redo", "redo what was undone", "Redo"),
    Key(
        "t",
        "train_one",
        "Train",
        "apply this update: the next iteration (a quiz counts the rest shown)",
        "Train one iteration",
        shown=True,
    ),
    Key(
        "T",
        "train_many",
        "Train N",
        "train N iterations (asks N); stops at nan, inf or divergence",
        "Train N iterations…",
    ),
    Key(
        "m",
        "toggle_graph",
        "Graph",
        "diagram: units ⇄ the computational graph (x, z, a, L, W and b)",
        "Diagram: units or graph",
    ),
    Key(
        "G",
        "flow",
        "Flow",
        "gradient flow per layer over time: ‖δ‖, ‖∂L/∂W‖, ‖W‖, dead relu units",
        "Gradient flow",
    ),
    Key(
        "P",
        "pin",
        "Pin",
        "pin the loss curve; the next run is drawn beside it (again: unpin)",
        "Pin the loss curve",
    ),
    Key(
        "Q",
        "quiz",
        "Quiz",
        "quiz: asked values are ? on every panel until answered (again: off)",
        "Quiz on/off…",
    ),
    Key("a", "answer", "Answer", "quiz: answer this step's value", "Quiz: answer this step…"),
    Key("h", "hint", "Hint", "quiz: the next hint (after a wrong answer)", "Quiz: hint"),
    Key("S", "score", "Score", "quiz: the score, per phase and kind", "Quiz: score"),
    Key("ctrl+s", "save", "Save", "save the network to a new file", "Save network…", shown=True),
    Key(
        "o",
        "open",
        "Open",
        "open a file or sample: a list filtered as you type; tab completes",
        "Open network file…",
    ),
    Key(
        "x",
        "export",
        "Export",
        "export a worked solution, an SVG of this screen and the graph, here",
    ),
    Key("question_mark", "help", "Help", "this help", shown=True),
    Key("q", "quit", "Quit", "quit (asks first if there are unsaved changes)", shown=True),
]

KEYS: list[Binding] = [Binding(k.keys, k.action, k.label, k.shown, tooltip=k.does) for k in TABLE]

KEY_NAMES = {  # how a key is written for a person
    "question_mark": "?",
    "right": "→",
    "left": "←",
    "up": "↑",
    "down": "↓",
    "space": "space",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "plus": "+",
    "minus": "-",
    "ctrl+s": "ctrl+s",
    "escape": "esc",
    "equals_sign": "=",
    "asterisk": "*",
    "slash": "/",
    "full_stop": ".",
    "greater_than_sign": ">",
    "comma": ",",
    "less_than_sign": "<",
}


def key_label(keys: str) -> str:
    """A binding's keys as a person writes them: 'n,right,space' is 'n → space'."""
    return " ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


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
