"""The command line's arguments: one parser per command, the shared flags (limits, digits),
and the one-line error for a bad argument."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from bpdebug import __version__
from bpdebug.cli.flags import (
    NET_HELP,
    bounded,
    digits_flag,
    positive_float,
    positive_int,
    quiz_flags,
    serve_flags,
    train_flags,
    width,
)
from bpdebug.engine.gradcheck import CALL_WORK
from bpdebug.engine.gradcheck import MAX_WORK as MAX_CHECK_WORK
from bpdebug.files.netfile import Limits
from bpdebug.files.samples import DEFAULT_SAMPLE
from bpdebug.output.report import MAX_JSON_NUMBERS

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


MAX_SNAPSHOT_KEYS = 1_000  # `snapshot --keys`: a minute of frames at most, unless raised

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
            type=bounded(10, 1000),
            default=None,
            help="columns, 10-1000 (default: terminal)",
        )
        p.add_argument(
            "--height", type=bounded(2, 200), default=14, help="plot rows, 2-200 (default 14)"
        )
        _limit_flags(p)
        return p
    if command == "serve":
        serve_flags(p)
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
        quiz_flags(p, command)
    elif command == "train":
        train_flags(p)
    elif command == "trace":
        p.description = "Print every step of one gradient-descent iteration."
        p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
        digits_flag(p)
        p.add_argument(
            "--width",
            type=width,
            metavar="N",
            help="text: columns the matrices are laid out in (default: the terminal's, or 120)",
        )
        p.add_argument(
            "--max-json-numbers",
            type=positive_int,
            default=MAX_JSON_NUMBERS,
            metavar="N",
            help=f"json: refuse to write more numbers than this (default {MAX_JSON_NUMBERS:,}, "
            "about 270 MB)",
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
        p.add_argument(
            "--max-check-work",
            type=positive_int,
            default=MAX_CHECK_WORK,
            metavar="N",
            help="refuse a check whose finite differences take more work than this, in "
            f"multiply-adds (a NumPy call counts {CALL_WORK:,}; default {MAX_CHECK_WORK:,}, "
            "about 2 to 5 s)",
        )
    elif command == "explain":
        p.description = "Write one iteration as a worked solution a teacher could hand out."
        p.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown")
        digits_flag(p)
        p.add_argument(
            "--why",
            action="append",
            metavar="NAME",
            help="derive this weight's or bias's gradient path by path (W2[0,0], b1[0]); "
            "again for more; default: W⁽ˡ⁾[0,0] of each layer of a net of ≤ 20 parameters",
        )
        p.add_argument(
            "--terse", action="store_true", help="the answer key only: no prose, no derivations"
        )
        p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
        p.add_argument("--force", action="store_true", help="replace an existing --output file")
    elif command == "snapshot":
        p.description = "Run the debugger headless, press KEYS, save the screen."
        p.add_argument("--keys", default="", help="space-separated key names, e.g. 'n n ] 2'")
        p.add_argument("--output", "-o", metavar="FILE.svg", help="where to write the SVG")
        p.add_argument("--text", action="store_true", help="print the screen as plain text")
        p.add_argument("--size", default="100x32", metavar="WxH", help="terminal size")
        p.add_argument(
            "--max-keys",
            type=positive_int,
            default=MAX_SNAPSHOT_KEYS,
            metavar="N",
            help="refuse more keys than this (each takes a frame, about 50 ms; "
            f"default {MAX_SNAPSHOT_KEYS:,})",
        )
        p.add_argument("--force", action="store_true", help="replace an existing --output file")
        p.add_argument(
            "--theme",
            default="textual-dark",
            help="a Textual theme, e.g. "
            "textual-light, textual-dark, nord, gruvbox (default textual-dark)",
        )
    _limit_flags(p)
    return p
