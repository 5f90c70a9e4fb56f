"""What a new user's review of issue 24 found on the screen (its follow-up): each problem
driven through the app and asserted on what the screen shows."""

from __future__ import annotations

import re

from bpdebug.netfile import load_network
from bpdebug.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.widgets import NetworkDiagram


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


def diagram_text(app: BPDebugApp) -> str:
    return app.query_one(NetworkDiagram).text.plain


async def go_to(pilot, step: int) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("g", *str(step), "enter")
    await pilot.pause()


# ---------------------------------------------------------------- 1. the network panel


async def test_the_network_panel_keeps_the_updated_weights_after_their_update() -> None:
    """two_layer at 200×60: from W⁽¹⁾'s update (step 16) to the end, the edge into layer 1
    reads ← W⁽¹⁾ [0.149781 0.199561] / [0.249751 0.299502], never the old [0.15 0.2]; W⁽²⁾
    the same from step 18. Before its update, each edge shows the old weights."""
    app = app_for("two_layer")
    async with app.run_test(size=(200, 60)) as pilot:
        new_w1 = re.compile(r"\[\s*0\.149781\s+0\.199561\]")
        new_w2 = re.compile(r"\[\s*0\.358916\s+0\.408666\]")
        old_w1 = re.compile(r"\[\s*0\.15\s+0\.2\]")
        old_w2 = re.compile(r"\[\s*0\.4\s+0\.45\]")
        await go_to(pilot, 15)
        picture = diagram_text(app)
        assert old_w1.search(picture) and old_w2.search(picture)
        for step in range(16, 21):
            await go_to(pilot, step)
            picture = diagram_text(app)
            assert new_w1.search(picture) and not old_w1.search(picture), (step, picture)
            assert "← W⁽¹⁾" in picture
            if step >= 18:
                assert new_w2.search(picture) and not old_w2.search(picture), (step, picture)
            else:
                assert old_w2.search(picture), (step, picture)
