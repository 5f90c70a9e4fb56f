"""Why is this gradient what it is: the chain rule along every path, factor by factor."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...engine.chain import Chain
from ...engine.fmt import full, short
from .dialog import Dialog


def chain_options(chain: Chain, symbol: str, grad_step: int) -> list[Option | None]:
    """One line per path (its product) and one per factor (enter jumps to its step)."""
    lines: list[Option | None] = []
    for n, path in enumerate(chain.paths, start=1):
        units = "→".join(str(u) for u in path.units)
        product = " × ".join(f.symbol for f in path.factors)
        lines.append(
            Option(
                f"path {n} (units {units}): {product} = {short(path.contribution, 8)}",
                disabled=True,
            )
        )
        for k, f in enumerate(path.factors):
            where = f"step {f.step + 1}" if f.step is not None else "parameter / data"
            lines.append(
                Option(
                    f"    {f.symbol} = {short(f.value, 8)}   ({where})",
                    id=f"s{f.step}-{n}-{k}" if f.step is not None else None,
                    disabled=f.step is None,
                )
            )
        lines.append(None)
    if chain.n_paths > len(chain.paths) and chain.paths:
        lines.append(
            Option(
                f"… and {chain.n_paths - len(chain.paths):,} smaller paths, "
                f"summing to {short(chain.rest, 8)}",
                disabled=True,
            )
        )
    ok = "✓" if abs(chain.total - chain.gradient) <= 1e-12 * max(1.0, abs(chain.gradient)) else "✗"
    lines.append(
        Option(
            f"Σ = {full(chain.total)}   {ok} {symbol} at step {grad_step + 1} is "
            f"{full(chain.gradient)}",
            id=f"s{grad_step}",
        )
    )
    return lines


class ChainScreen(Dialog[int | None]):
    """Returns the step to jump to (enter on a factor), or None."""

    BINDINGS = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = """
    ChainScreen { align: center middle; }
    ChainScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ChainScreen OptionList { height: auto; max-height: 24; }
    ChainScreen Label { width: 1fr; }
    """

    def __init__(self, chain: Chain, symbol: str, grad_step: int) -> None:
        super().__init__()
        self.chain, self.symbol, self.grad_step = chain, symbol, grad_step

    def compose(self) -> ComposeResult:
        c = self.chain
        with Vertical() as box:
            box.border_title = f"Why is {self.symbol} = {short(c.gradient, 6)}?"
            batch = (
                f", averaged over the batch of {c.batch} (factors shown for example 1)"
                if c.batch > 1
                else ""
            )
            if not c.paths:
                yield Label(
                    f"{c.n_paths:,} paths run from {c.ref.label()} to the loss: too many "
                    "to list. Backprop sums them layer by layer: that is what δ is."
                )
            else:
                yield Label(
                    f"{self.symbol} is the sum over {c.n_paths} path"
                    f"{'s' if c.n_paths != 1 else ''} from {c.ref.label()} to L of the "
                    f"product of the chain-rule factors{batch}. Enter jumps to a step."
                )
            yield OptionList(*chain_options(c, self.symbol, self.grad_step))

    @on(OptionList.OptionSelected)
    def jump(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id.startswith("s"):
            self.dismiss(int(event.option.id[1:].split("-")[0]))

    def action_close(self) -> None:
        self.dismiss(None)
