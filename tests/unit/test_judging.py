"""rollwatch's verdict on every rollout in progress: judged in the background, one session each.

Driven on the simulator's world under a virtual clock, through the same session the watch
screen runs, so a verdict here is the verdict an opened rollout shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from backends.clock import VirtualClock
from backends.errors import Unreachable
from backends.model import GateStatus, MetricQuery, QueryResult, Rollout
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.session.demo import SEED, demo_wiring
from tui.session.judging import AT_ONCE, PACE, Judges
from tui.session.overview import Overview, Urgency
from tui.session.wiring import Wiring

CHECKOUT = "shop/checkout-api"
FINISHED_AT_START = {"catalog/search", "messaging/notifications"}


def world(clock: VirtualClock, scenario: str = "healthy") -> tuple[Simulator, Wiring]:
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor="tester"))
    return sim, demo_wiring(sim)


@asynccontextmanager
async def judging(
    clock: VirtualClock, sim: Simulator, wiring: Wiring, at_once: int = AT_ONCE
) -> AsyncIterator[tuple[Overview, Judges]]:
    """The overview of `sim`'s rollouts with their judges, both running from the clock's first
    tick until the block ends."""
    overview = Overview(sim, clock)
    judges = Judges(overview, wiring.session, at_once=at_once)
    tasks = [asyncio.create_task(overview.run()), asyncio.create_task(judges.run())]
    try:
        await clock.advance(0)
        yield overview, judges
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_every_rollout_in_progress_is_judged_without_being_opened(clock: VirtualClock):
    sim, wiring = world(clock, "error-spike")
    async with judging(clock, sim, wiring) as (overview, judges):
        await clock.advance(30)
        in_progress = {rid for rid, row in overview.rows.items() if not row.summary.phase.finished}
        assert in_progress == set(overview.rows) - FINISHED_AT_START
        for rid in in_progress:
            row = overview.rows[rid]
            assert row.judged and row.verdict is not None, rid
        checkout = overview.rows[CHECKOUT]
        assert checkout.verdict == GateStatus.FAIL and checkout.need == "failing"
        assert overview.ordered()[0].id == CHECKOUT
        assert judges.judging == in_progress
        for rid in FINISHED_AT_START:
            assert not overview.rows[rid].judged, "a rollout done before it was seen is not judged"


async def test_the_verdict_in_the_list_is_the_opened_sessions_verdict(clock: VirtualClock):
    sim, wiring = world(clock, "error-spike")
    async with judging(clock, sim, wiring) as (overview, judges):
        await clock.advance(30)
        judged = judges.sessions[CHECKOUT]
        session = judges.adopt(CHECKOUT)
        assert session is judged, "opening keeps the evidence the background gathered"
        assert session.judgement is not None
        assert session.judgement.status == overview.rows[CHECKOUT].verdict
        assert any(w.window(role).points for w in session.windows.values() for role in w.roles)
        assert CHECKOUT not in judges.judging
        due = session.next_round_at
        await clock.advance(120)
        assert session.next_round_at == due, "an adopted session is driven by its screen only"
        fresh = judges.adopt("catalog/search")
        assert fresh.rollout is None and "catalog/search" in judges.sessions


async def test_a_finished_rollout_keeps_its_verdict_and_is_no_longer_judged(clock: VirtualClock):
    sim, wiring = world(clock)
    async with judging(clock, sim, wiring) as (overview, judges):
        await clock.advance(30)
        assert overview.rows["shop/payments"].judged
        verdict = overview.rows["shop/payments"].verdict
        for _ in range(60):
            await clock.advance(10)
        payments = overview.rows["shop/payments"]
        assert payments.urgency == Urgency.DONE
        assert payments.judged and payments.verdict == verdict
        assert "shop/payments" not in judges.judging
        assert "shop/payments" not in judges.sessions, "a finished rollout's session is let go"


class HeldStore:
    """The simulator's metrics, each query held until released, counting rollouts in flight."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.release = asyncio.Event()
        self.in_flight: dict[str, int] = {}
        self.most = 0

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        service = query.context.service
        self.in_flight[service] = self.in_flight.get(service, 0) + 1
        self.most = max(self.most, len(self.in_flight))
        try:
            await self.release.wait()
            return await self.sim.query_range(query, start, end, step)
        finally:
            self.in_flight[service] -= 1
            if not self.in_flight[service]:
                del self.in_flight[service]

    async def aclose(self) -> None:
        pass


async def test_only_a_few_rollouts_are_judged_at_once(clock: VirtualClock):
    sim, wiring = world(clock)
    store = HeldStore(sim)
    wiring.metrics = store
    async with judging(clock, sim, wiring, at_once=2) as (overview, judges):
        for _ in range(5):
            await asyncio.sleep(0)
        assert store.most == 2 and len(judges.judging) == 3
        store.release.set()
        await clock.advance(30)
        assert all(overview.rows[rid].judged for rid in judges.judging)
        assert store.most == 2


class FlakyDeploy:
    """The simulator, except that one rollout cannot be read for the first few tries."""

    def __init__(self, sim: Simulator, broken: str, failures: int) -> None:
        self.sim = sim
        self.broken = broken
        self.failures = failures
        self.capabilities = sim.capabilities

    async def get_rollout(self, rollout_id: str) -> Rollout:
        if rollout_id == self.broken and self.failures > 0:
            self.failures -= 1
            raise Unreachable("the deploy API dropped the connection")
        return await self.sim.get_rollout(rollout_id)

    def __getattr__(self, name: str) -> object:
        return getattr(self.sim, name)


async def test_a_rollout_that_cannot_be_read_is_tried_again_and_the_others_go_on(
    clock: VirtualClock,
):
    sim, wiring = world(clock, "error-spike")
    wiring.deploy = FlakyDeploy(sim, CHECKOUT, failures=2)  # type: ignore[assignment]
    async with judging(clock, sim, wiring) as (overview, _judges):
        assert not overview.rows[CHECKOUT].judged
        assert overview.rows["catalog/inventory"].judged
        for _ in range(2):
            await clock.advance(PACE)
        assert overview.rows[CHECKOUT].verdict == GateStatus.FAIL


class DownStore:
    """A store that answers, then stops answering."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.down = False

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        if self.down:
            raise Unreachable("the store is not answering")
        return await self.sim.query_range(query, start, end, step)

    async def aclose(self) -> None:
        pass


async def test_a_store_that_goes_down_turns_the_verdicts_pending(clock: VirtualClock):
    """A pass is not shown on data that stopped coming; a failure already proven stays (the
    gates' failure is sticky per canary, see test_anytime_gates)."""
    sim, wiring = world(clock)
    store = DownStore(sim)
    wiring.metrics = store
    async with judging(clock, sim, wiring) as (overview, judges):
        await clock.advance(30)
        assert overview.rows[CHECKOUT].verdict == GateStatus.PASS
        store.down = True
        for _ in range(24):
            await clock.advance(10)
        judged = [row for row in overview.rows.values() if row.id in judges.judging]
        assert judged and all(row.verdict == GateStatus.PENDING for row in judged), [
            (row.id, row.verdict) for row in judged
        ]


async def test_a_background_rollout_is_judged_at_the_slower_pace(clock: VirtualClock):
    """A third of the queries an opened rollout makes: the list's verdicts need less."""
    sim, wiring = world(clock)
    async with judging(clock, sim, wiring):
        before = sim.queries
        await clock.advance(PACE - 1)
        assert sim.queries == before, "no round before the pace"
        await clock.advance(1)
        assert sim.queries > before
