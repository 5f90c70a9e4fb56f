"""Headless Chromium for the tests: find it, start it with the flags this sandbox needs.

A test that needs a browser calls `chromium()` and is skipped, with the reason, where none
can start. `.ci/run` installs Debian's chromium package.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    """The browser's path, or the test is skipped saying why."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")


def run(args: list[str], profile: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Chromium with `args`; skipped (with its error) if it cannot start here."""
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Chromium could not run here: {exc}")
    if proc.returncode != 0 and not proc.stdout:
        pytest.skip(f"Chromium could not start: {proc.stderr.strip()[-300:]}")
    return proc
