"""Files in and out: bounded reads of regular files only, and atomic writes.

A write goes to a temporary file in the same folder, flushed to disk, then renamed over the
target, so a reader sees the old file or the new one, never half. A symbolic link is written
through (its target is replaced, the link stays); a pipe or a terminal is written to directly
(asked for with overwrite); a directory, a block device or a socket is refused.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any

KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def kind_of(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def exists(path: Path) -> bool:
    """Whether anything is at `path` (a link, even a dangling one, counts); a name the system
    refuses outright (too long, say) counts as nothing there."""
    try:
        return path.is_symlink() or path.exists()
    except OSError:
        return False


def free_name(path: Path) -> Path:
    """`path`, or `path` with -2, -3, … before the suffix: never an existing file."""
    candidate, n = path, 2
    while exists(candidate):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def here() -> Path:
    """The working folder, or the home folder, or the temporary folder: one that exists
    (the working folder may have been deleted while bpdebug ran)."""
    for folder in (Path.cwd, Path.home, lambda: Path(tempfile.gettempdir())):
        try:
            found = folder()
        except (OSError, RuntimeError):
            continue
        if found.is_dir():
            return found
    return Path("/")


def read_bounded(path: Path, limit: int, what: str = "a network file") -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them (`what`: the kind of
    file a refusal says it expected).

    Raises OSError from the system, ValueError (its text says why) for anything that is not a
    regular file or is larger than `limit`. The file is opened without blocking, so a named
    pipe with no writer cannot hang the reader, and read in bounded chunks, so a file whose
    size reads 0 (/proc, /dev/zero) cannot exhaust memory.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"is {kind_of(st.st_mode)}, not {what}")
        if st.st_size > limit:
            raise ValueError(f"file is {st.st_size:,} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ValueError(f"file is more than {limit:,} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str | bytes, overwrite: bool = False) -> Path:
    """Write `text` to `path` so that readers see the old file or the new one, never half.

    Refuses to replace an existing file unless `overwrite` (FileExistsError); a replaced file
    keeps its permissions, a new one gets the usual 0666 less the umask. Through a symbolic
    link the link's target is written. A pipe or terminal (with `overwrite`) is written to
    directly; a folder, block device or socket is refused (IsADirectoryError, ValueError).
    On any failure the temporary file is removed and `path` is as it was.
    """
    try:
        st: os.stat_result | None = os.stat(path)  # follows links
    except FileNotFoundError:
        st = None
    if (st is not None or path.is_symlink()) and not overwrite:
        raise FileExistsError(f"{path} already exists")
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if stat.S_IFMT(st.st_mode) not in (stat.S_IFIFO, stat.S_IFCHR):
            raise ValueError(f"{path} is {kind_of(st.st_mode)}: bpdebug will not write to it")
        _write_directly(path, text)
        return path
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent)
    try:
        with _open(fd, text) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if st is not None:
            os.replace(tmp, target)
        else:
            _link_without_overwrite(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _open(fd: int, text: str | bytes, closefd: bool = True) -> IO[Any]:
    """The file for `text`: binary for bytes (a PNG), UTF-8 text otherwise."""
    if isinstance(text, bytes):
        return os.fdopen(fd, "wb", closefd=closefd)
    return os.fdopen(fd, "w", encoding="utf-8", closefd=closefd)


def _write_directly(path: Path, text: str | bytes) -> None:
    """Into a pipe or a terminal: opened without blocking (a pipe nobody reads is refused,
    not waited on), then written normally."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise ValueError(f"{path} is a named pipe that nothing is reading") from None
        raise
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        with _open(fd, text, closefd=False) as fh:
            fh.write(text)
    finally:
        os.close(fd)


def _link_without_overwrite(tmp: str, path: Path) -> None:
    """Put tmp at path only if path does not exist: a hard link fails if it appeared meanwhile."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links: check, then rename
        if path.exists():
            raise FileExistsError(f"{path} already exists") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


class OutputError(ValueError):
    """An output file that cannot be written, as one line that names it."""


def write_output(path: Path, text: str | bytes, force: bool = False) -> Path:
    """A command's --output: never over an existing file unless `force`; every refusal an
    OutputError naming the file and the reason."""
    check_output(path, force)
    try:
        return write_atomically(path, text, overwrite=force)
    except FileExistsError:
        raise OutputError(f"{path} already exists (use --force to replace it)") from None
    except IsADirectoryError:
        raise OutputError(f"{path} is a folder") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise OutputError(str(exc)) from None


def check_output(path: Path, force: bool = False) -> None:
    """What write_output refuses before writing anything: a name too long, an existing file
    without `force`, a missing folder (so a command can refuse before it does its work)."""
    name_bytes = len(os.fsencode(path.name))
    if name_bytes > 255:
        raise OutputError(f"{str(path)[:60]}…: the file name is {name_bytes} bytes; at most 255")
    if exists(path) and not force:
        raise OutputError(f"{path} already exists (use --force to replace it)")
    try:
        folder_ok = path.parent.is_dir()
    except OSError as exc:
        raise OutputError(f"{path}: {exc.strerror or exc}") from None
    if not folder_ok:
        raise OutputError(f"{path}: the folder {path.parent} does not exist")
