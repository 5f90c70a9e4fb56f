"""The command palette's debugger commands (ctrl+p): jumps, breakpoints, samples, numbers,
examples, edits, training, files and parameters. Textual's own (themes, quit) stay too."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..engine.params import all_refs
from ..notation import DIGITS
from ..samples import sample_names, sample_path, sample_summary

if TYPE_CHECKING:
    from .app import BPDebugApp

CONDITIONS = (
    ("nonfinite", "the first nan or inf"),
    ("vanishing delta 1e-6", "max |δ| below 1e-6"),
    ("vanishing dW 1e-6", "max |∂L/∂W| below 1e-6"),
    ("exploding delta 1e3", "max |δ| above 1e3"),
    ("exploding dW 1e3", "max |∂L/∂W| above 1e3"),
    ("dead relu", "a relu unit with z ≤ 0 for the whole batch"),
)
MAX_SELECT_COMMANDS = 500  # a "Select …" command per parameter up to this many


class Command(NamedTuple):
    title: str
    help: str
    run: Callable[[], object]


def _go_to(app: BPDebugApp, kind: str, layer: int) -> None:
    app.go(app.trace.find(kind, layer).index)


def _jumps(app: BPDebugApp) -> list[Command]:
    out = [
        Command(
            f"Go to the {phase} phase",
            f"first step of the {phase} pass",
            partial(app.action_phase, phase),
        )
        for phase in ("forward", "backward", "update")
    ]
    out += [
        Command("Go to the first step", "home", app.action_first),
        Command("Go to the last step", "end", app.action_last),
        Command("Go to step …", "ask for a step number", app.action_go_to),
    ]
    for l in range(1, app.network.depth + 1):
        out.append(
            Command(
                f"Go to layer {l} (forward)",
                f"z⁽{l}⁾",
                partial(_go_to, app, "z", l),
            )
        )
        out.append(
            Command(
                f"Go to layer {l} (backward)",
                f"δ⁽{l}⁾",
                partial(_go_to, app, "delta", l),
            )
        )
    return out


def _breakpoints(app: BPDebugApp) -> list[Command]:
    out = [
        Command("Toggle breakpoint", "on the current step", app.action_toggle_breakpoint),
        Command("Continue to the next breakpoint", "or the end", app.action_continue),
        Command("Breakpoints…", "list, remove, add conditions", app.action_breakpoints),
    ]
    conditions = [
        *CONDITIONS,
        *((f"phase {p}", f"any {p} step") for p in ("forward", "backward", "update")),
        *((f"layer {l}", f"any step of layer {l}") for l in range(1, app.network.depth + 1)),
    ]
    out += [
        Command(f"Break when: {text}", help_text, partial(app.add_condition, text))
        for text, help_text in conditions
    ]
    return out


def _view(app: BPDebugApp) -> list[Command]:
    out = [
        Command("Numbers: every digit", "full precision everywhere", partial(app.set_digits, None)),
        Command("Numbers: 6 significant digits", "the default", partial(app.set_digits, DIGITS)),
    ]
    m = app.network.batch_size
    if m > 1:
        out.append(
            Command(
                "Follow the whole batch", "every example at once", partial(app.follow_example, None)
            )
        )
        out += [
            Command(
                f"Follow example {k}",
                f"column {k} of {m}: its own products, then the batch mean",
                partial(app.follow_example, k),
            )
            for k in range(min(m, 64))
        ]
    return out


def _work(app: BPDebugApp) -> list[Command]:
    out = [
        Command(
            f"Open sample: {name}",
            sample_summary(name),
            partial(app.open_network, str(sample_path(name))),
        )
        for name in sample_names()
    ]
    out += [
        Command("Edit the selected parameter", app.selected.label(), app.action_edit),
        Command("Undo", "the last edit or training", app.action_undo),
        Command("Redo", "what was undone", app.action_redo),
        Command("Train one iteration", "apply the update", app.action_train_one),
        Command("Train N iterations…", "default 100", app.action_train_many),
        Command("Save network…", "to a new file", app.action_save),
        Command("Open network file…", "a .toml or .json file", app.action_open),
    ]
    if app.network.n_params <= MAX_SELECT_COMMANDS:
        out += [
            Command(
                f"Select {ref.label()}",
                "the parameter to edit or nudge",
                partial(app.select, ref),
            )
            for ref in all_refs(app.network)
        ]
    return out


def palette_commands(app: BPDebugApp) -> list[Command]:
    """Every debugger command the palette offers for the app as it is now."""
    return _jumps(app) + _breakpoints(app) + _view(app) + _work(app)


class DebuggerCommands(Provider):
    """The palette's source of debugger commands."""

    @property
    def debugger(self) -> BPDebugApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for command in palette_commands(self.debugger):
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in palette_commands(self.debugger):
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
