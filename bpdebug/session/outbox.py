"""Where what the debugger makes goes, and what it may open. In a terminal: files in the
working folder (never over an existing one) and any path; the open dialog lists the samples
and the working folder's network files, and completes a typed path from its folder. Served to
a browser (`bpdebug serve`): downloads in the browser, and only the shipped samples and the
files under the folder the server was started in (the server's own files are not the
students')."""

from __future__ import annotations

import io
import os
import re
from collections import deque
from pathlib import Path

from bpdebug.files.atomic import free_name, here, write_atomically
from bpdebug.files.samples import resolve, sample_names
from bpdebug.files.validate import NetworkFileError

NETWORK_SUFFIXES = (".toml", ".json")
SKIPPED_FOLDERS = {"node_modules", "__pycache__", "venv", "site-packages"}
MAX_LISTED = 300  # files offered by the served open dialog; more can still be typed
MAX_DEPTH = 4
MAX_SCANNED = 20_000  # directory entries looked at when listing


def file_name(text: str, suffix: str = "") -> str:
    """`text` as a file name a browser and any file system take: letters, digits, . _ -."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "network"
    return stem[:80] + suffix


def write_here(name: str, text: str) -> Path:
    """Write a new file `name` in the working folder (NAME-2… if one exists); OSError."""
    return write_atomically(free_name(here() / name), text)


def as_download(text: str) -> io.StringIO:
    """`text` as the file object Textual's deliver_text sends in chunks."""
    return io.StringIO(text)


class Folder:
    """The files a served session may open: the samples, and those under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def resolve(self, text: str) -> Path:
        """The file `text` names, or NetworkFileError if it is outside the folder."""
        if text in sample_names() or text == "default":
            return resolve(text)
        candidate = Path(text)
        try:
            path = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a loop of links
            raise NetworkFileError(text, "", f"not a file name here ({exc})") from None
        if not path.is_relative_to(self.root):
            raise NetworkFileError(
                text, "", f"outside the folder this server shares ({self.root.name}/)"
            )
        return path

    def choices(self) -> list[str]:
        """The samples' names, then the network files under the folder (relative paths)."""
        return [*sample_names(), *self.files()]

    def files(self) -> list[str]:
        """The network files under the folder as relative paths, shallowest first. Hidden
        and tool folders are skipped, links out of the folder too, and the walk stops after
        MAX_SCANNED entries: a server started in a home folder must not walk all of it."""
        found: list[str] = []
        queue, scanned = deque([(self.root, 0)]), 0
        while queue and len(found) < MAX_LISTED and scanned < MAX_SCANNED:
            folder, depth = queue.popleft()
            for entry in entries(folder):
                scanned += 1
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if depth < MAX_DEPTH and entry.name not in SKIPPED_FOLDERS:
                            queue.append((Path(entry.path), depth + 1))
                    elif entry.name.lower().endswith(NETWORK_SUFFIXES) and self.holds(entry):
                        found.append(str(Path(entry.path).relative_to(self.root)))
                except OSError:
                    continue
        return found[:MAX_LISTED]

    def holds(self, entry: os.DirEntry[str]) -> bool:
        """A regular file (through any links) that is inside the folder."""
        return entry.is_file() and Path(entry.path).resolve().is_relative_to(self.root)


def local_choices() -> list[str]:
    """What a terminal's open dialog lists: the samples, then the network files in the
    working folder (that folder only: a terminal started in a home folder must not walk it)."""
    return [*sample_names(), *(e.name for e in entries(Path(".")) if _network_file(e))]


def path_completions(text: str) -> list[str]:
    """Typed paths that `text` (a folder, then the start of a name) can become: the network
    files and the folders (ending in /) there, as typed (`nets/`, `~/week3/`, `/tmp/`)."""
    typed_folder, _, start = text.rpartition("/")
    try:
        folder = Path(typed_folder or "/").expanduser() if "/" in text else Path(".")
    except RuntimeError:  # ~someone who does not exist
        return []
    prefix = f"{typed_folder}/" if "/" in text else ""
    found = []
    for entry in entries(folder):
        if not entry.name.startswith(start) or (entry.name.startswith(".") and not start):
            continue
        try:
            if entry.is_dir():
                found.append(f"{prefix}{entry.name}/")
            elif _network_file(entry):
                found.append(f"{prefix}{entry.name}")
        except OSError:
            continue
    return found[:MAX_LISTED]


def _network_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.name.lower().endswith(NETWORK_SUFFIXES) and entry.is_file()
    except OSError:
        return False


def entries(folder: Path) -> list[os.DirEntry[str]]:
    """The folder's entries by name; none if it cannot be read."""
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except OSError:
        return []
