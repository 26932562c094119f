"""A recording made as `rollwatch demo --record FILE` makes one, on the virtual clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from backends.clock import VirtualClock
from backends.model import Expectation, MetricQuery, QueryResult
from backends.simulator.adapter import Simulator
from tui.session.demo import demo_wiring
from tui.session.recording import Recorder
from tui.session.wiring import Wiring

TICK = 10.0
"""Seconds the clock moves at a time, as the demo's graphs refresh."""


async def record_demo(
    path: Path, sim: Simulator, clock: VirtualClock, *, before: float, after: float
) -> None:
    """The demo's session on `sim`'s own rollout, written to `path` as it saw it.

    After `before` seconds someone else confirms the rollout's step (another person's
    `rollwatch promote`), so the recording holds the rollout moving on; it goes on for `after`
    seconds more. `sim` must run on `clock`.
    """
    async with _recording(path, clock, sim, demo_wiring(sim)):
        await _advance(clock, before)
        seen = await sim.get_rollout(sim.primary_id)
        await sim.promote(seen.id, expect=Expectation.of(seen))
        await _advance(clock, after)


async def _advance(clock: VirtualClock, seconds: float) -> None:
    for _ in range(round(seconds / TICK)):
        await clock.advance(TICK)


class Distant:
    """The simulator's metrics answered `latency` seconds after being asked, as over a network."""

    def __init__(self, sim: Simulator, latency: float) -> None:
        self.sim = sim
        self.latency = latency

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        await self.sim.clock.sleep(self.latency)
        return await self.sim.query_range(query, start, end, step)

    async def aclose(self) -> None:
        pass


async def record_short(path: Path, sim: Simulator, clock: VirtualClock, *, seconds: float) -> None:
    """The demo's session over a store `Distant` by 0.3 s, quit after `seconds`: what
    `rollwatch demo --record FILE` leaves when it is quit before its second round."""
    async with _recording(path, clock, sim, replace(demo_wiring(sim), metrics=Distant(sim, 0.3))):
        await clock.advance(seconds)


@asynccontextmanager
async def _recording(
    path: Path, clock: VirtualClock, sim: Simulator, wiring: Wiring
) -> AsyncIterator[None]:
    """A read-only session on `sim`'s own rollout, wired by `wiring`, runs and is recorded to
    `path` for as long as the block moves the clock on; the file is closed whatever happens."""
    recorder = Recorder(path, clock)
    wired = recorder.wrap(wiring)
    recorder.start(wired.config, sim.primary_id)
    session = wired.session(sim.primary_id, read_only=True)
    recorder.follow(session)
    task = asyncio.create_task(session.run())
    try:
        await clock.advance(0)
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        recorder.close()
