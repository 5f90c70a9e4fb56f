"""Unsaved work kept when a session ends without saving (a signal, a crash).

A recovery file is an ordinary network file, written through the same checks as a save, in
$BPDEBUG_RECOVERY_DIR, else $XDG_STATE_HOME/bpdebug, else ~/.local/state/bpdebug, else a
folder of the system's temporary directory. The next `bpdebug` offers to open it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path

from bpdebug.engine import Network
from bpdebug.files.atomic import free_name
from bpdebug.files.netfile import Limits, save_network

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


def candidates() -> list[Path]:
    """Where recovery files may go, in order of preference."""
    found = []
    if os.environ.get("BPDEBUG_RECOVERY_DIR"):
        found.append(Path(os.environ["BPDEBUG_RECOVERY_DIR"]))
    if os.environ.get("XDG_STATE_HOME"):
        found.append(Path(os.environ["XDG_STATE_HOME"]) / "bpdebug")
    with contextlib.suppress(RuntimeError):  # no home directory
        found.append(Path.home() / ".local" / "state" / "bpdebug")
    found.append(Path(tempfile.gettempdir()) / f"bpdebug-{os.getuid()}")
    return found


def writable_folders() -> list[Path]:
    """The candidates that exist (made if missing) and can be written, in order."""
    usable = []
    for folder in candidates():
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.access(folder, os.W_OK):
                usable.append(folder)
        except OSError:
            continue
    return usable


def write_recovery(net: Network, why: str) -> Path:
    """Write `net` to a new recovery file, in the first folder where that works (one that
    says it is writable may still refuse: a full disk); OSError naming every folder tried,
    or NetworkFileError, if it cannot be."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    when = time.strftime("%Y-%m-%d %H:%M:%S")
    origin = f" (from {net.source})" if net.source else ""
    comment = f"Unsaved work of a bpdebug session that ended at {when}: {why}{origin}"
    tried = []
    for folder in writable_folders():
        path = free_name(folder / f"{PREFIX}{stamp}-{os.getpid()}.toml")  # twice in a second
        try:
            return save_network(net, path, comment=comment, limits=LIMITS)
        except OSError as exc:
            tried.append(f"{folder}: {exc.strerror or exc}")
    said = "; ".join(tried) or "tried " + ", ".join(map(str, candidates()))
    raise OSError(f"no folder for a recovery file can be written ({said})")


def pending() -> list[Path]:
    """Recovery files left by earlier sessions, newest first: in the folder they now go to
    and in any preferred one before it that can no longer be written. Regular files only (a
    named pipe or a link to a device is never opened)."""
    found = []
    for folder in dict.fromkeys(candidates()):
        with contextlib.suppress(OSError):  # the folder, or a file, went away meanwhile
            found += [(p.stat().st_mtime, p) for p in folder.glob(f"{PREFIX}*.toml") if p.is_file()]
        if folder.is_dir() and os.access(folder, os.W_OK):
            break  # where kept work goes now: the folders after it are not looked at
    return [p for _, p in sorted(found, key=lambda pair: pair[0], reverse=True)]


FIRST_LINE_BYTES = 500  # of a recovery file, read to say when and why its session ended


def ended_why(path: Path) -> str:
    """The first comment line of a recovery file: when and why its session ended ('' if it
    has none). Only its first few hundred bytes are read: a 2 GiB file with no line end
    costs no memory, a pipe put there is not waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        try:
            head = os.read(fd, FIRST_LINE_BYTES) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
        finally:
            os.close(fd)
    except OSError:
        return ""
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    if not first.startswith("#"):
        return ""
    said = first.lstrip("# ").strip()
    return "".join(c if c.isprintable() else " " for c in said)
