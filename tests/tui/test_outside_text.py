"""Text from outside is shown as text: never parsed as markup, never sent as terminal control.

A step label, a change's title and author, an event, a store's error and a deploy API's 409 all
carry brackets that Rich would read as markup (`[/]` closes a tag that was never opened and
crashes the screen; `[b]` and `[50%]` silently disappear) and escape sequences a terminal
would act on. The screen must keep running and show them as they were sent, made printable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from textual.widgets import Static

from backends.clock import VirtualClock
from backends.errors import Conflict, Unreachable
from backends.model import (
    Expectation,
    Rollout,
    RolloutEvent,
    StepKind,
)
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.flaky import FlakyStore
from tests.helpers.tui_helpers import actions_done, screen_lines
from tui.app import RollwatchApp
from tui.screens.confirm import ConfirmScreen
from tui.session.demo import SEED, demo_wiring
from tui.virtual_app import settle
from tui.widgets.event_log import EventLog

PRIMARY = "shop/checkout-api"
NEXT_STEP = "[/] step [b]three[/b] at [50%]"
LATER_STEP = "[/some/path] ok"
TITLE = "[b]Fix[/b] the [/some/path] cache \x1b]0;pwned\x07"
AUTHOR = "[/]"


def hostile(rollout: Rollout) -> Rollout:
    """The rollout as a server full of brackets and escape sequences would send it."""
    steps = list(rollout.steps)
    steps[2] = steps[2].model_copy(update={"label": NEXT_STEP})
    steps[4] = steps[4].model_copy(
        update={"label": LATER_STEP, "kind": StepKind.OTHER, "weight": None}
    )
    event = RolloutEvent(time=rollout.started_at or datetime.now(), message="ran [/] \x1b[2J")
    change = rollout.change.model_copy(update={"title": TITLE, "author": AUTHOR})
    return rollout.model_copy(
        update={"steps": steps, "change": change, "events": [*rollout.events, event]}
    )


class HostileDeploy:
    """The simulator behind a server that garbles text and answers promote with a 409."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.capabilities = sim.capabilities

    async def list_rollouts(self):  # type: ignore[no-untyped-def]
        return await self.sim.list_rollouts()

    async def get_rollout(self, rollout_id: str) -> Rollout:
        return hostile(await self.sim.get_rollout(rollout_id))

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        async for rollout in self.sim.watch_rollout(rollout_id):
            yield hostile(rollout)

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        raise Conflict("moved on [/] to [b]step 9[/b]", detail="[/some/path] \x1b[2J")

    async def aclose(self) -> None:
        pass


def hostile_app(clock: VirtualClock) -> tuple[RollwatchApp, FlakyStore]:
    sim = Simulator(clock, SimulatorOptions(scenario="healthy", seed=SEED, actor="tester"))
    wired = demo_wiring(sim)
    wired.deploy = HostileDeploy(sim)  # type: ignore[assignment]
    store = FlakyStore(sim, Unreachable("store [/] down", detail="[/some/path] \x1b]0;x\x07"))
    wired.metrics = store
    return RollwatchApp(wired.session(PRIMARY)), store


def text_of(lines: list[str]) -> str:
    return "\n".join(lines)


async def test_brackets_from_outside_are_shown_as_sent(clock: VirtualClock) -> None:
    app, store = hostile_app(clock)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot, clock)
        screen = text_of(screen_lines(app))
        assert "[b]Fix[/b] the [/some/path] cache" in screen, "the change title, brackets kept"
        assert "— [/]" in screen, "the author"
        assert LATER_STEP in screen, "a step label in the plan"
        events = "\n".join(str(line.text) for line in app.screen.query_one(EventLog).lines)
        assert "ran [/] \\x1b[2J" in events, "an event, its escape made visible"

        store.fail = True
        await settle(pilot, clock, 10)
        banner = str(app.screen.query_one("#link", Static).render())
        assert "store [/] down: [/some/path] \\x1b]0;x\\x07" in banner
        store.fail = False
        await settle(pilot, clock, 60)

        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        what = str(app.screen.query_one("#what", Static).render())
        assert NEXT_STEP in what, "the next step's label in the prompt"
        await pilot.press("enter")
        await actions_done(app)
        await settle(pilot, clock)
        toasts = text_of(screen_lines(app))
        assert "moved on [/] to [b]step 9[/b]" in toasts, "the 409's text in the toast"


async def test_no_escape_sequence_from_outside_reaches_the_terminal(clock: VirtualClock) -> None:
    app, _ = hostile_app(clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, clock)
        screen = text_of(screen_lines(app))
        assert "\x1b" not in screen and "\x07" not in screen
        assert "cache \\x1b]0;pwned\\x07" in screen, "shown, not done"
