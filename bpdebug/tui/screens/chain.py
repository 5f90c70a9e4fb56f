"""Why is this gradient what it is: the chain rule along every path, factor by factor.

In a batch the paths are listed for one example (the one being followed, else the first):
their factors multiply to the path values shown, the paths sum to that example's ∂Lₖ/∂θ,
and the examples' sums average to ∂L/∂θ.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...engine.chain import Chain
from ...notation import DIGITS, num
from ...notation.numbers import subscript
from .dialog import Dialog, Plain


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def chain_options(
    chain: Chain,
    symbol: str,
    grad_step: int,
    digits: int | None = DIGITS,
    veiled: frozenset[int] = frozenset(),
    secret: bool = False,
) -> list[Option | None]:
    """One line per path (its product) and one per factor (enter jumps to its step), then the
    example's sum and the batch mean. A factor computed by a step `veiled` (a quiz asks for
    it) is ?; with `secret` (the gradient or a factor is asked), so is every product and sum,
    each of which would give one of them away."""
    lines: list[Option | None] = []
    k, m = chain.example, chain.batch
    own = f"∂L{subscript(k)}"

    def n_(v: float) -> str:
        return "?" if secret else num(v, digits)

    for n, path in enumerate(chain.paths, start=1):
        units = "→".join(str(u) for u in path.units)
        product = " · ".join(f.symbol for f in path.factors)
        value = n_(path.contribution)
        lines.append(Option(f"path {n} (units {units}): {product} = {value}", disabled=True))
        for j, f in enumerate(path.factors):
            where = f"step {f.step + 1}" if f.step is not None else "parameter / data"
            shown = "?" if f.step in veiled else num(f.value, digits)
            lines.append(
                Option(
                    f"    {f.symbol} = {shown}   ({where})",
                    id=f"s{f.step}-{n}-{j}" if f.step is not None else None,
                    disabled=f.step is None,
                )
            )
        lines.append(None)
    if chain.n_paths > len(chain.paths) and chain.paths:
        lines.append(
            Option(
                f"… and {chain.n_paths - len(chain.paths):,} smaller paths, "
                f"summing to {n_(chain.rest)}",
                disabled=True,
            )
        )
    name = symbol.removeprefix("∂L/")
    ok = "✓" if _close(chain.total, chain.per_example[k]) else "✗"
    if m > 1:
        lines.append(
            Option(
                f"example {k}: Σ over the paths = {own}/{name} = {n_(chain.total)}   "
                f"{ok} δ·a for example {k} is {n_(chain.per_example[k])}",
                disabled=True,
            )
        )
        terms = " + ".join(n_(v) for v in chain.per_example[:8])
        more = f" + … ({m - 8} more)" if m > 8 else ""
        ok = "✓" if _close(chain.mean, chain.gradient) else "✗"
        lines.append(
            Option(
                f"batch mean: {symbol} = (1/{m}) Σₖ ∂Lₖ/{name} = (1/{m})({terms}{more}) "
                f"= {n_(chain.mean)}   {ok} step {grad_step + 1} is "
                f"{n_(chain.gradient)}",
                id=f"s{grad_step}",
            )
        )
        return lines
    ok = "✓" if _close(chain.total, chain.gradient) else "✗"
    lines.append(
        Option(
            f"Σ = {n_(chain.total)}   {ok} {symbol} at step {grad_step + 1} is "
            f"{n_(chain.gradient)}",
            id=f"s{grad_step}",
        )
    )
    return lines


class ChainScreen(Dialog[int | None]):
    """Returns the step to jump to (enter on a factor), or None."""

    BINDINGS = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = """
    ChainScreen > .box { width: 100; }
    ChainScreen OptionList { max-height: 24; }
    """

    def __init__(
        self,
        chain: Chain,
        symbol: str,
        grad_step: int,
        digits: int | None = DIGITS,
        veiled: frozenset[int] = frozenset(),
        secret: bool = False,
    ):
        """`veiled`: the steps a quiz still asks for; `secret`: the gradient or one of its
        factors is among them (every product and sum is then ?)."""
        super().__init__()
        self.chain, self.symbol, self.grad_step, self.digits = chain, symbol, grad_step, digits
        self.veiled, self.secret = veiled, secret

    def compose(self) -> ComposeResult:
        c = self.chain
        with Vertical(classes="box") as box:
            value = "?" if self.secret else num(c.gradient, self.digits)
            box.border_title = f"Why is {self.symbol} = {value}?"
            batch = (
                f" Listed for example {c.example} of {c.batch} (choose another with , and .); "
                "its paths sum to that example's share, and the batch's gradient is the "
                "mean of the examples' shares."
                if c.batch > 1
                else ""
            )
            if not c.paths:
                yield Plain(
                    f"{c.n_paths:,} paths run from {c.ref.label()} to the loss: too many "
                    f"to list. Backprop sums them layer by layer: that is what δ is.{batch}"
                )
            else:
                yield Plain(
                    f"{self.symbol} is the sum over {c.n_paths} path"
                    f"{'s' if c.n_paths != 1 else ''} from {c.ref.label()} to L of the "
                    f"product of the chain-rule factors.{batch} Enter jumps to a step."
                )
            if self.secret:
                yield Plain("The quiz still asks for some of these values: they are ?.")
            options = chain_options(
                c, self.symbol, self.grad_step, self.digits, self.veiled, self.secret
            )
            yield OptionList(*options)

    @on(OptionList.OptionSelected)
    def jump(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id.startswith("s"):
            self.dismiss(int(event.option.id[1:].split("-")[0]))

    def action_close(self) -> None:
        self.dismiss(None)
