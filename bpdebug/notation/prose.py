"""Prose with mathematics in it: a step's note, a sentence of a lesson.

A `Prose` is a str, the words as the screen writes them in Unicode, that also keeps its
parts: words, and formulas as boxes of the layout (or, inside words, between dollars:
"how much $L$ changes"), so that a hand-out typesets the
mathematics (LaTeX math, MathML) where the screen prints text. A formula in a note is
written the way the screen shows it, `Math("σ′(z) = σ(z)(1 − σ(z))")`, and read here into
boxes once, when the plan is built:

- one letter (Latin or Greek, ∂, with primes) is a symbol, a number a number; a word of
  two letters or more is a function before a parenthesis (tanh, log, max, diag) and a word
  otherwise (if, else);
- after a symbol or a parenthesis: a layer ⁽¹⁾, the transpose ᵀ, a square ², a subscript
  (ᵢ ⱼ ₖ ₀…₉), or a power ^x, ^−z, ^{…};
- Σ with its subscript (Σⱼ) is the sum; the other operators are + − · ⊙ ⊘ = / > < ≤ ≥ ← ×
  and the comma of a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from bpdebug.notation.boxes import Apply, Box, Fenced, Mi, Mn, Mo, Row, Subscript, Sup, Text
from bpdebug.notation.text import text

Part = str | Box  # words, or a formula


class Math(str):
    """A formula inside a sentence, written as the screen writes it."""


class Prose(str):
    """Words and formulas: the str is the sentence as text; `parts` are its words (str)
    and its formulas (boxes), in order."""

    parts: tuple[Part, ...]

    def __new__(cls, *pieces: str | Box) -> Prose:
        parts: list[Part] = []
        for piece in pieces:
            if isinstance(piece, Math):
                parts += math_parts(piece)
            elif isinstance(piece, Prose):
                parts += piece.parts
            elif isinstance(piece, str):
                for k, words in enumerate(piece.split("$")):  # words, $formula$, words …
                    parts += math_parts(words) if k % 2 else [words]
            else:
                parts.append(piece)
        words = "".join(
            piece.replace("$", "") if isinstance(piece, str) else text(piece) for piece in pieces
        )
        self = super().__new__(cls, words)
        self.parts = tuple(_joined(parts))
        return self


def _joined(parts: list[Part]) -> Iterator[Part]:
    """Adjacent words as one string; empty words dropped."""
    words = ""
    for part in parts:
        if isinstance(part, str):
            words += part
            continue
        if words:
            yield words
            words = ""
        yield part
    if words:
        yield words


_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUBSCRIPTS = str.maketrans("ᵢⱼₖ₀₁₂₃₄₅₆₇₈₉", "ijk0123456789")
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<sum>Σ)"
    r"|(?P<word>[A-Za-z]{2,})"
    r"|(?P<letter>[A-Za-zα-ωΑ-Ω∂?][′']*)"  # (? is a value a quiz still asks)
    r"|(?P<layer>⁽[⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸ]+⁾)"
    r"|(?P<script>[ᵀ²]|[ᵢⱼₖ₀-₉]+|\^)"
    r"|(?P<comma>,)"
    r"|(?P<op>[+\-−·⊙⊘=/<>≤≥←×])"
    r"|(?P<open>[({])|(?P<close>[)}])"
)


class _Reader:
    """A recursive reader of one formula: items, scripts, groups."""

    def __init__(self, source: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        for m in _TOKEN.finditer(source):
            if m.lastgroup != "space":
                self.tokens.append((m.lastgroup or "", m.group()))
        if sum(len(t) for _, t in self.tokens) != len(re.sub(r"\s", "", source)):
            raise ValueError(f"not a formula the notes can write: {source!r}")
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def row(self, until: str = "end") -> list[Part]:
        """Items up to a closing parenthesis (or the end): boxes, and words between them."""
        out: list[Part] = []
        while self.peek()[0] not in (until, "end"):
            out.append(self.item())
        return out

    def item(self) -> Part:
        kind, value = self.take()
        if kind == "word":
            if self.peek()[0] in ("open", "script"):  # tanh(z), tanh²(z)
                fn = self.scripts(Mi(value))
                return self.scripts(Apply(fn, self.group())) if self.peek()[0] == "open" else fn
            return f" {value} "
        if kind == "letter":
            box: Box = Mi(value.replace("'", "′"))
            if self.peek()[0] == "open" and value.rstrip("′'") == "σ":
                return self.scripts(Apply(box, self.group()))
            return self.scripts(box)
        if kind == "number":
            return self.scripts(Mn(value))
        if kind == "open":
            self.at -= 1
            return self.scripts(Fenced("(", self.group(), ")"))
        if kind == "sum":
            return self.scripts(Mo("Σ"))
        if kind == "comma":
            return Mo(", ")
        if kind == "op":
            return Mo("−" if value == "-" else value)
        raise ValueError(f"unexpected {value!r} in a formula")

    def group(self) -> Box:
        """( … ) or { … }: its inside as one box."""
        _, opening = self.take()
        inside = self.row("close")
        closing = self.take()[1]
        if (opening, closing) not in (("(", ")"), ("{", "}")):
            raise ValueError(f"{opening} closed by {closing or 'nothing'} in a formula")
        return _box(inside)

    def scripts(self, base: Box) -> Box:
        while True:
            kind, value = self.peek()
            if kind == "layer":
                self.take()
                layer = value[1:-1].translate(_SUPERSCRIPT_DIGITS).replace("ˡ", "l")
                base = Sup(base, Row((Mo("("), Mi(layer.replace("ᴸ", "L")), Mo(")")), True))
            elif kind == "script" and value == "ᵀ":
                self.take()
                base = Sup(base, Mi("⊤"))
            elif kind == "script" and value == "²":
                self.take()
                base = Sup(base, Mn("2"))
            elif kind == "script" and value == "^":
                self.take()
                base = Sup(base, self.power())
            elif kind == "script":
                self.take()
                index = value.translate(_SUBSCRIPTS)
                letters = Row(tuple(Mi(ch) for ch in index), tight=True)  # ᵢⱼ: i and j
                base = Subscript(base, Mn(index) if index.isdigit() else letters)
            else:
                return base

    def power(self) -> Box:
        """What follows ^: {…}, or a sign and one symbol or number (e^−z, e^zᵢ)."""
        if self.peek()[0] == "open":
            return self.group()
        sign = self.take()[1] if self.peek()[1] in ("−", "-") else ""
        atom = self.item()
        assert not isinstance(atom, str), "a power of a word"
        return Row((Mo("−"), atom), tight=True) if sign else atom


def _box(parts: list[Part]) -> Box:
    items = tuple(Text(p) if isinstance(p, str) else p for p in parts)
    return items[0] if len(items) == 1 else Row(items)


@lru_cache(maxsize=512)
def math_parts(source: str) -> tuple[Part, ...]:
    """A formula as the screen writes it, read into boxes; its words (if, else) as words,
    so that a hand-out sets them upright in the sentence, not in italics. (Read once: the
    same notes come back in every layer and every plan.)"""
    parts = _Reader(source).row()
    out: list[Part] = []
    run: list[Box] = []
    for part in parts:
        if isinstance(part, str):
            if run:
                out.append(_box(list(run)))
                run = []
            out.append(part)
        else:
            run.append(part)
    if run:
        out.append(_box(list(run)))
    return tuple(out)
