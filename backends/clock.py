"""Time as the simulator and the session see it.

A virtual clock makes the simulator and the session deterministic for tests and screenshots;
a scaled clock lets a demo run a 30-minute rollout in a minute. Both wake sleepers through
asyncio, so nothing ever polls the wall clock in a loop.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time, optionally sped up by `speed` from the moment it was made."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = start or datetime.now(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)

    def wall(self, t: datetime) -> datetime:
        """The wall-clock moment of simulated time `t`, for readers that keep real time."""
        return self._start + (t - self._start) / self.speed


class VirtualClock:
    """A clock that moves only when told to: `advance` wakes every sleeper whose time came."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        deadline = self._now + timedelta(seconds=seconds)
        heapq.heappush(self._sleepers, (deadline, next(self._order), future))
        await future

    def next_deadline(self) -> datetime | None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking sleepers in deadline order and letting each one run."""
        target = self._now + timedelta(seconds=seconds)
        while (deadline := self.next_deadline()) is not None and deadline <= target:
            _, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            future.set_result(None)
            await _settle()
        self._now = target
        await _settle()


async def _settle(rounds: int = 5) -> None:
    """Give woken tasks a few loop turns to finish what they do at this instant."""
    for _ in range(rounds):
        await asyncio.sleep(0)
