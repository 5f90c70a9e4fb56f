"""A student's answer file for `bpdebug grade`: TOML whose keys name steps, as a step number
("13") or as `trace --format json` names a value ("delta.1", "dW.2", "loss"), and whose values
are numbers or nested lists in the step's shape.

    "5" = 0.2984
    "delta.1" = [0.0088, 0.0100]
    "dW.2" = [[0.0822, 0.0827], [-0.0226, -0.0227]]
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bpdebug.engine import Step, Trace
from bpdebug.engine.vocabulary import KIND_TITLES
from bpdebug.files.atomic import read_bounded
from bpdebug.files.validate import NetworkFileError
from bpdebug.notation.parse import shown

STEP_NUMBER = re.compile(r"[0-9]+")  # ASCII digits only: "²" and "٥" name no step
STEP_NAME = re.compile(r"([A-Za-z_]+)(?:\.([0-9]{1,9}))?")  # "delta.1", "loss"
# An answer file holds at most one number per entry of each step, each written out with room
# to spare, and some comments: anything larger is refused before it is parsed.
BYTES_PER_ENTRY, BYTES_BESIDE = 64, 64 * 1024


class Answer(NamedTuple):
    key: str  # as the file wrote it
    step: Step
    value: np.ndarray | None  # None: not numbers (`problem` says why)
    problem: str
    also: tuple[str, ...] = ()  # the other keys that named the same step: not graded


def step_key(step: Step) -> str:
    """The name `trace --format json` gives a step's value: 'delta.1', 'loss'."""
    return step.kind if step.layer is None else f"{step.kind}.{step.layer}"


def printable(text: str) -> str:
    """A file's name or key as a message may show it: control characters escaped (\\x1b)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def find_step(trace: Trace, key: str) -> Step:
    """The step a key names, or KeyError saying which keys exist."""
    stripped = key.strip()
    if STEP_NUMBER.fullmatch(stripped):
        k = int(stripped) if len(stripped) <= 30 else 0  # 5,000 digits: no step, and no int
        if 1 <= k <= len(trace):
            return trace[k - 1]
        raise KeyError(f"{shown(key)}: there are steps 1 to {len(trace)}")
    name = STEP_NAME.fullmatch(stripped)
    if name and name[1] in KIND_TITLES:
        try:
            return trace.find(name[1], int(name[2]) if name[2] else None)
        except LookupError:
            pass
    names = ", ".join(step_key(s) for s in trace.steps[:6])
    raise KeyError(f"{shown(key)} names no step (a step number, or a name such as {names}, …)")


def answers_bytes(trace: Trace) -> int:
    """The most an answer file for this trace can need: every step's every entry, and notes."""
    return BYTES_BESIDE + BYTES_PER_ENTRY * sum(np.size(s.value) for s in trace.steps)


def read_answers(path: Path, trace: Trace) -> list[Answer]:
    """Every answer in the file, one per step in step order (a step named twice, as "5" and
    "loss", is graded once: the first key, the others in `also`). NetworkFileError for a
    file that can't be read as answers (not TOML, a key naming no step)."""
    document = _document(path, trace)
    by_step: dict[int, Answer] = {}
    for key, value in document.items():
        try:
            step = find_step(trace, key)
        except KeyError as exc:
            raise NetworkFileError(printable(str(path)), "", str(exc.args[0])) from None
        first = by_step.get(step.index)
        if first is None:
            by_step[step.index] = _answer(key, step, value)
        else:
            by_step[step.index] = first._replace(also=(*first.also, key))
    return sorted(by_step.values(), key=lambda a: a.step.index)


def _document(path: Path, trace: Trace) -> dict[str, object]:
    """The answer file parsed, or NetworkFileError naming the file and the problem."""
    source, limit = printable(str(path)), answers_bytes(trace)
    try:
        raw = read_bounded(path, limit, "an answer file").decode("utf-8")
        document = tomllib.loads(raw)
    except FileNotFoundError:
        raise NetworkFileError(source, "", "no such file") from None
    except UnicodeDecodeError as exc:
        raise NetworkFileError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise NetworkFileError(source, "", f"not TOML: {exc}") from None
    except RecursionError:
        raise NetworkFileError(source, "", "not TOML: lists nested too deeply") from None
    except OSError as exc:
        raise NetworkFileError(source, "", str(exc.strerror or exc)) from None
    except ValueError as exc:
        problem = str(exc)
        if problem.startswith("file is"):  # more than any answers to this network need
            problem += f"; answers to these {len(trace)} steps need at most {limit:,}"
        elif "4300" in problem:  # Python refuses integers of more than 4,300 digits
            problem = "a number has more than 4,300 digits"
        raise NetworkFileError(source, "", problem) from None
    if not document:
        raise NetworkFileError(source, "", 'no answers (write e.g. "delta.1" = [0.1, 0.2])')
    return document


def _numbers_only(value: object, depth: int = 0) -> bool:
    """Numbers, or lists of them nested at most twice (a matrix): no text, no true/false."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, list) and depth < 2 and all(_numbers_only(v, depth + 1) for v in value)


def _answer(key: str, step: Step, value: object) -> Answer:
    if not _numbers_only(value):
        return Answer(key, step, None, "not a number, a list of numbers or a list of such rows")
    try:
        array = np.array(value, dtype=float)
    except OverflowError:
        return Answer(key, step, None, "holds an integer too large to be a number")
    except (TypeError, ValueError):  # numbers only, so: rows of different lengths
        return Answer(key, step, None, "its rows differ in length: not a rectangular list")
    if array.dtype == object or not np.isfinite(array).all():
        return Answer(key, step, None, "not a finite number or a rectangular list of numbers")
    return Answer(key, step, array, "")
