"""The demo app on a virtual clock, and how to let it settle: what pictures are made from.

Snapshot tests and `scripts/screenshots.py` drive the same app the same way, so a screenshot
shows exactly what the tests pin.
"""

from __future__ import annotations

from textual.pilot import Pilot

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.app import RollwatchApp, overview_app
from tui.session.demo import SEED, demo_wiring, virtual_demo
from tui.session.overview import Overview

SETTLE_ROUNDS = 5
"""Rounds of (app handles its messages, session runs what is due): enough for a poll, its
judgement and their redraws to reach the screen even on a loaded machine."""


def demo_app(
    clock: VirtualClock,
    scenario: str = "healthy",
    *,
    read_only: bool = False,
    actor: str | None = None,
) -> tuple[RollwatchApp, Simulator]:
    """The watch screen on the demo's rollout, with the simulator behind it."""
    session, sim = virtual_demo(clock, scenario, read_only=read_only, actor=actor)
    return RollwatchApp(session), sim


def overview_demo_app(
    clock: VirtualClock, scenario: str = "healthy"
) -> tuple[RollwatchApp, Simulator]:
    """The overview of the demo's world, each rollout opened on a session as the demo's."""
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor="tester"))
    wiring = demo_wiring(sim)
    return overview_app(Overview(sim, clock), wiring.session, ui=wiring.config.ui), sim


async def settle(pilot: Pilot[None], clock: VirtualClock, seconds: float = 0) -> None:
    """Move virtual time, then let the app handle every message the session posted."""
    await clock.advance(seconds)
    for _ in range(SETTLE_ROUNDS):
        await pilot.pause()
        await clock.advance(0)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
