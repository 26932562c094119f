"""Waiting for the app in Pilot tests; the demo app and `settle` are tui.virtual_app's."""

from __future__ import annotations

import io

from rich.console import Console

from tui.app import RollwatchApp


async def actions_done(app: RollwatchApp) -> None:
    """Wait for the confirmed action to finish; the session's own worker never does."""
    actions = [w for w in app.workers if w.group == "actions"]
    if actions:
        await app.workers.wait_for_complete(actions)


def screen_lines(app: RollwatchApp) -> list[str]:
    """The screen as a person reads it: one string per terminal line, the top screen and the
    ones under a modal composed as the terminal shows them."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text().splitlines()
