"""Atomic file writes: a temporary file in the same folder, flushed to disk, then renamed."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str, overwrite: bool = False) -> Path:
    """Write `text` to `path` so that readers see the old file or the new one, never half.

    Refuses to replace an existing file unless `overwrite` (FileExistsError); a replaced file
    keeps its permissions, a new one gets the usual 0666 less the umask. On any failure the
    temporary file is removed and `path` is as it was.
    """
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists")
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_without_overwrite(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


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
