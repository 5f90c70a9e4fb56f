"""The flags of the commands that take many (quiz, grade, exam, train, serve), and the
types that read the command line's numbers: each refuses a bad value in one line."""

from __future__ import annotations

import argparse
from pathlib import Path

from bpdebug.files.samples import DEFAULT_SAMPLE, sample_names
from bpdebug.notation.parse import shown

NET_HELP = f"a network file (.toml or .json) or a sample's name: {', '.join(sample_names())}"


def positive_int(text: str) -> int:
    """A whole number such as 20000, 20_000 or 2e4."""
    try:
        value = float(text) if "e" in text.lower() else int(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(text)}") from None
    if not float(value).is_integer() or not 1 <= value <= 2**62:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 2**62, got {text}")
    return int(value)


def bounded(low: int, high: int):  # type: ignore[no-untyped-def]
    """A whole number from `low` to `high`, as an argparse type."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number, got {shown(text)}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high:,}, got {value}")
        return value

    return parse


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {shown(text)}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def digits(text: str) -> int | None:
    if text.strip().lower() == "full":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 1 to 17 or full, got {shown(text)}") from None
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"must be from 1 to 17 (or full), got {value}")
    return value


def digits_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--digits",
        type=digits,
        default=6,
        metavar="N",
        help="significant digits of the numbers in formulas, 1-17 or 'full' (default 6)",
    )


MAX_VARIANTS = 200  # exam sheets written at once

KINDS_HELP = (
    "which steps: all, phases (forward, backward, update) or kinds (z a loss dL_da dact delta "
    "dW db W_new b_new), comma-separated (default all)"
)


def quiz_flags(p: argparse.ArgumentParser, command: str) -> None:
    if command == "quiz":
        p.description = (
            "Open the debugger in quiz mode: each asked step hides its value until you answer "
            "it; wrong answers name the classic mistake that gives them."
        )
    elif command == "grade":
        p.description = (
            "Grade a student's answer file (TOML: step numbers or kind.layer names as keys, "
            'e.g. "13" = … or "delta.1" = [0.0088, 0.0100]); exit 0, or 2 for a bad file.'
        )
        p.add_argument("answers", metavar="ANSWERS.toml")
        p.add_argument("--format", choices=("text", "json"), default="text")
    else:
        p.description = (
            "Write question sheets for networks of NET's shape with parameters drawn from "
            "the seed (every asked value left blank) and one answer key per sheet."
        )
        p.add_argument(
            "--variants", type=bounded(1, MAX_VARIANTS), default=1, metavar="N", help="1-200"
        )
        p.add_argument("--seed", type=bounded(0, 2**63 - 1), default=0, metavar="S")
        p.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown")
        p.add_argument("--output-dir", "-o", default=".", metavar="DIR")
        p.add_argument("--data", action="store_true", help="draw the data from the seed too")
        p.add_argument("--force", action="store_true", help="replace existing sheets")
        digits_flag(p)
    if command == "quiz":  # set by `bpdebug serve --quiz` for each tab's session
        p.add_argument("--served-from", type=Path, help=argparse.SUPPRESS)
    if command != "grade":
        p.add_argument("--kinds", metavar="LIST", default=None, help=KINDS_HELP)
    if command != "exam":
        tolerance_flag(p)


def width(text: str) -> int:
    """A --width: a whole number of columns, 40 to 10,000."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of columns, got {text[:30]!r}"
        ) from None
    if not 40 <= n <= 10_000:
        raise argparse.ArgumentTypeError(f"must be from 40 to 10000 columns, got {n}")
    return n


def tolerance_flag(p: argparse.ArgumentParser, when: str = "") -> None:
    p.add_argument(
        "--tolerance",
        type=float,
        default=1e-3,
        metavar="TOL",
        help=f"{when}relative tolerance of a right answer (default 1e-3)",
    )


MAX_ITERATIONS = 10_000_000  # train -n: a typo's 10¹² is refused, not run for a lifetime
MAX_LOG_ROWS = 100_000  # a --log of this many rows stays under compare's default file limit


def above_one(text: str) -> float:
    """A --stop-above factor: a finite number above 1 (the loss passing F times its first)."""
    value = positive_float(text)
    if not value > 1:
        raise argparse.ArgumentTypeError(f"must be a number above 1, got {text}")
    return value


def train_flags(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Run gradient descent for many iterations, headless. Stops at the first non-finite "
        "loss or update (exit 1, with the diagnosis), or when the loss diverges; Ctrl-C "
        "stops after the current iteration and still writes what was asked (exit 130)."
    )
    p.add_argument("--iterations", "-n", type=positive_int, default=100, metavar="N")
    p.add_argument("--output", "-o", metavar="FILE", help="save the trained network (.toml/.json)")
    p.add_argument(
        "--log",
        metavar="FILE",
        help="the gradient flow per iteration: loss, per layer ‖δ‖, ‖∂L/∂W‖, ‖W‖, dead relu "
        "units (.csv with a header row, or .json)",
    )
    p.add_argument("--every", type=positive_int, default=1, metavar="K", help="log every K-th")
    p.add_argument(
        "--learning-rate", type=positive_float, metavar="ETA", help="instead of the file's"
    )
    p.add_argument("--force", action="store_true", help="replace existing --output/--log files")
    bounds = p.add_argument_group("bounds (checked before training starts)")
    bounds.add_argument(
        "--max-iterations",
        type=positive_int,
        default=MAX_ITERATIONS,
        metavar="N",
        help=f"most iterations -n may ask for (default {MAX_ITERATIONS:,})",
    )
    bounds.add_argument(
        "--max-log-rows",
        type=positive_int,
        default=MAX_LOG_ROWS,
        metavar="N",
        help=f"most rows --log may hold (default {MAX_LOG_ROWS:,}; --every K thins it)",
    )
    stops = p.add_argument_group("stopping on divergence (a nan or inf always stops)")
    stops.add_argument(
        "--stop-rising",
        type=positive_int,
        metavar="K",
        help="when the loss rose K iterations in a row (default 10)",
    )
    stops.add_argument(
        "--stop-above",
        type=above_one,
        metavar="F",
        help="when the loss passes F times its first value (default 10)",
    )
    stops.add_argument("--keep-going", action="store_true", help="never stop on divergence")


TIME_UNITS = {"s": 1, "m": 60, "h": 3600}


def duration(text: str) -> float:
    """Seconds from '600', '90s', '10m' or '1.5h': more than none, a week at most."""
    stripped = text.strip().lower()
    scale = TIME_UNITS.get(stripped[-1:], 0)
    try:
        seconds = float(stripped[:-1] if scale else stripped) * (scale or 1)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 7 * 24 * 3600:  # nan fails this too
        raise argparse.ArgumentTypeError(
            f"expected a time such as 600, 90s, 10m or 1h (at most a week), got {shown(text)}"
        )
    return seconds


def serve_flags(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Serve the debugger to web browsers (textual-serve): each tab gets its own session on "
        "NET; downloads replace saved files; only the samples and the files under this folder "
        "can be opened. Ctrl+C stops it."
    )
    p.add_argument(
        "net",
        nargs="?",
        default=DEFAULT_SAMPLE,
        metavar="NET",
        help=NET_HELP + f" (default: {DEFAULT_SAMPLE})",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every "
        "network it is on, with no password)",
    )
    p.add_argument("--port", type=bounded(1, 65535), default=8000, help="default 8000")
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, behind a reverse proxy (e.g. https://bp.example.org)",
    )
    p.add_argument(
        "--quiz",
        nargs="?",
        const="all",
        metavar="KINDS",
        help="every tab starts in quiz mode (as bpdebug quiz), asking KINDS: " + KINDS_HELP,
    )
    p.add_argument(
        "--idle-timeout",
        type=duration,
        default=600.0,
        metavar="TIME",
        help="end a tab's session when nothing was typed or clicked in it for TIME "
        "(seconds, or 90s, 10m, 1h; default 10m)",
    )
    tolerance_flag(p, "with --quiz: ")
