"""A 24-hour watch under the virtual clock: memory must stay flat, whatever the hour.

Run with `pytest benchmarks/bench_soak.py --benchmark-only`; it polls 8,640 times (one per 10 s
of simulated time) and compares the memory held after 12 hours (every bounded buffer full: the
windows, the last 200 events) with the memory after 24.
The simulator's own sample cache is left out of the count: it is bounded (8,192 samples) and
belongs to the stand-in store, not to what a user runs against Prometheus.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from datetime import UTC, datetime

from backends.clock import VirtualClock
from backends.model import Role
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.session.demo import demo_session

HOUR = 3600
SIMULATOR = [
    tracemalloc.Filter(False, "*/backends/sim_*.py"),
    tracemalloc.Filter(False, "*/backends/simulator.py"),
    tracemalloc.Filter(False, "*/random.py"),
]


def held() -> int:
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(SIMULATOR)
    return sum(stat.size for stat in snapshot.statistics("filename"))


async def watch(hours: int) -> tuple[int, int, int]:
    clock = VirtualClock(datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    sim = Simulator(clock, SimulatorOptions(scenario="noisy", auto_confirm=None))
    session = demo_session(sim)
    task = asyncio.create_task(session.run())
    await clock.advance(0)
    tracemalloc.start()
    after_first = 0
    for hour in range(hours):
        for _ in range(HOUR // 10):
            await clock.advance(10)
        if hour == hours // 2 - 1:
            after_first = held()
    after_last = held()
    tracemalloc.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return after_first, after_last, len(session.windows["p99 latency"].window(Role.STABLE))


def test_memory_stays_flat_over_24_hours(benchmark):
    first, last, held = benchmark.pedantic(lambda: asyncio.run(watch(24)), rounds=1, iterations=1)
    benchmark.extra_info.update({"bytes_after_12h": first, "bytes_after_24h": last})
    print(f"\nheld after 12 h: {first / 1024:.0f} KiB, after 24 h: {last / 1024:.0f} KiB")
    assert held == 91  # 15 minutes at 10 s, both ends included
    assert last - first < 64 * 1024, "growth beyond noise over 12 hours"
