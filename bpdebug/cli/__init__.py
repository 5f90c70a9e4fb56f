"""The command line: `bpdebug [NET]`, `trace`, `check`, `snapshot`, `explain`, `train`,
`compare`, `quiz`, `grade`, `exam`, `graph`, `import-torch`, `serve`. Thin on purpose: parsing
in args.py, each command in commands.py (train.py, classroom.py, serve.py).

Every bad file or argument is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from bpdebug.cli import commands
from bpdebug.cli.allocator import keep_freed_memory
from bpdebug.cli.args import COMMANDS, UsageError, command_parser, open_parser
from bpdebug.cli.commands import say
from bpdebug.files.netfile import NetworkFileError

# Each command's module and function, imported when it runs: `bpdebug` opening the debugger
# loads none of train's, the classroom's or serve's code before its first frame.
RUNNERS = {
    "trace": ("commands", "run_trace"),
    "check": ("commands", "run_check"),
    "explain": ("commands", "run_explain"),
    "snapshot": ("commands", "run_snapshot"),
    "train": ("train", "run_train"),
    "compare": ("train", "run_compare"),
    "quiz": ("classroom", "run_quiz"),
    "grade": ("classroom", "run_grade"),
    "exam": ("classroom", "run_exam"),
    "graph": ("commands", "run_graph"),
    "import-torch": ("commands", "run_import_torch"),
    "serve": ("serve", "run_serve"),
}


def dispatch(argv: Sequence[str]) -> int:
    if argv and argv[0] in COMMANDS:
        args = command_parser(argv[0]).parse_args(argv[1:])
        module, function = RUNNERS[argv[0]]
        runner = getattr(importlib.import_module(f"bpdebug.cli.{module}"), function)
        return int(runner(args))
    return commands.run_app(open_parser().parse_args(argv))


def _usable_streams() -> bool:
    """Standard output can be written to, in any encoding: a character the encoding lacks is
    written as an escape (\u2202) rather than failing. False if it is closed."""
    if sys.stdout is None:
        say("bpdebug: standard output is closed: nothing could be shown")
        return False
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    return True


def _drop_stdout() -> None:
    """After output failed: stop Python trying again (and failing again) at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    keep_freed_memory()
    if not _usable_streams():
        return 2
    try:
        code = dispatch(argv)
        sys.stdout.flush()
        return code
    except (UsageError, NetworkFileError) as exc:
        say(f"bpdebug: {exc}" if isinstance(exc, NetworkFileError) else str(exc))
        return 2
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except MemoryError:
        say(
            "bpdebug: not enough memory for this network "
            "(the --max-… limits keep a network within what a machine usually has)"
        )
        return 2
    except OSError as exc:  # writing the output failed: a full disk, a closed pipe …
        say(f"bpdebug: cannot write the output: {exc.strerror or exc}")
        with contextlib.suppress(OSError, ValueError):
            _drop_stdout()
        return 1
