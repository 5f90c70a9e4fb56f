"""Outputs checked before the work that fills them (a long `train` run is not wasted on a log
that could never be written).

`ready` refuses, as one OutputError naming the file, everything that write_output would refuse
or fail on and that can be known beforehand: a name too long, an existing file without
--force, a missing folder, a folder, a block device or socket, a folder nothing can be written
in (read-only, or a file system that refuses it), a named pipe nothing is reading, a device
that refuses writes (/dev/full). A pipe or a device is opened then and kept open, so that the
reader found now is the one written to later.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from pathlib import Path

from bpdebug.files.atomic import OutputError, check_output, kind_of, write_output
from bpdebug.files.flow_log import printable


class Target:
    """A checked output: its path, and for a pipe or a device the descriptor opened now."""

    def __init__(self, path: Path, force: bool, fd: int | None = None) -> None:
        self.path, self.force, self._fd = path, force, fd

    def write(self, text: str) -> None:
        """Write `text` there (atomically for a file); an OutputError naming it if it fails."""
        if self._fd is None:
            try:
                write_output(self.path, text, self.force)
            except OutputError as exc:
                raise OutputError(printable(str(exc))) from None
            return
        fd, self._fd = self._fd, None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as exc:
            raise OutputError(f"{shown(self.path)}: cannot write: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def shown(path: Path | str) -> str:
    """A path as a message may print it: control characters escaped, never obeyed."""
    return printable(str(path))


def ready(path: Path, force: bool) -> Target:
    """`path` checked as an output before any work: a Target to write later, or OutputError."""
    try:
        check_output(path, force)
    except OutputError as exc:
        raise OutputError(printable(str(exc))) from None
    try:
        st: os.stat_result | None = os.stat(path)  # through a link, what it points at
    except FileNotFoundError:
        st = None
    except OSError as exc:  # a loop of links, a name the system refuses
        raise OutputError(f"{shown(path)}: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{shown(path)} is a folder")
    if st is not None and stat.S_IFMT(st.st_mode) in (stat.S_IFIFO, stat.S_IFCHR):
        return Target(path, force, _opened(path))
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{shown(path)} is {kind_of(st.st_mode)}: bpdebug will not write to it")
    _can_create_in(Path(os.path.realpath(path)).parent, path)
    return Target(path, force)


def _opened(path: Path) -> int:
    """A pipe or a device opened for writing now, without waiting for a reader, and tried
    with an empty write (which /dev/full refuses as it refuses every write)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"{shown(path)} is a named pipe that nothing is reading") from None
        raise OutputError(f"{shown(path)}: cannot write: {exc.strerror or exc}") from None
    try:
        os.write(fd, b"")
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except OSError as exc:
        os.close(fd)
        raise OutputError(f"{shown(path)}: cannot write: {exc.strerror or exc}") from None
    return fd


def _can_create_in(folder: Path, path: Path) -> None:
    """Whether a file can be made in `folder` (tried, not guessed: permission bits say nothing
    to root, and a read-only file system says it only when written)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".bpdebug-check-", dir=folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{shown(path)}: cannot write in {shown(folder)}: {reason}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
