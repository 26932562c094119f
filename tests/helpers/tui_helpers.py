"""Running the demo app on a virtual clock, for Pilot tests, snapshots and screenshots."""

from __future__ import annotations

from textual.pilot import Pilot

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.app import RollwatchApp
from tui.session.demo import demo_session

SETTLE_ROUNDS = 5
"""Rounds of (app handles its messages, session runs what is due): enough for a poll, its
judgement and their redraws to reach the screen even on a loaded machine."""


def demo_app(
    clock: VirtualClock, scenario: str = "healthy", *, read_only: bool = False
) -> tuple[RollwatchApp, Simulator]:
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=7, actor="tester"))
    return RollwatchApp(demo_session(sim, read_only=read_only)), sim


async def settle(pilot: Pilot[None], clock: VirtualClock, seconds: float = 0) -> None:
    """Move virtual time, then let the app handle every message the session posted."""
    await clock.advance(seconds)
    for _ in range(SETTLE_ROUNDS):
        await pilot.pause()
        await clock.advance(0)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def actions_done(app: RollwatchApp) -> None:
    """Wait for the confirmed action to finish; the session's own worker never does."""
    actions = [w for w in app.workers if w.group == "actions"]
    if actions:
        await app.workers.wait_for_complete(actions)
