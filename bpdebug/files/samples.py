"""The shipped sample networks (inside the package, so any install has them)."""

from __future__ import annotations

from pathlib import Path

from bpdebug.files.atomic import exists

SAMPLES_DIR = Path(__file__).parent / "sample_nets"
DEFAULT_SAMPLE = "two_layer"


def sample_names() -> list[str]:
    return sorted(p.stem for p in SAMPLES_DIR.glob("*.toml"))


def sample_path(name: str) -> Path:
    return SAMPLES_DIR / f"{name}.toml"


def sample_summary(name: str) -> str:
    """The first comment line of a sample: what it teaches."""
    for line in sample_path(name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def resolve(net: str) -> Path:
    """A NET argument as a path: an existing file, else a shipped sample's name."""
    path = Path(net)
    if exists(path) or path.suffix.lower() in (".toml", ".json") or "/" in net:
        return path
    if net in sample_names():
        return sample_path(net)
    if net == "default":
        return sample_path(DEFAULT_SAMPLE)
    return path
