"""Unsaved work kept when a session ends without saving (a signal, a crash).

A recovery file is an ordinary network file, written through the same checks as a save, in
$BPDEBUG_RECOVERY_DIR, else $XDG_STATE_HOME/bpdebug, else ~/.local/state/bpdebug, else a
folder of the system's temporary directory. The next `bpdebug` offers to open it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

from .atomic import free_name
from .engine import Network
from .netfile import Limits, save_network

# Kept work is written and read back whatever limits the session ran with (a trained network
# may have grown past the defaults); only what is not finite cannot be kept.
LIMITS = Limits(
    max_file_bytes=2**62,
    max_units=2**62,
    max_layers=2**62,
    max_examples=2**62,
    max_params=2**62,
    max_magnitude=1.7e308,
    max_trace_bytes=2**62,
)

PREFIX = "recovered-"


def recovery_dir() -> Path:
    """Where recovery files go (made if missing); the first candidate that can be written."""
    candidates = []
    if os.environ.get("BPDEBUG_RECOVERY_DIR"):
        candidates.append(Path(os.environ["BPDEBUG_RECOVERY_DIR"]))
    if os.environ.get("XDG_STATE_HOME"):
        candidates.append(Path(os.environ["XDG_STATE_HOME"]) / "bpdebug")
    with contextlib.suppress(RuntimeError):  # no home directory
        candidates.append(Path.home() / ".local" / "state" / "bpdebug")
    candidates.append(Path(tempfile.gettempdir()) / f"bpdebug-{os.getuid()}")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise OSError("no folder for a recovery file can be written")


def write_recovery(net: Network, why: str) -> Path:
    """Write `net` to a new recovery file; OSError or NetworkFileError if it cannot be."""
    folder = recovery_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = free_name(folder / f"{PREFIX}{stamp}-{os.getpid()}.toml")  # twice in a second
    when = time.strftime("%Y-%m-%d %H:%M:%S")
    origin = f" (from {net.source})" if net.source else ""
    comment = f"Unsaved work of a bpdebug session that ended at {when}: {why}{origin}"
    return save_network(net, path, comment=comment, limits=LIMITS)


def pending() -> list[Path]:
    """Recovery files left by earlier sessions, newest first."""
    try:
        folder = recovery_dir()
        found = [p for p in folder.glob(f"{PREFIX}*.toml") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def ended_why(path: Path) -> str:
    """The first comment line of a recovery file: when and why its session ended."""
    try:
        with path.open(encoding="utf-8") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return ""
    return first.lstrip("# ").strip()
