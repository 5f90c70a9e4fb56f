"""A folder nobody can write to, for the tests of hostile outputs: mode 0555, and, where that
is not enough (root ignores modes), the immutable attribute (`chattr +i`), which binds root
too. Skips the test where neither can be had."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """`folder` (made if missing) refusing every write inside it until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    immutable = False
    try:
        if os.access(folder, os.W_OK):  # root: the mode binds nobody
            chattr = shutil.which("chattr")
            done = chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True)
            if not done or done.returncode != 0 or os.access(folder, os.W_OK):
                pytest.skip("no way to make a folder read-only for this user (root, no chattr)")
            immutable = True
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
