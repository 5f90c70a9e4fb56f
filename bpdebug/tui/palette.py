"""The command palette's debugger commands (ctrl+p): jumps, breakpoints, samples, numbers,
examples, edits, training, files and parameters. Textual's own (themes, quit) stay too."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider

from bpdebug.engine.params import EditError, ParamRef, all_refs, get_value, parse_name
from bpdebug.files.samples import sample_names, sample_path, sample_summary
from bpdebug.notation import DIGITS, num

if TYPE_CHECKING:
    from bpdebug.tui.app import BPDebugApp

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
        Command("Edit a parameter…", f"the selected one: {app.selected.name}", app.action_edit),
        Command("Undo", "the last edit or training", app.action_undo),
        Command("Changes since the file…", "old → new, each number", app.action_changes),
        Command("Reset to the file", "every number as in the file (undoable)", app.reset_to_file),
        Command(
            "Δ against the file" if not app.session.against_file else "Δ against the last action",
            "what the differences are measured from (D)",
            app.action_toggle_baseline,
        ),
        Command("Redo", "what was undone", app.action_redo),
        Command("Train one iteration", "apply the update", app.action_train_one),
        Command("Train N iterations…", "default 100", app.action_train_many),
        Command(
            "Diagram: units or graph", "the seed's computational graph", app.action_toggle_graph
        ),
        Command(
            "Gradient flow",
            "‖δ‖, ‖∂L/∂W‖, ‖W‖ and dead units per layer over the iterations trained",
            app.action_flow,
        ),
        Command(
            "Pin the loss curve", "compare the next run with it (again: unpin)", app.action_pin
        ),
        Command("Quiz on/off…", "each asked step hides its value until answered", app.action_quiz),
        Command("Quiz: answer this step…", "type the value, or one entry", app.action_answer),
        Command("Quiz: hint", "after a wrong answer: formula, numbers, value", app.action_hint),
        Command("Quiz: score", "per phase and per kind; x exports markdown", app.action_score),
        Command("Save network…", "to a new file", app.action_save),
        Command("Open network file…", "a .toml or .json file", app.action_open),
    ]
    return out + _selects(app)


def _selects(app: BPDebugApp) -> list[Command]:
    """A "Select W2[1,0]" command per parameter (η alone on a large network, whose
    parameters are reached by typing their names: `named`)."""
    net = app.network
    refs = all_refs(net) if net.n_params <= MAX_SELECT_COMMANDS else [ParamRef("lr")]
    return [_select(app, ref) for ref in refs]


def _select(app: BPDebugApp, ref: ParamRef) -> Command:
    value = num(get_value(app.network, ref), app.digits)
    return Command(
        f"Select {ref.name}",
        f"{ref.label()} = {value}: the parameter e, + and − change",
        partial(app.select, ref),
    )


def named(app: BPDebugApp, query: str) -> list[Command]:
    """What a query that names a parameter (W3[1,2], b1[0], eta, "edit x[0,1]") offers:
    select it, or edit it; a name that is wrong says why. Nothing if it names nothing."""
    words = query.strip().split(maxsplit=1)
    if not words:
        return []
    name = words[1] if len(words) == 2 and words[0].lower() in ("select", "edit") else query
    if not _NAME_LIKE.match(name.strip()):
        return []
    try:
        ref = parse_name(name, app.network)
    except EditError as exc:
        return [Command(f"{name.strip()}: {exc}", "no such parameter", lambda: None)]
    edit = Command(
        f"Edit {ref.name}…", f"type a new value for {ref.label()}", partial(app.edit, ref)
    )
    return [_select(app, ref), edit]


_NAME_LIKE = re.compile(r"([WwBbXxYy]\s*(\d|⁽|\[)|eta$|η$|lr$)")


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
        exact = named(self.debugger, query)
        for rank, command in enumerate(exact):  # a parameter named in full comes first
            yield Hit(1000.0 - rank, command.title, command.run, help=command.help)
        titles = {command.title for command in exact}
        matcher = self.matcher(query)
        for command in palette_commands(self.debugger):
            score = matcher.match(command.title)
            if score > 0 and command.title not in titles:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
