"""The command palette's debugger commands (ctrl+p): every key of the key table that has a
palette title (keys.py), and the palette's own: a layer's z and δ, conditions to break on,
the precision, an example to follow, a shipped sample, resetting to the file, and any
parameter by name. Textual's own (themes, quit) stay too."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from bpdebug.engine.params import EditError, ParamRef, all_refs, get_value, parse_name
from bpdebug.files.samples import sample_names, sample_path, sample_summary
from bpdebug.notation import DIGITS, num
from bpdebug.tui.keys import TABLE, key_label

if TYPE_CHECKING:
    from bpdebug.tui.debugger import DebuggerApp

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


def _keys(app: DebuggerApp) -> list[Command]:
    """A command per key of the table that has a palette title: what it does and its key
    as help, its action as what it runs."""
    return [
        Command(k.command, f"{k.does} ({key_label(k.keys)})", partial(app.run_action, k.action))
        for k in TABLE
        if k.command
    ]


def _go_to(app: DebuggerApp, kind: str, layer: int) -> None:
    app.go(app.trace.find(kind, layer).index)


def _layers(app: DebuggerApp) -> list[Command]:
    out = []
    for l in range(1, app.network.depth + 1):
        out.append(Command(f"Go to layer {l} (forward)", f"z⁽{l}⁾", partial(_go_to, app, "z", l)))
        out.append(
            Command(f"Go to layer {l} (backward)", f"δ⁽{l}⁾", partial(_go_to, app, "delta", l))
        )
    return out


def _conditions(app: DebuggerApp) -> list[Command]:
    conditions = [
        *CONDITIONS,
        *((f"phase {p}", f"any {p} step") for p in ("forward", "backward", "update")),
        *((f"layer {l}", f"any step of layer {l}") for l in range(1, app.network.depth + 1)),
    ]
    return [
        Command(f"Break when: {text}", help_text, partial(app.add_condition, text))
        for text, help_text in conditions
    ]


def _view(app: DebuggerApp) -> list[Command]:
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


def _files(app: DebuggerApp) -> list[Command]:
    out = [
        Command(
            f"Open sample: {name}",
            sample_summary(name),
            partial(app.open_network, str(sample_path(name))),
        )
        for name in sample_names()
    ]
    out.append(
        Command("Reset to the file", "every number as in the file (undoable)", app.reset_to_file)
    )
    return out


def _selects(app: DebuggerApp) -> list[Command]:
    """A "Select W2[1,0]" command per parameter (η alone on a large network, whose
    parameters are reached by typing their names: `named`)."""
    net = app.network
    refs = all_refs(net) if net.n_params <= MAX_SELECT_COMMANDS else [ParamRef("lr")]
    return [_select(app, ref) for ref in refs]


def _select(app: DebuggerApp, ref: ParamRef) -> Command:
    value = num(get_value(app.network, ref), app.view.digits)
    return Command(
        f"Select {ref.name}",
        f"{ref.label()} = {value}: the parameter e, + and − change",
        partial(app.select, ref),
    )


def named(app: DebuggerApp, query: str) -> list[Command]:
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


def palette_commands(app: DebuggerApp) -> list[Command]:
    """Every debugger command the palette offers for the app as it is now."""
    own = _layers(app) + _conditions(app) + _view(app) + _files(app) + _selects(app)
    return _keys(app) + own


class DebuggerCommands(Provider):
    """The palette's source of debugger commands."""

    @property
    def debugger(self) -> DebuggerApp:
        return cast("DebuggerApp", self.app)

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
