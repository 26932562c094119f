"""The simulator behind a metrics store and a deploy API that can be taken down mid-test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from backends.clock import VirtualClock
from backends.errors import BackendError, Unreachable
from backends.model import Expectation, MetricQuery, QueryResult, Rollout
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.app import RollwatchApp
from tui.session.demo import SEED, demo_wiring

PRIMARY = "shop/checkout-api"


class FlakyStore:
    """Answers as the simulator does until `fail` is set, then raises `error`."""

    def __init__(self, sim: Simulator, error: BackendError | None = None) -> None:
        self.sim = sim
        self.fail = False
        self.error = error or Unreachable("store down", detail="connection refused")

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        if self.fail:
            raise self.error
        return await self.sim.query_range(query, start, end, step)

    async def aclose(self) -> None:
        pass


class FlakyDeploy:
    """The simulator behind a deploy API that `cut` takes down: the watch stream breaks at
    once and every reconnection is refused."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.capabilities = sim.capabilities
        self.down = asyncio.Event()

    def cut(self) -> None:
        self.down.set()

    async def get_rollout(self, rollout_id: str) -> Rollout:
        self._refuse()
        return await self.sim.get_rollout(rollout_id)

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        self._refuse()
        stream = aiter(self.sim.watch_rollout(rollout_id))
        down = asyncio.ensure_future(self.down.wait())
        try:
            while True:
                following = asyncio.ensure_future(anext(stream))
                await asyncio.wait({following, down}, return_when=asyncio.FIRST_COMPLETED)
                if down.done():
                    following.cancel()
                    self._refuse()
                yield following.result()
        finally:
            down.cancel()

    def _refuse(self) -> None:
        if self.down.is_set():
            raise Unreachable("deploy API down", detail="connection refused")

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        return await self.sim.promote(rollout_id, expect=expect, full=full)

    async def aclose(self) -> None:
        pass


def flaky_app(
    clock: VirtualClock, scenario: str = "healthy"
) -> tuple[RollwatchApp, FlakyDeploy, FlakyStore]:
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor="tester"))
    wired = demo_wiring(sim)
    deploy, store = FlakyDeploy(sim), FlakyStore(sim)
    wired.deploy = deploy  # type: ignore[assignment]
    wired.metrics = store
    return RollwatchApp(wired.session(PRIMARY)), deploy, store
