"""The phases' colours and arrows, shared by the diagram, the tape and the step panel."""

from __future__ import annotations

FORWARD, BACKWARD, UPDATE = "#5b9bf0", "#e8575a", "#43b581"
ARROWS = {"forward": ("─▶", FORWARD), "backward": ("◀─", BACKWARD), "update": ("  ", UPDATE)}
