"""The loss plot's scale: logarithmic once the losses span more than two decades, linear
again when they no longer do."""

from __future__ import annotations

from bpdebug.engine import train
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.widgets import LossPlot


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


async def test_the_loss_plot_turns_logarithmic_over_two_decades() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        plot = app.query_one(LossPlot)
        run = train(app.network, 24_000)
        assert run.losses[0] / run.losses[-1] > 100
        app.session.advance(run)
        app.reload()
        await pilot.pause()
        assert plot.log_scale and "(log)" in str(plot.border_title)
        app.session.undo()
        app.reload()
        await pilot.pause()
        assert not plot.log_scale and "(log)" not in str(plot.border_title)
