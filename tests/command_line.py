"""bpdebug run as a person runs it from a shell, and what its errors must look like."""

from __future__ import annotations

import subprocess
import sys
from typing import Any


def bpdebug(*args: str, timeout: float | None = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`python -m bpdebug ARGS`: its exit status, standard output and standard error, as text."""
    return subprocess.run(
        [sys.executable, "-m", "bpdebug", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def one_line(code: int, err: str) -> str:
    """The command failed with status 2 and said exactly one line, no traceback."""
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]
