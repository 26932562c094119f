"""Waiting for the app in Pilot tests; the demo app and `settle` are tui.virtual_app's."""

from __future__ import annotations

from tui.app import RollwatchApp


async def actions_done(app: RollwatchApp) -> None:
    """Wait for the confirmed action to finish; the session's own worker never does."""
    actions = [w for w in app.workers if w.group == "actions"]
    if actions:
        await app.workers.wait_for_complete(actions)
