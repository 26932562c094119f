"""Driving the app in Pilot tests and waiting for it; the demo app and `settle` are
tui.virtual_app's."""

from __future__ import annotations

import io

from rich.console import Console
from textual.pilot import Pilot

from backends.clock import VirtualClock
from tui.app import RollwatchApp
from tui.screens.confirm import ConfirmScreen
from tui.virtual_app import settle


async def actions_done(app: RollwatchApp) -> None:
    """Wait for the confirmed action to finish; the session's own worker never does."""
    actions = [w for w in app.workers if w.group == "actions"]
    if actions:
        await app.workers.wait_for_complete(actions)


async def actions_settled(app: RollwatchApp, pilot: Pilot[None], clock: VirtualClock) -> None:
    """Wait for the confirmed action, then for the screen to show what it did."""
    await actions_done(app)
    await settle(pilot, clock)


async def open_prompt(pilot: Pilot[None], key: str = "p") -> ConfirmScreen:
    """Press an action's key and hand back the prompt it opened, failing if it opened none."""
    await pilot.press(key)
    await pilot.pause()
    prompt = pilot.app.screen
    assert isinstance(prompt, ConfirmScreen), f"{key!r} opened {prompt!r}"
    return prompt


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
