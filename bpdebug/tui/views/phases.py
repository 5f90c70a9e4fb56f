"""The phases' arrows and colours, shared by the diagram, the tape and the step panel.

The colours are theme variables ($phase-forward, $phase-backward, $phase-update, defined by
the App for every theme, darker on light ones), so a theme may set its own.
"""

from __future__ import annotations

from typing import Any

ARROWS = {"forward": "─▶", "backward": "◀─", "update": "  "}
FALLBACK = {"forward": "#5b9bf0", "backward": "#e8575a", "update": "#43b581"}


def colours(app: Any) -> dict[str, str]:
    """Each phase's colour in the app's current theme."""
    variables: dict[str, str] = getattr(app, "theme_variables", {}) or {}
    return {p: variables.get(f"phase-{p}", FALLBACK[p]) for p in ARROWS}
