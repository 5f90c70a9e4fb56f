"""A student's answer file for `bpdebug grade`: TOML whose keys name steps, as a step number
("13") or as `trace --format json` names a value ("delta.1", "dW.2", "loss"), and whose values
are numbers or nested lists in the step's shape.

    "5" = 0.2984
    "delta.1" = [0.0088, 0.0100]
    "dW.2" = [[0.0822, 0.0827], [-0.0226, -0.0227]]
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .atomic import read_bounded
from .engine import Step, Trace
from .engine.plan import KIND_TITLES
from .validate import DEFAULT_LIMITS, NetworkFileError


class Answer(NamedTuple):
    key: str  # as the file wrote it
    step: Step
    value: np.ndarray | None  # None: not numbers (`problem` says why)
    problem: str


def step_key(step: Step) -> str:
    """The name `trace --format json` gives a step's value: 'delta.1', 'loss'."""
    return step.kind if step.layer is None else f"{step.kind}.{step.layer}"


def find_step(trace: Trace, key: str) -> Step:
    """The step a key names, or KeyError saying which keys exist."""
    if key.strip().isdigit():
        k = int(key)
        if 1 <= k <= len(trace):
            return trace[k - 1]
        raise KeyError(f"{key!r}: there are steps 1 to {len(trace)}")
    kind, _, layer = key.strip().partition(".")
    if kind in KIND_TITLES:
        try:
            return trace.find(kind, int(layer) if layer else None)
        except (KeyError, ValueError, LookupError):
            pass
    names = ", ".join(step_key(s) for s in trace.steps[:6])
    raise KeyError(f"{key!r} names no step (a step number, or a name such as {names}, …)")


def read_answers(path: Path, trace: Trace) -> list[Answer]:
    """Every answer in the file, in step order. NetworkFileError for a file that can't be
    read as answers (not TOML, a key naming no step)."""
    source = str(path)
    try:
        raw = read_bounded(path, DEFAULT_LIMITS.max_file_bytes).decode("utf-8")
        document = tomllib.loads(raw)
    except FileNotFoundError:
        raise NetworkFileError(source, "", "no such file") from None
    except UnicodeDecodeError as exc:
        raise NetworkFileError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise NetworkFileError(source, "", f"not TOML: {exc}") from None
    except RecursionError:
        raise NetworkFileError(source, "", "not TOML: lists nested too deeply") from None
    except (OSError, ValueError) as exc:
        raise NetworkFileError(source, "", str(getattr(exc, "strerror", None) or exc)) from None
    if not document:
        raise NetworkFileError(source, "", 'no answers (write e.g. "delta.1" = [0.1, 0.2])')
    answers = []
    for key, value in document.items():
        try:
            step = find_step(trace, key)
        except KeyError as exc:
            raise NetworkFileError(source, "", str(exc.args[0])) from None
        answers.append(_answer(key, step, value))
    return sorted(answers, key=lambda a: a.step.index)


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
    except (TypeError, ValueError):
        return Answer(key, step, None, "not a number or a list of numbers")
    if array.dtype == object or not np.isfinite(array).all():
        return Answer(key, step, None, "not a finite number or a rectangular list of numbers")
    return Answer(key, step, array, "")
