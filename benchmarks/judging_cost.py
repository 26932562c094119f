"""What judging two hundred rollouts in the background costs the overview.

Run: python benchmarks/judging_cost.py

The overview gives every rollout in progress a session judged with rollwatch's gates, a few at
a time (tui/session/judging.py). Here 200 simulated rollouts are judged on a virtual clock for
ten minutes of their time; the store's own work (the simulator computing samples) is timed apart
and taken out, so what is printed is rollwatch's: CPU per second of watching (as a share of one
core), range queries per second the store sees, and the CPU time it took to give every row
its first verdict (each fetching its whole window of history).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from backends.clock import VirtualClock
from backends.model import Change, MetricQuery, QueryResult
from backends.simulator.adapter import Simulator, SimulatorOptions
from backends.simulator.controller import SimRollout
from tui.session.demo import demo_wiring
from tui.session.judging import Judges
from tui.session.overview import Overview

T0 = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
ROLLOUTS = 200
WATCHED = timedelta(minutes=10)
TICK = 1.0


class TimedStore:
    """The simulator's metrics, the time it spends computing them measured apart."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.spent = 0.0
        self.queries = 0

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        began = time.process_time()
        try:
            return await self.sim.query_range(query, start, end, step)
        finally:
            self.spent += time.process_time() - began
            self.queries += 1

    async def aclose(self) -> None:
        pass


def world(clock: VirtualClock) -> Simulator:
    """Two hundred services, each a canary that waits for a person at its second step."""
    sim = Simulator(clock, SimulatorOptions(seed=7, actor="bench"))
    rollouts = [
        SimRollout(
            service=f"service-{i:03d}",
            namespace=f"ns{i % 9}",
            stable_revision=f"{i:04d}stable",
            canary_revision=f"{i:04d}canary",
            change=Change(sha=f"{i:010x}", title="a change", author="someone"),
            started=T0 - timedelta(minutes=5 + i % 20),
        )
        for i in range(ROLLOUTS)
    ]
    for rollout in rollouts:
        rollout.advance_to(T0)
    sim._rollouts = {r.id: r for r in rollouts}
    return sim


async def measure() -> dict[str, float]:
    clock = VirtualClock(T0)
    sim = world(clock)
    wiring = demo_wiring(sim)
    store = TimedStore(sim)
    wiring.metrics = store
    overview = Overview(sim, clock)
    judges = Judges(overview, wiring.session)
    tasks = [asyncio.create_task(overview.run()), asyncio.create_task(judges.run())]
    began = time.process_time()
    await clock.advance(0)
    while not overview.rows or not all(row.judged for row in overview.rows.values()):
        await asyncio.sleep(0)
    first = time.process_time() - began - store.spent
    began, store.spent, store.queries = time.process_time(), 0.0, 0
    for _ in range(int(WATCHED.total_seconds() / TICK)):
        await clock.advance(TICK)
    cpu = time.process_time() - began - store.spent
    judging = len(judges.judging)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    watched = WATCHED.total_seconds()
    return {
        "rollouts judged": judging,
        "CPU % of a core": 100 * cpu / watched,
        "store CPU % (simulator, left out)": 100 * store.spent / watched,
        "queries/s": store.queries / watched,
        "CPU s for the first verdict on every row": first,
    }


def main() -> None:
    for name, value in asyncio.run(measure()).items():
        print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
