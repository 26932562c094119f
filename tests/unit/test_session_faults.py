"""The session under outside faults, on the virtual clock: stores that hang, fail slowly or stamp
samples in the future, watch streams that drop every second, credentials that are refused.

Each test drives simulated time, so minutes of an outage take milliseconds and every number in
the assertions is exact for the seeded simulator.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from backends.base import Capability
from backends.clock import VirtualClock
from backends.errors import Unauthorized, Unreachable
from backends.model import GateStatus, MetricQuery, Point, QueryResult, Role, Rollout
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.cli.wait import EXIT_REFUSED, wait
from tui.config.load import demo_config
from tui.session.decisions import Refused
from tui.session.fetching import ROUND_DEADLINE
from tui.session.live import Session
from tui.session.updates import LinkChanged, RolloutChanged, Update

PRIMARY = "shop/checkout-api"
STALE = 60.0
"""The judge's staleness bound for the simulator's 10 s metrics: max(3 × 10 s, 60 s)."""


class FaultyStore:
    """The simulator's metrics, with faults switched on and off by the test.

    `hang` holds every query (or those named in `hang_only`) on an event that is never set, as
    a store stopped with SIGSTOP does; `fail_after` makes each query fail after that many
    seconds, as an HTTP client retrying inside its own timeout does.
    """

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.hang = False
        self.hang_only: set[str] = set()
        self.fail_after: float | None = None
        self.error: Exception | None = None
        self.asked: list[tuple[str, float]] = []
        self._never = asyncio.Event()

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        self.asked.append((query.name, self.sim.clock.now().timestamp()))
        if self.hang and (not self.hang_only or query.name in self.hang_only):
            await self._never.wait()
        if self.fail_after is not None:
            await self.sim.clock.sleep(self.fail_after)
            raise Unreachable("no answer", detail=f"timed out after {self.fail_after:g}s")
        if self.error is not None:
            raise self.error
        return await self.sim.query_range(query, start, end, step)

    async def aclose(self) -> None:
        pass


def session_on(sim: Simulator, metrics: object, deploy: object | None = None) -> Session:
    """The demo's metrics and gates, with the judge's bake off so the verdict is ready at once."""
    config = demo_config()
    return Session(
        deploy or sim,  # type: ignore[arg-type]
        metrics,  # type: ignore[arg-type]
        PRIMARY,
        config.metric,
        sim.clock,  # type: ignore[arg-type]
        window=config.ui.window,
        gates=config.gate,
        judge_spec=config.judge.model_copy(update={"bake": timedelta(0)}),
        actor="tester",
    )


async def started(session: Session, clock: VirtualClock) -> asyncio.Task[None]:
    task = asyncio.create_task(session.run())
    await clock.advance(0)
    assert session.rollout is not None
    return task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def advance(clock: VirtualClock, seconds: float, step: float = 1.0) -> None:
    """Move time on in small steps, so every sleeper wakes at its own instant."""
    for _ in range(round(seconds / step)):
        await clock.advance(step)


def verdict(session: Session) -> GateStatus:
    assert session.judgement is not None
    return session.judgement.status


def outage_lines(session: Session, source: str) -> list[str]:
    return [e.message for e in session.events if e.message.startswith(f"{source}: ")]


async def test_a_hanging_store_is_flagged_by_the_clock_and_blocks_promotion(
    sim: Simulator, clock: VirtualClock
):
    store = FaultyStore(sim)
    session = session_on(sim, store)
    task = await started(session, clock)
    assert verdict(session) == GateStatus.PASS
    frozen_at = clock.now().timestamp()
    store.hang = True
    store.asked.clear()

    await advance(clock, 10)
    asked = {name for name, _ in store.asked}
    assert asked == set(session.windows), "every metric is asked at once, not one after another"
    await advance(clock, 30)
    link = session.links["metrics"]
    assert link is not None and link.startswith("not answering for "), link
    assert verdict(session) == GateStatus.PASS, "the data is 40 s old: not stale yet"
    with pytest.raises(Refused, match="metrics are stale"):
        await session.execute(session.confirmation(Capability.PROMOTE))

    await advance(clock, STALE + 10 - 40)
    assert clock.now().timestamp() - frozen_at == STALE + 10
    judgement = session.judgement
    assert judgement is not None and judgement.status == GateStatus.PENDING
    assert all(g.status == GateStatus.PENDING for g in judgement.gates), judgement.gates
    assert all("stale" in g.explanation for g in judgement.gates), judgement.gates
    with pytest.raises(Refused, match=r"not answering for 1m10s \(6 of 6 queries\)"):
        await session.execute(session.confirmation(Capability.PROMOTE))

    store.hang = False
    await advance(clock, 120)
    assert session.links["metrics"] is None
    assert verdict(session) == GateStatus.PASS
    lines = outage_lines(session, "metrics")
    assert len(lines) == 2, lines
    assert lines[0].startswith("metrics: not answering for ")
    assert lines[1].startswith("metrics: recovered after "), lines
    await stop(task)


async def test_one_hanging_query_holds_back_no_other(sim: Simulator, clock: VirtualClock):
    store = FaultyStore(sim)
    session = session_on(sim, store)
    task = await started(session, clock)
    store.hang = True
    store.hang_only = {"p99 latency"}
    await advance(clock, 90)
    now = clock.now().timestamp()
    fresh = session.windows["p50 latency"].window(Role.CANARY).last
    assert fresh is not None and now - fresh[0] <= ROUND_DEADLINE + 10
    p50 = next(g for g in session.judgement.gates if g.name == "p50 latency")  # type: ignore[union-attr]
    assert p50.status == GateStatus.PASS, "the metrics that answer are still judged"
    stale = session.windows["p99 latency"].window(Role.CANARY).last
    assert stale is not None and now - stale[0] >= 90
    link = session.links["metrics"]
    assert link is not None and "p99 latency" in link and "not answering" in link, link
    p99 = next(g for g in session.judgement.gates if g.name == "p99 latency")  # type: ignore[union-attr]
    assert p99.status == GateStatus.PENDING and "stale" in p99.explanation
    await stop(task)


async def test_a_store_failing_after_its_own_timeout_is_flagged_at_the_round_deadline(
    sim: Simulator, clock: VirtualClock
):
    """Queries that each fail only after 45 s do not add up to minutes of silence."""
    store = FaultyStore(sim)
    session = session_on(sim, store)
    task = await started(session, clock)
    store.fail_after = 45.0
    await advance(clock, 30)
    link = session.links["metrics"]
    assert link is not None and link.startswith("not answering for "), link
    await advance(clock, STALE + 10 - 30)
    assert verdict(session) == GateStatus.PENDING
    with pytest.raises(Refused, match="metrics are stale"):
        await session.execute(session.confirmation(Capability.PROMOTE))
    await stop(task)


async def test_an_erroring_store_turns_the_gates_pending_by_the_clock(
    sim: Simulator, clock: VirtualClock
):
    """Backoff spaces the retries out; the judge still looks at the clock every poll."""
    store = FaultyStore(sim)
    session = session_on(sim, store)
    task = await started(session, clock)
    store.error = Unreachable("store down", detail="connection refused")
    await advance(clock, 10)
    assert session.links["metrics"] == "store down: connection refused (6 of 6 queries)"
    await advance(clock, STALE)
    assert verdict(session) == GateStatus.PENDING
    stale = [g for g in session.judgement.gates if "stale" in g.explanation]  # type: ignore[union-attr]
    assert len(stale) == 4
    store.error = None
    await advance(clock, 150)
    assert session.links["metrics"] is None and verdict(session) == GateStatus.PASS
    assert outage_lines(session, "metrics") == [
        "metrics: store down: connection refused (6 of 6 queries)",
        outage_lines(session, "metrics")[1],
    ]
    assert outage_lines(session, "metrics")[1].startswith("metrics: recovered after 1m")
    await stop(task)


class FutureStore(FaultyStore):
    """Adds a canary sample stamped an hour ahead to every p99 answer, as a skewed clock would."""

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        result = await super().query_range(query, start, end, step)
        canary = result.series.get(Role.CANARY)
        if query.name != "p99 latency" or canary is None:
            return result
        ahead = Point(t=end.timestamp() + 3600, v=1.0)
        late = canary.model_copy(update={"points": [*canary.points, ahead]})
        return result.model_copy(update={"series": {**result.series, Role.CANARY: late}})


async def test_a_sample_stamped_in_the_future_leaves_the_stale_check_working(
    sim: Simulator, clock: VirtualClock
):
    store = FutureStore(sim)
    session = session_on(sim, store)
    task = await started(session, clock)
    await advance(clock, 60)
    window = session.windows["p99 latency"]
    now = clock.now().timestamp()
    newest = window.window(Role.CANARY).last
    assert newest is not None and newest[0] == now, "fetching goes on after the future sample"
    assert window.fetched_until is not None and window.fetched_until <= now
    asked = [t for name, t in store.asked if name == "p99 latency"]
    assert len(asked) == 7, "asked on every poll"
    dropped = [e for e in session.events if "after the query's end" in e.message]
    assert len(dropped) == 1, "said once, not on every poll"
    assert dropped[0].message.startswith("p99 latency: ")

    store.error = Unreachable("store down")
    await advance(clock, STALE + 10)
    p99 = next(g for g in session.judgement.gates if g.name == "p99 latency")  # type: ignore[union-attr]
    assert p99.status == GateStatus.PENDING and "stale" in p99.explanation
    await stop(task)


class FlappingDeploy:
    """The simulator's rollout over a watch stream that drops `hold` seconds after connecting."""

    def __init__(self, sim: Simulator, hold: float = 1.0) -> None:
        self.sim = sim
        self.capabilities = sim.capabilities
        self.hold = hold
        self.flapping = True
        self.connects: list[float] = []

    async def get_rollout(self, rollout_id: str) -> Rollout:
        return await self.sim.get_rollout(rollout_id)

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        self.connects.append(self.sim.clock.now().timestamp())
        if not self.flapping:
            async for rollout in self.sim.watch_rollout(rollout_id):
                yield rollout
            return
        yield await self.sim.get_rollout(rollout_id)
        await self.sim.clock.sleep(self.hold)
        raise Unreachable("watch stream reset")

    async def aclose(self) -> None:
        pass


async def test_a_watch_dropping_every_second_reconnects_with_backoff(
    sim: Simulator, clock: VirtualClock
):
    deploy = FlappingDeploy(sim)
    session = session_on(sim, sim, deploy)
    updates: list[Update] = []
    session.subscribe(updates.append)
    task = await started(session, clock)
    logged = len(session.events)
    await advance(clock, 600, step=5)
    assert 8 <= len(deploy.connects) <= 25, f"{len(deploy.connects)} reconnects in 10 minutes"
    gaps = [b - a for a, b in itertools.pairwise(deploy.connects)]
    assert max(gaps) <= 61 and min(gaps[-5:]) >= 30, gaps
    rollouts = [u for u in updates if isinstance(u, RolloutChanged)]
    assert len(rollouts) == 1, "a reconnect that brings nothing new publishes nothing"

    deploy.flapping = False
    await advance(clock, 120, step=5)
    assert session.links["deploy"] is None
    lines = outage_lines(session, "deploy")
    assert len(lines) == 2, lines
    assert lines[0] == "deploy: watch stream reset"
    assert re.fullmatch(r"deploy: recovered after (9m5\d|10m\d\d)s", lines[1]), lines
    assert len(session.events) == logged + 2, "one outage: two lines, however many drops"
    await stop(task)


async def test_a_healthy_stream_resets_the_backoff(sim: Simulator, clock: VirtualClock):
    """A stream that held for minutes before it dropped is reconnected at once."""
    deploy = FlappingDeploy(sim, hold=300)
    session = session_on(sim, sim, deploy)
    task = await started(session, clock)
    await advance(clock, 1200, step=5)
    gaps = [b - a for a, b in itertools.pairwise(deploy.connects)]
    assert len(gaps) == 3 and all(300 <= gap <= 302 for gap in gaps), gaps
    await stop(task)


class RefusingDeploy(FlappingDeploy):
    """Reads once, then every watch is refused: a token revoked while watching."""

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        self.connects.append(self.sim.clock.now().timestamp())
        raise Unauthorized("unauthorized", detail="HTTP 401: token expired")
        yield  # pragma: no cover - an async generator that raises on its first step


async def test_a_refused_watch_stops_hammering_and_says_so(sim: Simulator, clock: VirtualClock):
    deploy = RefusingDeploy(sim)
    session = session_on(sim, sim, deploy)
    updates: list[Update] = []
    session.subscribe(updates.append)
    task = asyncio.create_task(session.run())
    await advance(clock, 600, step=5)
    assert len(deploy.connects) <= 11, "at most one attempt a minute"
    links = [u for u in updates if isinstance(u, LinkChanged) and u.source == "deploy"]
    assert links and all(u.permanent for u in links)
    assert session.links["deploy"] == "unauthorized: HTTP 401: token expired"
    assert len(outage_lines(session, "deploy")) == 1
    await stop(task)


@pytest.mark.parametrize("refused", ["deploy", "metrics"])
async def test_wait_ends_on_refused_credentials(clock: VirtualClock, refused: str):
    sim = Simulator(clock, SimulatorOptions(scenario="healthy", auto_confirm=60))
    store = FaultyStore(sim)
    if refused == "metrics":
        store.error = Unauthorized("unauthorized", detail="HTTP 403: forbidden")
    deploy = RefusingDeploy(sim) if refused == "deploy" else sim
    session = session_on(sim, store, deploy)
    first = await sim.get_rollout(PRIMARY)
    out = io.StringIO()
    job = asyncio.create_task(wait(session, first, timeout=None, as_json=True, out=out))
    await advance(clock, 120, step=5)
    assert job.done(), "wait gave up on credentials that were refused"
    assert job.result() == EXIT_REFUSED
    result = json.loads(out.getvalue().splitlines()[-1])["result"]
    assert result["exit"] == EXIT_REFUSED
    assert result["reason"].startswith(f"{refused}: unauthorized: HTTP 40"), result
