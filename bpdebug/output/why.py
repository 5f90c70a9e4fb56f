"""One weight's gradient derived as Mazur derives ∂E/∂w5: the scalar chain rule, path by path,
with its numbers, the sum checked against the trace's ∂L/∂W entry.

The paths and their factors come from the chain view's engine (engine/chain.py, the app's
`w`); this module writes them as a hand-out says them: what we want to know, the local
derivatives along a path, each path's product, their sum, and, below the output layer, the
same sum grouped as the backward pass computes it (∂L/∂a⁽ˡ⁾[i] · σ′(z⁽ˡ⁾[i]) · a⁽ˡ⁻¹⁾[j]).
A unit is a bracketed entry, as the app's `w` names it (the subscript is the example's there).
"""

from __future__ import annotations

import pathlib
import re
from typing import NamedTuple

import numpy as np

from bpdebug.engine import Network, Trace
from bpdebug.engine.chain import Chain, Path, chain_for
from bpdebug.engine.params import EditError, ParamRef, parse_name
from bpdebug.files.atomic import read_bounded
from bpdebug.notation import expr as ex
from bpdebug.notation import sup
from bpdebug.notation.boxes import Apply, Box, Fraction, Mi, Mo, Row, Text
from bpdebug.notation.layout import Setting, lay
from bpdebug.notation.prose import Math, Prose
from bpdebug.output.lesson.context import c, entry_of, equals, numbers, symbol

DEFAULT_MAX_PARAMS = 20  # networks this small get one weight's derivation per layer
MAX_SHARES = 8  # a batch's mean is written share by share up to this many examples


class Block(NamedTuple):
    """A paragraph or a displayed formula of a derivation."""

    prose: Prose | None = None
    display: Box | None = None


class Derivation(NamedTuple):
    ref: ParamRef
    after: int  # the index of the step that computes its gradient: written after it
    title: str
    blocks: list[Block]
    uses: frozenset[int]  # the steps whose values it writes


def parse_whys(names: list[str], net: Network) -> list[ParamRef]:
    """`--why W2[0,0]` names: each a weight or a bias; ValueError saying what is wrong."""
    refs = []
    for name in names:
        try:
            ref = parse_name(name, net)
        except EditError as exc:
            raise ValueError(f"--why {name}: {exc}") from None
        if ref.tensor not in ("W", "b"):
            raise ValueError(f"--why {name}: name a weight or a bias, e.g. W1[0,0] or b1[0]")
        if ref not in refs:
            refs.append(ref)
    return refs


NAMES_LINE = re.compile(r"#\s*names\s*(?:\((?P<whose>[^)]*)\))?\s*:(?P<names>.*)")
NAME_PAIR = re.compile(r"(\w+\[[^\]]*\])\s*=\s*([^,]+)")  # W1[0,0] = w1
NAMES_BYTES = 512 * 1024  # a file larger than this is not read again for its names


def file_names(net: Network) -> dict[ParamRef, str]:
    """What the network's file calls some of its parameters, from a comment line
    `# names (Mazur's post): W1[0,0] = w1, W2[0,0] = w5`: {W1[0,0]: "w1 in Mazur's post"}.
    None from a network without a file, a file that cannot be read or names nothing here."""
    try:
        text = read_bounded(pathlib.Path(net.source), NAMES_BYTES).decode("utf-8")
    except (OSError, ValueError):  # no file (an edit, a variant), unreadable, not UTF-8
        return {}
    found: dict[ParamRef, str] = {}
    for line in text.splitlines():
        match = NAMES_LINE.fullmatch(line.strip())
        if match is None:
            continue
        whose = f" in {match['whose'].strip()}" if match["whose"] else ""
        for ours, theirs in NAME_PAIR.findall(match["names"]):
            try:
                found[parse_name(ours, net)] = f"{theirs.strip()}{whose}"
            except EditError:  # a name this network does not have: left out
                continue
    return found


def default_whys(net: Network) -> list[ParamRef]:
    """W⁽ˡ⁾[0,0] of every layer, for a network of at most 20 parameters; none otherwise."""
    if net.n_params > DEFAULT_MAX_PARAMS:
        return []
    return [ParamRef("W", l, 0, 0) for l in range(1, net.depth + 1)]


def _grad(of: Box, wrt: Box) -> Box:
    return Fraction(Row((Mi("∂"), of), tight=True), Row((Mi("∂"), wrt), tight=True), "grad")


def _unit(base: str, layer: int | None, i: int) -> Box:
    """a⁽²⁾[0]: unit i of a layer's vector (x[1] for the input)."""
    return Row((symbol(base, layer), Text(f"[{i}]")), tight=True)


def _theta(ref: ParamRef) -> Box:
    """W⁽²⁾[0,1] or b⁽¹⁾[0], as the app names them."""
    l = ref.layer or 1
    if ref.tensor == "W":
        return entry_of(symbol("W", l), ref.i, ref.j)
    return _unit("b", l, ref.i)


def _elementwise(trace: Trace) -> bool:
    """Whether δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾) (else δ⁽ᴸ⁾ is one factor: softmax, a fused loss),
    as engine/chain.py decides it."""
    out = trace.find("delta", trace.network.depth)
    second = out.operands[1].step if len(out.operands) == 2 else None
    return second is not None and trace[second].kind == "dact"


def _factors(trace: Trace, ref: ParamRef, path: Path) -> list[tuple[Box, Box]]:
    """Each factor of a path as (its local derivative, its name): ∂a⁽²⁾[0]/∂z⁽²⁾[0] is
    σ′(z⁽²⁾[0]),
    in the order engine/chain.py multiplies them."""
    l, L = ref.layer or 1, trace.network.depth
    u = path.units[-1]
    out: list[tuple[Box, Box]] = []
    a_L, z_L = _unit("a", L, u), _unit("z", L, u)
    if _elementwise(trace):
        out.append((_grad(Mi("L"), a_L), _grad(Mi("L"), a_L)))
        out.append((_grad(a_L, z_L), Apply(Mi("σ′"), z_L)))
    else:  # one factor δ⁽ᴸ⁾ (softmax, a fused loss)
        out.append((_grad(Mi("L"), z_L), _unit("δ", L, u)))
    for layer in range(L, l, -1):
        upper, lower = path.units[layer - l], path.units[layer - l - 1]
        z_up = _unit("z", layer, upper)
        a_low, z_low = _unit("a", layer - 1, lower), _unit("z", layer - 1, lower)
        out.append((_grad(z_up, a_low), entry_of(symbol("W", layer), upper, lower)))
        out.append((_grad(a_low, z_low), Apply(Mi("σ′"), z_low)))
    if ref.tensor == "W":
        carried = _unit("x", None, ref.j) if l == 1 else _unit("a", l - 1, ref.j)
        out.append((_grad(_unit("z", l, ref.i), _theta(ref)), carried))
    return out


def _dot(boxes: list[Box]) -> Box:
    items: list[Box] = []
    for k, box in enumerate(boxes):
        items += [Mo("·"), box] if k else [box]
    return Row(tuple(items))


def _product(values: list[float]) -> ex.Expr:
    e: ex.Expr = c(values[0])
    for v in values[1:]:
        e = ex.MatMul(e, c(v))
    return e


def _through(path: Path, l: int) -> Box:
    """The units a path passes after layer l: a⁽²⁾[1] (, a⁽³⁾[0] …)."""
    boxes = [_unit("a", l + 1 + k, u) for k, u in enumerate(path.units[1:])]
    return Row(tuple(_comma(boxes)))


def _comma(boxes: list[Box]) -> list[Box]:
    out: list[Box] = []
    for k, box in enumerate(boxes):
        out += [Mo(", "), box] if k else [box]
    return out


def derivation(trace: Trace, ref: ParamRef, digits: int | None, alias: str = "") -> Derivation:
    """`ref`'s gradient, path by path, for the first example; then the batch's mean
    (`alias`: what the network's file calls the weight, said once, where it is first named)."""
    chain = chain_for(trace, ref, example=0)
    l = ref.layer or 1
    theta, z = _theta(ref), _unit("z", l, ref.i)
    kind = "dW" if ref.tensor == "W" else "db"
    step = trace.find(kind, l)
    grad = _grad(Mi("L"), theta)
    blocks = [Block(_wanted(trace, ref, chain, theta, z, alias))]
    if chain.paths:
        first = _factors(trace, ref, chain.paths[0])
        local = _dot([d for d, _ in first])
        blocks.append(Block(display=equals(grad, local)))
        blocks += _paths(trace, ref, chain, l, digits)
    if l < trace.network.depth and chain.paths:
        blocks += _grouped(trace, ref, chain, grad, digits)
    blocks += _check(trace, ref, chain, step.index, digits)
    title = f"Why ∂L/∂{ref.label()} is what it is: the chain rule, path by path"
    uses = {f.step for p in chain.paths for f in p.factors if f.step is not None}
    uses |= {trace.find(k, l).index for k in ("delta", "dL_da", "dact", kind)}
    return Derivation(ref, step.index, title, blocks, frozenset(uses))


def _wanted(trace: Trace, ref: ParamRef, chain: Chain, theta: Box, z: Box, alias: str) -> Prose:
    l = ref.layer or 1
    carried = _unit("x", None, ref.j) if l == 1 else _unit("a", l - 1, ref.j)
    how = (
        Prose(" multiplies ", carried, " on its way into ", z)
        if ref.tensor == "W"
        else Prose(" is added to ", z)
    )
    example = " of the first example" if trace.network.batch_size > 1 else ""
    paths = (
        "one path, and the chain rule multiplies the local derivatives along it"
        if chain.n_paths == 1
        else f"{chain.n_paths} paths, one through each unit it can pass; along each the chain "
        "rule multiplies the local derivatives, and the paths add up"
    )
    return Prose(
        "We want to know how much a change in ",
        theta,
        f" ({alias})" if alias else "",
        " affects the loss $L$",
        example,
        ". ",
        theta,
        how,
        "; from there the change reaches $L$ along ",
        paths,
        " (the first path's factors are shown):" if chain.n_paths > 1 else ":",
    )


def _paths(trace: Trace, ref: ParamRef, chain: Chain, l: int, digits: int | None) -> list[Block]:
    blocks = []
    for path in chain.paths:
        names = [name for _, name in _factors(trace, ref, path)]
        values = [f.value for f in path.factors]
        line = Row(
            (
                _dot(names),
                Mo("="),
                numbers(_product(values), digits),
                Mo("="),
                numbers(c(path.contribution), digits),
            )
        )
        if chain.n_paths > 1:
            blocks.append(Block(Prose("Through ", _through(path, l), ":")))
        blocks.append(Block(display=line))
    if chain.n_paths > 1:
        terms: ex.Expr = c(chain.paths[0].contribution)
        for path in chain.paths[1:]:
            terms = ex.Add(terms, c(path.contribution))
        if chain.n_paths > len(chain.paths):
            terms = ex.Add(terms, c(chain.rest))
        rest = (
            f" (the last term is the {chain.n_paths - len(chain.paths)} smaller paths together)"
            if chain.n_paths > len(chain.paths)
            else ""
        )
        blocks.append(Block(Prose(f"The paths add up{rest}:")))
        total = numbers(c(chain.total), digits)
        blocks.append(Block(display=Row((numbers(terms, digits), Mo("="), total))))
    return blocks


def _grouped(
    trace: Trace, ref: ParamRef, chain: Chain, grad: Box, digits: int | None
) -> list[Block]:
    """The same sum as the backward pass computes it: the paths share their last factors."""
    l, i, j = ref.layer or 1, ref.i, ref.j
    dL_da, dact = trace.find("dL_da", l), trace.find("dact", l)
    factors = [
        (_grad(Mi("L"), _unit("a", l, i)), np.asarray(dL_da.value)[i, 0]),
        (Apply(Mi("σ′"), _unit("z", l, i)), np.asarray(dact.value)[i, 0]),
    ]
    if ref.tensor == "W":
        carried = _unit("x", None, j) if l == 1 else _unit("a", l - 1, j)
        a = trace.network.x if l == 1 else trace.find("a", l - 1).value
        factors.append((carried, np.asarray(a)[j, 0]))
    values = [float(v) for _, v in factors]
    line = Row(
        (
            grad,
            Mo("="),
            _dot([b for b, _ in factors]),
            Mo("="),
            numbers(_product(values), digits),
            Mo("="),
            numbers(c(chain.total), digits),
        )
    )
    return [
        Block(
            Prose(
                "Every path ends with the same factors at layer ",
                f"{l}, so the sum is what the backward pass computes: ",
                _grad(Mi("L"), _unit("a", l, i)),
                f" (step "
                f"{dL_da.index + 1}) is the sum over the paths of their factors above layer {l}, "
                "as Mazur groups them:",
            )
        ),
        Block(display=line),
    ]


def _check(trace: Trace, ref: ParamRef, chain: Chain, step: int, digits: int | None) -> list[Block]:
    """The sum against the trace's ∂L/∂θ entry; in a batch, the mean of the shares."""
    l = ref.layer or 1
    name = Math(f"∂L/∂{ref.tensor}{sup(l)}")
    where = f"({ref.i}, {ref.j})" if ref.tensor == "W" else f"{ref.i}"
    entry = numbers(c(chain.gradient), digits)
    if chain.batch == 1:
        agree = np.isclose(chain.total, chain.gradient, rtol=1e-9, atol=0)
        mark = " ✓." if agree else " (they differ: the chain does not match the trace)."
        return [
            Block(
                Prose("This is entry ", where, " of ", name, f" at step {step + 1}: ", entry, mark)
            )
        ]
    m, mean = chain.batch, chain.mean
    agree = np.isclose(mean, chain.gradient, rtol=1e-9, atol=0)
    terms: ex.Expr = c(chain.per_example[0])
    for share in chain.per_example[1:]:
        terms = ex.Add(terms, c(share))
    written = (
        numbers(ex.MatMul(ex.Frac(c(1), c(m)), ex.Paren(terms)), digits)
        if m <= MAX_SHARES
        else lay(ex.BatchMean(ex.Sym("s", sub="k"), m), (), Setting()).box
    )
    mark = " ✓." if agree else " (they differ: the chain does not match the trace)."
    return [
        Block(
            Prose(
                "That is the share of the first example. Every example $k$ has its own share ",
                Math("sₖ"),
                ", and the gradient is their mean:",
            )
        ),
        Block(display=Row((written, Mo("="), numbers(c(mean), digits)))),
        Block(Prose("That is entry ", where, " of ", name, f" at step {step + 1}", mark)),
    ]


def derivations(
    trace: Trace, refs: list[ParamRef], digits: int | None
) -> dict[int, list[Derivation]]:
    """The derivations by the index of the step they follow."""
    out: dict[int, list[Derivation]] = {}
    names = file_names(trace.network) if refs else {}
    for ref in refs:
        d = derivation(trace, ref, digits, names.get(ref, ""))
        out.setdefault(d.after, []).append(d)
    return out
