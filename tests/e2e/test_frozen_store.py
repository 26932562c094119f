"""End to end: a real Prometheus frozen with SIGSTOP after the verdict passed.

A stopped process still accepts connections (the kernel completes the handshake) but never
answers, which is what a wedged store looks like to rollwatch. Whatever the HTTP client's own
timeouts (30 s and three retries here, as configured by default), the session must judge by
its clock: the link says the store is not answering, the gates go pending once the data is
stale, a promote is refused, and all of it mends once the store is continued.

The session runs on a virtual clock over data seeded around an hour ago, so minutes of outage
take no wall time: the test moves the clock, and waits in real time only for the store's
answers (bounded), never for the clock.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from backends.base import Capability
from backends.clock import VirtualClock
from backends.model import GateStatus, MetricQuery, QueryResult
from backends.prometheus.adapter import PrometheusBackend
from backends.prometheus.options import PrometheusOptions
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.servers import MetricsServer, Sample, ServerFactory
from tui.judge.specs import JudgeSpec, MetricSpec, ThresholdGate
from tui.session.decisions import Refused
from tui.session.fetching import ROUND_DEADLINE
from tui.session.live import Session

pytest_plugins = ["tests.helpers.servers"]
pytestmark = pytest.mark.servers

ANSWER_DEADLINE = 10.0
"""Wall seconds a running store may take to answer one round of queries."""
LATENCY = (
    'max by (revision) (rw_latency_seconds{service="{service}",namespace="{namespace}",'
    'revision=~"{revision}"})'
)


class Counted:
    """The real adapter, with its queries in flight counted, so the test can await answers."""

    def __init__(self, backend: PrometheusBackend) -> None:
        self.backend = backend
        self.stopped = False
        """Whether the test stopped the server: its queries then never answer."""
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        self.in_flight += 1
        self._idle.clear()
        try:
            return await self.backend.query_range(query, start, end, step)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._idle.set()

    async def answered(self) -> None:
        async with asyncio.timeout(ANSWER_DEADLINE):
            await self._idle.wait()

    async def aclose(self) -> None:
        await self.backend.aclose()


async def published(session: Session, condition: Callable[[], bool]) -> None:
    """Wait, in real time and bounded, for the session to publish a state where `condition`."""
    changed = asyncio.Event()
    unsubscribe = session.subscribe(lambda _: changed.set())
    try:
        async with asyncio.timeout(ANSWER_DEADLINE):
            while not condition():
                changed.clear()
                await changed.wait()
    finally:
        unsubscribe()


async def drive(
    clock: VirtualClock, store: Counted, condition: Callable[[], bool], *, limit: int
) -> float:
    """Move the clock a second at a time until `condition`; returns the virtual seconds taken.

    After each second, queries a running store has in flight are awaited, so the clock never
    runs past a round's deadline while a real answer is on its way.
    """
    for second in range(limit + 1):
        if condition():
            return float(second)
        await clock.advance(1)
        if store.in_flight and not store.stopped:
            await store.answered()
            await clock.advance(0)
    pytest.fail(f"not reached within {limit} virtual seconds")


@pytest.fixture
def anchor() -> int:
    """An hour ago on a 10-minute boundary: well inside retention, clear of the live head."""
    return int(time.time()) // 600 * 600 - 3600


@pytest.fixture
async def frozen_world(
    anchor: int, metrics_server_factory: ServerFactory
) -> AsyncIterator[tuple[VirtualClock, Simulator, MetricsServer]]:
    """The simulator's rollout on a clock at `anchor`, and a Prometheus holding its latency."""
    clock = VirtualClock(datetime.fromtimestamp(anchor, UTC))
    sim = Simulator(clock, SimulatorOptions(scenario="healthy", actor="tester"))
    rollout = await sim.get_rollout(sim.primary_id)
    assert rollout.canary is not None
    labels = {"service": rollout.service, "namespace": rollout.namespace or ""}
    seed = [
        Sample("rw_latency_seconds", {**labels, "revision": revision}, t, value)
        for t in range(anchor - 1800, anchor + 1800, 10)
        for revision, value in ((rollout.stable.id, 0.20), (rollout.canary.id, 0.21))
    ]
    server = metrics_server_factory("prometheus", seed=seed)
    try:
        yield clock, sim, server
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()


async def test_a_store_frozen_with_sigstop_turns_gates_pending_and_refuses_promotion(
    frozen_world: tuple[VirtualClock, Simulator, MetricsServer],
):
    clock, sim, server = frozen_world
    store = Counted(PrometheusBackend(PrometheusOptions(url=server.url)))
    spec = MetricSpec(name="latency", query=LATENCY, unit="s", revision_label="revision")
    gate = ThresholdGate(
        name="latency", metric="latency", max=0.5, window=timedelta(minutes=5), min_samples=3
    )
    session = Session(
        sim,
        store,
        sim.primary_id,
        [spec],
        clock,
        window=timedelta(minutes=5),
        gates=[gate],
        judge_spec=JudgeSpec(bake=timedelta(0)),
    )

    def verdict() -> GateStatus | None:
        return session.judgement.status if session.judgement else None

    def link() -> str:
        return session.links["metrics"] or ""

    def outage() -> list[str]:
        """What the log says about the metrics link."""
        return [e.message for e in session.events if e.message.startswith("metrics: ")]

    task = asyncio.create_task(session.run())
    try:
        await clock.advance(0)
        await published(session, lambda: verdict() == GateStatus.PASS)

        server.process.send_signal(signal.SIGSTOP)
        store.stopped = True
        silent = await drive(clock, store, lambda: link().startswith("not answering"), limit=60)
        assert silent <= ROUND_DEADLINE + 10, "flagged within one round's deadline"
        with pytest.raises(Refused, match=r"metrics are stale \(not answering for \d+s"):
            await session.execute(session.confirmation(Capability.PROMOTE))

        await drive(clock, store, lambda: verdict() == GateStatus.PENDING, limit=60)
        assert session.judgement is not None
        (result,) = session.judgement.gates
        assert result.status == GateStatus.PENDING and "stale" in result.explanation
        assert link().startswith("not answering for 1m"), link()
        with pytest.raises(Refused, match=r"metrics are stale \(not answering for 1m"):
            await session.execute(session.confirmation(Capability.PROMOTE))

        server.process.send_signal(signal.SIGCONT)
        store.stopped = False
        await drive(clock, store, lambda: verdict() == GateStatus.PASS and not link(), limit=120)
        (started,) = outage()
        assert started.startswith("metrics: not answering for "), "one line for one outage"
        await drive(clock, store, lambda: len(outage()) == 2, limit=60)
        assert outage()[1].startswith("metrics: recovered after "), outage()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.aclose()
