"""pdflatex for the tests that compile a hand-out (skipped where it is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed"
)


def pdflatex(folder: Path, tex_name: str) -> subprocess.CompletedProcess[str]:
    """Compile `tex_name` in `folder`, stopping at the first error."""
    return subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex_name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
