"""The confirm prompt is live: what a person confirms is what is true when they confirm.

The race these tests pin: a prompt opened over passing gates is left open while a gate turns
to fail, and Enter is pressed. The prompt must have become a fresh one over the failing gate,
where Enter alone does nothing and the name must be typed, and the override record must name
the gate that fails at that instant.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from backends.base import Capability
from backends.clock import VirtualClock
from backends.model import (
    Expectation,
    GateStatus,
    MetricQuery,
    Phase,
    Point,
    QueryResult,
    Role,
    RolloutEvent,
)
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.tui_helpers import actions_settled, open_prompt, screen_lines
from tui.app import RollwatchApp
from tui.screens.confirm import ConfirmScreen
from tui.session.decisions import Changed
from tui.session.demo import SEED, demo_wiring
from tui.session.wiring import Wiring
from tui.virtual_app import demo_app, settle

PRIMARY = "shop/checkout-api"


class DegradingStore:
    """The simulator's metrics, with the canary's error rate raised once `degrade` is set."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.degrade = False

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        result = await self.sim.query_range(query, start, end, step)
        canary = result.series.get(Role.CANARY)
        if not self.degrade or query.name != "error rate" or canary is None:
            return result
        worse = [Point(t=p.t, v=p.v + 20.0) for p in canary.points]
        series = dict(result.series) | {Role.CANARY: canary.model_copy(update={"points": worse})}
        return result.model_copy(update={"series": series})

    async def aclose(self) -> None:
        pass


def degrading_wiring(clock: VirtualClock) -> tuple[Wiring, Simulator, DegradingStore]:
    """The demo's healthy rollout, acted on as "tester", its metrics read through the store."""
    sim = Simulator(clock, SimulatorOptions(scenario="healthy", seed=SEED, actor="tester"))
    store = DegradingStore(sim)
    wired = demo_wiring(sim)
    wired.metrics = store
    return wired, sim, store


def degrading_app(clock: VirtualClock) -> tuple[RollwatchApp, Simulator, DegradingStore]:
    wired, sim, store = degrading_wiring(clock)
    return RollwatchApp(wired.session(PRIMARY)), sim, store


def gate_status(app: RollwatchApp, name: str) -> GateStatus | None:
    judgement = app.session.judgement
    gates = {g.name: g.status for g in judgement.gates} if judgement else {}
    return gates.get(name)


async def until_error_rate_fails(
    app: RollwatchApp, pilot: Pilot[None], clock: VirtualClock
) -> None:
    """Let time pass, ten seconds at a time, until the degraded canary fails its error rate
    gate or ten minutes are up; the test says which it needed."""
    for _ in range(60):
        await settle(pilot, clock, 10)
        if gate_status(app, "error rate") == GateStatus.FAIL:
            break


async def answer(pilot: Pilot[None], reason: str, *, confirm: bool = True) -> None:
    """Type the rollout's name, Enter on to the reason, type `reason`, and Enter to confirm
    unless told not to."""
    await pilot.press(*"checkout-api", "enter", *reason, *(["enter"] if confirm else []))


def override_records(app: RollwatchApp) -> list[RolloutEvent]:
    """The events recording a promotion over gates that did not pass."""
    return [e for e in app.session.events if e.message.startswith("override:")]


def nothing_overridden(app: RollwatchApp) -> bool:
    return not any(e.message.startswith("override") for e in app.session.events)


async def test_a_gate_failing_while_the_prompt_is_open_needs_a_fresh_typed_confirmation(
    clock: VirtualClock,
) -> None:
    app, sim, store = degrading_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        assert gate_status(app, "error rate") == GateStatus.PASS
        prompt = await open_prompt(pilot)
        assert not prompt.query_one("#confirm", Button).disabled, "all gates pass: Enter is yes"

        store.degrade = True
        await until_error_rate_fails(app, pilot, clock)
        assert gate_status(app, "error rate") == GateStatus.FAIL
        await pilot.press("enter")
        await actions_settled(app, pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).current_step == 1, "Enter alone never promotes"

        assert app.screen is prompt, "the prompt stays open, and tells what changed"
        assert prompt.query_one("#confirm", Button).disabled
        details = str(prompt.query_one("#details", Static).render())
        assert "error rate" in details and "verdict PASS" not in details
        changed = str(prompt.query_one("#notice", Static).render())
        assert "error rate pass → fail" in changed and "verdict PASS → " in changed
        assert nothing_overridden(app)

        await pilot.click("#typed")
        await answer(pilot, "known noise")
        await actions_settled(app, pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).current_step == 2
        overrides = override_records(app)
        assert len(overrides) == 1 and overrides[0].actor == "tester"
        assert "error rate" in overrides[0].message
        assert overrides[0].message.endswith('— "known noise"')


async def test_the_prompt_follows_the_numbers_while_open(clock: VirtualClock) -> None:
    app, _, store = degrading_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        prompt = await open_prompt(pilot)
        store.degrade = True
        await settle(pilot, clock, 30)
        judgement = app.session.judgement
        assert judgement is not None
        gate = next(g for g in judgement.gates if g.name == "error rate")
        details = str(prompt.query_one("#details", Static).render())
        assert gate.explanation in details, "the prompt shows the gate as it reads now"


async def test_a_step_moved_by_someone_else_while_open_needs_a_fresh_confirmation(
    clock: VirtualClock,
) -> None:
    app, sim, _ = degrading_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        prompt = await open_prompt(pilot)
        before = await sim.get_rollout(PRIMARY)
        await sim.promote(PRIMARY, expect=Expectation.of(before))
        await settle(pilot, clock, 1)
        assert app.screen is prompt
        changed = str(prompt.query_one("#notice", Static).render())
        assert "step 2/7 → 3/7" in changed
        what = str(prompt.query_one("#what", Static).render())
        assert "step 4 of 7" in what, "the prompt now says what promoting would do from here"
        await pilot.press("enter")
        await actions_settled(app, pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).current_step == 2, "Enter after a change is no"
        assert app.screen is prompt, "the new step's bake has begun: the name must be typed"
        assert prompt.query_one("#typed", Input).display
        assert "judge's bake" in str(prompt.query_one("#details", Static).render())


async def test_typed_name_is_cleared_when_the_failing_gates_change(clock: VirtualClock) -> None:
    app, sim, store = degrading_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        store.degrade = True
        await until_error_rate_fails(app, pilot, clock)
        prompt = await open_prompt(pilot)
        await pilot.press(*"checkout-api")
        assert prompt.query_one("#typed", Input).value == "checkout-api"
        await sim.abort(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
        await settle(pilot, clock, 1)
        assert prompt.query_one("#typed", Input).value == ""
        assert prompt.query_one("#confirm", Button).disabled
        blocked = str(prompt.query_one("#notice", Static).render())
        assert "nothing to promote: the rollout was aborted" in blocked


async def test_the_session_refuses_a_yes_given_before_a_gate_moved(clock: VirtualClock) -> None:
    """However the yes reached it, the session compares it with the gates at that instant."""
    wired, sim, store = degrading_wiring(clock)
    session = wired.session(PRIMARY)
    running = asyncio.create_task(session.run())
    try:
        await clock.advance(1)
        confirmation = session.confirmation(Capability.PROMOTE)
        assert confirmation.overrides == ()
        store.degrade = True
        for _ in range(60):
            await clock.advance(10)
            if session.judgement and session.judgement.status != GateStatus.PASS:
                break
        with pytest.raises(Changed, match="error rate pass → fail"):
            await session.execute(confirmation)
        assert (await sim.get_rollout(PRIMARY)).current_step == 1
    finally:
        running.cancel()


async def test_enter_after_a_change_lands_on_cancel(clock: VirtualClock) -> None:
    """Where no name need be typed, a changed prompt moves its focus to Cancel: the Enter
    meant for the old picture closes it, and nothing is done."""
    app, sim, _ = degrading_app(clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        prompt = await open_prompt(pilot, "a")
        await sim.promote(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
        await settle(pilot, clock, 1)
        assert "step 2/7 → 3/7" in str(prompt.query_one("#notice", Static).render())
        assert not prompt.query_one("#typed", Input).display, "aborting needs no typed name"
        await pilot.press("enter")
        await actions_settled(app, pilot, clock)
        assert not isinstance(app.screen, ConfirmScreen)
        assert (await sim.get_rollout(PRIMARY)).phase != Phase.ABORTED


def reason_field(prompt: ConfirmScreen) -> Input:
    return prompt.query_one("#reason", Input)


async def test_promoting_over_a_failing_gate_without_a_reason_points_at_the_reason_field(
    clock: VirtualClock,
) -> None:
    app, sim = demo_app(clock, "latency-regression", actor="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        prompt = await open_prompt(pilot)
        reason = reason_field(prompt)
        assert reason.display and reason.region.bottom <= 24, "asked for on an 80x24 screen"
        assert "why — recorded with your name" in "\n".join(screen_lines(app))
        await answer(pilot, "", confirm=False)
        await pilot.pause()
        assert app.focused is reason, "Enter on the name moves on to the reason"

        await pilot.press("enter")
        await pilot.pause()
        await pilot.click("#confirm")
        await pilot.pause()
        await pilot.press(*"   ")
        await pilot.click("#confirm")
        await actions_settled(app, pilot, clock)
        assert app.screen is prompt, "no reason, no promotion"
        assert (await sim.get_rollout(PRIMARY)).current_step == 1
        assert nothing_overridden(app)
        assert app.focused is reason and reason.has_class("-invalid")
        assert reason.value == ""
        assert reason.placeholder == 'say why the gates are overridden, e.g. "hotfix"'
        assert 'say why the gates are overridden, e.g. "hotfix"' in "\n".join(screen_lines(app))

        await pilot.press(*"hotfix for INC-42", "enter")
        await actions_settled(app, pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).current_step == 2
        overrides = override_records(app)
        assert len(overrides) == 1 and overrides[0].actor == "tester"
        assert overrides[0].message == (
            'override: promoted over p99 latency, p50 latency — "hotfix for INC-42"'
        )


async def test_a_promotion_with_nothing_to_override_asks_for_no_reason(clock: VirtualClock) -> None:
    app, sim, _ = degrading_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, clock)
        prompt = await open_prompt(pilot)
        assert prompt.prompt.confirmation.overrides == ()
        assert not reason_field(prompt).display and not prompt.query_one("#typed").display
        assert "why — recorded" not in "\n".join(screen_lines(app))
        await pilot.press("enter")
        await actions_settled(app, pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).current_step == 2
        assert nothing_overridden(app)


async def test_the_reason_is_kept_when_the_prompt_asks_again(clock: VirtualClock) -> None:
    """A fresh confirmation forgets the name typed for the old picture, not the person's why."""
    app, sim = demo_app(clock, "latency-regression", actor="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, clock)
        prompt = await open_prompt(pilot)
        await answer(pilot, "hotfix", confirm=False)
        await sim.promote(PRIMARY, expect=Expectation.of(await sim.get_rollout(PRIMARY)))
        await settle(pilot, clock, 1)
        assert "step 2/7 → 3/7" in str(prompt.query_one("#notice", Static).render())
        assert prompt.query_one("#typed", Input).value == ""
        assert app.focused is prompt.query_one("#typed", Input)
        assert reason_field(prompt).value == "hotfix"

        await answer(pilot, "")
        await actions_settled(app, pilot, clock)
        assert (await sim.get_rollout(PRIMARY)).current_step == 3
        overrides = override_records(app)
        assert len(overrides) == 1 and overrides[0].message.endswith('— "hotfix"')
