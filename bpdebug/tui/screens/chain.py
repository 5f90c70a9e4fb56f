"""Why is this gradient what it is: the chain rule along every path, factor by factor.

In a batch the paths are listed for one example (the one being followed, else the first;
`,` and `.` choose another inside the dialog): their factors multiply to the path values
shown, the paths sum to that example's ∂Lₖ/∂θ, and the examples' sums average to ∂L/∂θ.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from bpdebug.engine.chain import Chain
from bpdebug.notation import DIGITS, num
from bpdebug.notation.numbers import subscript
from bpdebug.tui.screens.dialog import Dialog, Plain

SHARES = 8  # the batch mean is written share by share up to this many examples


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def signed_sum(terms: list[str]) -> str:
    """Numbers as a sum, a negative one after the first written with − (`0.0178 − 0.0182`),
    never `+ -0.0182`."""
    out = terms[0] if terms else "0"
    for t in terms[1:]:
        out += f" − {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def chain_options(
    chain: Chain,
    symbol: str,
    grad_step: int,
    digits: int | None = DIGITS,
    veiled: frozenset[int] = frozenset(),
    secret: bool = False,
    gradient_hidden: bool = False,
) -> list[Option | None]:
    """One line per path (its product) and one per factor (enter jumps to its step), then the
    example's sum and the batch mean. A factor computed by a step `veiled` (a quiz asks for
    it) is ?; with `secret` (a factor is asked), so is every product and share, each of which
    would give one away; with `gradient_hidden` (the gradient is asked), the gradient too."""
    lines: list[Option | None] = []
    k, m = chain.example, chain.batch
    own = f"∂L{subscript(k)}"

    def n_(v: float) -> str:
        return "?" if secret else num(v, digits)

    def g_(v: float) -> str:
        return "?" if gradient_hidden else num(v, digits)

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
        terms = signed_sum([n_(v) for v in chain.per_example[:SHARES]])
        more = f" + … ({m - SHARES} more)" if m > SHARES else ""
        ok = "✓" if _close(chain.mean, chain.gradient) else "✗"
        lines.append(
            Option(
                f"batch mean: {symbol} = (1/{m}) Σₖ ∂Lₖ/{name}\n"  # the sum on its own line
                f"  = (1/{m}) · ({terms}{more}) = {g_(chain.mean)}   {ok} step {grad_step + 1} is "
                f"{g_(chain.gradient)}",
                id=f"s{grad_step}",
            )
        )
        return lines
    ok = "✓" if _close(chain.total, chain.gradient) else "✗"
    lines.append(  # one example: Σ is the gradient
        Option(
            f"Σ = {g_(chain.total)}   {ok} {symbol} at step {grad_step + 1} is "
            f"{g_(chain.gradient)}",
            id=f"s{grad_step}",
        )
    )
    return lines


class ChainScreen(Dialog[int | None]):
    """Returns the step to jump to (enter on a factor), or None. In a batch, `,` and `.`
    list the paths of the previous or next example (`example_chain(k)` gives its chain)."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("full_stop,greater_than_sign", "example(1)", "Next example", show=False),
        Binding("comma,less_than_sign", "example(-1)", "Previous example", show=False),
    ]
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
        gradient_hidden: bool = False,
        example_chain: Callable[[int], Chain] | None = None,
    ):
        """`veiled`: the steps a quiz still asks for; `secret`: one of the gradient's
        factors is among them (every product and share is then ?); `gradient_hidden`: the
        gradient itself is asked (or would give a factor away), so it is ? too."""
        super().__init__()
        self.chain, self.symbol, self.grad_step, self.digits = chain, symbol, grad_step, digits
        self.veiled, self.secret, self.gradient_hidden = veiled, secret, gradient_hidden
        self.example_chain = example_chain

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = self.title_text()
            yield Plain(self.about(), id="about")
            if self.secret or self.gradient_hidden:
                yield Plain("The quiz still asks for some of these values: they are ?.")
            yield OptionList(*self.options())

    def title_text(self) -> str:
        """`Why is ∂L/∂W⁽¹⁾[0,0] = 0.0823?`, or without the value while a quiz asks for it."""
        if self.gradient_hidden:
            return f"Why is {self.symbol} what it is?"
        return f"Why is {self.symbol} = {num(self.chain.gradient, self.digits)}?"

    def about(self) -> str:
        c = self.chain
        batch = (
            f" Listed for example {c.example} of {c.batch} (, and . choose another); its "
            "paths sum to that example's share, and the batch's gradient is the mean of the "
            "examples' shares."
            if c.batch > 1
            else ""
        )
        if not c.paths:
            return (
                f"{c.n_paths:,} paths run from {c.ref.label()} to the loss: too many "
                f"to list. Backprop sums them layer by layer: that is what δ is.{batch}"
            )
        return (
            f"{self.symbol} is the sum over {c.n_paths} path"
            f"{'s' if c.n_paths != 1 else ''} from {c.ref.label()} to L of the "
            f"product of the chain-rule factors.{batch} Enter jumps to a step."
        )

    def options(self) -> list[Option | None]:
        return chain_options(
            self.chain,
            self.symbol,
            self.grad_step,
            self.digits,
            self.veiled,
            self.secret,
            self.gradient_hidden,
        )

    def action_example(self, delta: int) -> None:
        """List the next (previous) example's paths, round the batch."""
        m = self.chain.batch
        if m == 1 or self.example_chain is None:
            self.app.bell()  # one example: there is no other to list
            return
        self.chain = self.example_chain((self.chain.example + delta) % m)
        self.query_one("#about", Plain).update(self.about())
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self.options())
        options.action_first()  # the first factor, as on opening

    @on(OptionList.OptionSelected)
    def jump(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id.startswith("s"):
            self.dismiss(int(event.option.id[1:].split("-")[0]))

    def action_close(self) -> None:
        self.dismiss(None)
