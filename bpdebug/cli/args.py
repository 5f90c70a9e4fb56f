"""The command line's arguments: one parser per command, the shared flags (limits, digits),
and the one-line error for a bad argument."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from .. import __version__
from ..netfile import Limits
from ..notation.parse import shown
from ..samples import DEFAULT_SAMPLE, sample_names

COMMANDS = (
    "trace",
    "check",
    "snapshot",
    "explain",
    "train",
    "compare",
    "quiz",
    "grade",
    "exam",
    "graph",
    "import-torch",
    "serve",
)


class UsageError(Exception):
    """A bad argument: reported as one line, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def positive_int(text: str) -> int:
    """A whole number such as 20000, 20_000 or 2e4."""
    try:
        value = float(text) if "e" in text.lower() else int(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(text)}") from None
    if not float(value).is_integer() or not 1 <= value <= 2**62:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 2**62, got {text}")
    return int(value)


def _bounded(low: int, high: int):  # type: ignore[no-untyped-def]
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


def _digits(text: str) -> int | None:
    if text.strip().lower() == "full":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 1 to 17 or full, got {shown(text)}") from None
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"must be from 1 to 17 (or full), got {value}")
    return value


def _digits_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--digits",
        type=_digits,
        default=6,
        metavar="N",
        help="significant digits of the numbers in formulas, 1-17 or 'full' (default 6)",
    )


LIMIT_FLAGS = (  # (Limits field, metavar, help); the flag is the field with dashes
    ("max_units", "N", "largest layer given by units"),
    ("max_examples", "N", "most examples in data"),
    ("max_params", "N", "most parameters in all"),
    ("max_file_bytes", "N", "largest network file"),
    ("max_trace_bytes", "N", "memory one iteration's trace may take"),
    ("max_magnitude", "X", "largest |number| in a file"),
)


def _limit_flags(parser: argparse.ArgumentParser) -> None:
    d = Limits()
    g = parser.add_argument_group("limits (checked before anything is allocated)")
    for field, metavar, text in LIMIT_FLAGS:
        default = getattr(d, field)
        shown_default = f"{default:g}" if metavar == "X" else f"{default:,}"
        g.add_argument(
            "--" + field.replace("_", "-"),
            type=positive_float if metavar == "X" else positive_int,
            default=default,
            metavar=metavar,
            help=f"{text} (default {shown_default})",
        )


def limits_of(args: argparse.Namespace) -> Limits:
    return Limits(**{field: getattr(args, field) for field, _, _ in LIMIT_FLAGS})


NET_HELP = f"a network file (.toml or .json) or a sample's name: {', '.join(sample_names())}"


def open_parser() -> Parser:
    p = Parser(
        prog="bpdebug",
        description="A terminal step-debugger for backpropagation. "
        f"Commands: {', '.join(COMMANDS)} (bpdebug COMMAND --help).",
        epilog="Examples: bpdebug · bpdebug xor · bpdebug trace two_layer --format json · "
        "bpdebug check deep · bpdebug snapshot xor --keys 'n n n' --output step3.svg",
    )
    p.add_argument(
        "net",
        nargs="?",
        default=DEFAULT_SAMPLE,
        metavar="NET",
        help=NET_HELP + f" (default: {DEFAULT_SAMPLE})",
    )
    p.add_argument("--version", action="version", version=f"bpdebug {__version__}")
    # Set by `bpdebug serve` for each browser tab's session: open only under this folder.
    p.add_argument("--served-from", type=Path, help=argparse.SUPPRESS)
    _limit_flags(p)
    return p


KINDS_HELP = (
    "which steps: all, phases (forward, backward, update) or kinds (z a loss dL_da dact delta "
    "dW db W_new b_new), comma-separated (default all)"
)


def _quiz_flags(p: argparse.ArgumentParser, command: str) -> None:
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
        p.add_argument("--variants", type=positive_int, default=1, metavar="N")
        p.add_argument("--seed", type=_bounded(0, 2**63 - 1), default=0, metavar="S")
        p.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown")
        p.add_argument("--output-dir", "-o", default=".", metavar="DIR")
        p.add_argument("--data", action="store_true", help="draw the data from the seed too")
        p.add_argument("--force", action="store_true", help="replace existing sheets")
        _digits_flag(p)
    if command == "quiz":  # set by `bpdebug serve --quiz` for each tab's session
        p.add_argument("--served-from", type=Path, help=argparse.SUPPRESS)
    if command != "grade":
        p.add_argument("--kinds", metavar="LIST", default=None, help=KINDS_HELP)
    if command != "exam":
        _tolerance_flag(p)


def _width(text: str) -> int:
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


def _tolerance_flag(p: argparse.ArgumentParser, when: str = "") -> None:
    p.add_argument(
        "--tolerance",
        type=float,
        default=1e-3,
        metavar="TOL",
        help=f"{when}relative tolerance of a right answer (default 1e-3)",
    )


def _train_flags(p: argparse.ArgumentParser) -> None:
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
    stops = p.add_argument_group("stopping on divergence (a nan or inf always stops)")
    stops.add_argument(
        "--stop-rising",
        type=positive_int,
        metavar="K",
        help="when the loss rose K iterations in a row (default 10)",
    )
    stops.add_argument(
        "--stop-above",
        type=positive_float,
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


def _serve_flags(p: argparse.ArgumentParser) -> None:
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
    p.add_argument("--port", type=_bounded(1, 65535), default=8000, help="default 8000")
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
    _tolerance_flag(p, "with --quiz: ")


def command_parser(command: str) -> Parser:
    p = Parser(prog=f"bpdebug {command}")
    if command == "import-torch":
        p.description = (
            "Convert a PyTorch network into a network file: an nn.Sequential of Linear "
            "layers and activations from MODEL.py[:NAME] (this runs the module: use it on "
            "code you trust), or the weights of WEIGHTS.safetensors / WEIGHTS.pt with "
            "--activations (nothing runs: .pt is read with torch.load(weights_only=True))."
        )
        p.add_argument(
            "model",
            metavar="SOURCE",
            help="model.py or package.module, with :NAME for the attribute (default: model);"
            " or a .safetensors / .pt / .pth file of weights",
        )
        p.add_argument(
            "--activations",
            metavar="LIST",
            help="for a weights file: one activation per Linear layer, e.g. relu,relu,sigmoid "
            "(leaky_relu:0.2 gives the slope)",
        )
        p.add_argument("--output", "-o", metavar="FILE.toml", help="default: NAME.toml here")
        p.add_argument(
            "--loss",
            default=None,
            choices=("quadratic", "mse", "binary_cross_entropy", "cross_entropy"),
            help="default: cross_entropy after a Softmax, else mse",
        )
        p.add_argument("--learning-rate", type=positive_float, default=0.1)
        p.add_argument("--force", action="store_true", help="replace an existing output file")
        _limit_flags(p)
        return p
    if command == "compare":
        p.description = (
            "Compare the loss curves of training logs (bpdebug train --log): a summary of "
            "each, then both curves plotted in the terminal."
        )
        p.add_argument("logs", nargs=2, metavar="LOG", help="a .csv or .json log")
        p.add_argument(
            "--width",
            type=_bounded(10, 1000),
            default=None,
            help="columns, 10-1000 (default: terminal)",
        )
        p.add_argument(
            "--height", type=_bounded(2, 200), default=14, help="plot rows, 2-200 (default 14)"
        )
        _limit_flags(p)
        return p
    if command == "serve":
        _serve_flags(p)
        _limit_flags(p)
        return p
    p.add_argument("net", metavar="NET", help=NET_HELP)
    if command == "graph":
        p.description = (
            "Write the computational graph of NET as the text draws it: DOT, or SVG/PNG laid "
            "out by Graphviz's dot; with --step K, each node's value at step K and that "
            "step's node and edge in bold."
        )
        p.add_argument("--step", type=positive_int, metavar="K", help="a step number (1-based)")
        p.add_argument("--format", choices=("dot", "svg", "png"), default="dot")
        p.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
        p.add_argument("--force", action="store_true", help="replace an existing --output file")
    elif command in ("quiz", "grade", "exam"):
        _quiz_flags(p, command)
    elif command == "train":
        _train_flags(p)
    elif command == "trace":
        p.description = "Print every step of one gradient-descent iteration."
        p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
        _digits_flag(p)
        p.add_argument(
            "--width",
            type=_width,
            metavar="N",
            help="text: columns the matrices are laid out in (default: the terminal's, or 120)",
        )
    elif command == "check":
        p.description = (
            "Compare every backprop gradient with central finite differences; "
            "exit 1 if any relative error is above the tolerance."
        )
        p.add_argument(
            "--tolerance",
            type=float,
            default=1e-6,
            metavar="TOL",
            help="largest relative error accepted (default 1e-6)",
        )
    elif command == "explain":
        p.description = "Write one iteration as a worked solution a teacher could hand out."
        p.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown")
        _digits_flag(p)
        p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
        p.add_argument("--force", action="store_true", help="replace an existing --output file")
    elif command == "snapshot":
        p.description = "Run the debugger headless, press KEYS, save the screen."
        p.add_argument("--keys", default="", help="space-separated key names, e.g. 'n n ] 2'")
        p.add_argument("--output", "-o", metavar="FILE.svg", help="where to write the SVG")
        p.add_argument("--text", action="store_true", help="print the screen as plain text")
        p.add_argument("--size", default="100x32", metavar="WxH", help="terminal size")
        p.add_argument("--force", action="store_true", help="replace an existing --output file")
        p.add_argument(
            "--theme",
            default="textual-dark",
            help="a Textual theme, e.g. "
            "textual-light, textual-dark, nord, gruvbox (default textual-dark)",
        )
    _limit_flags(p)
    return p
