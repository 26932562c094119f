"""A 24-hour watch under the virtual clock: memory must stay flat, whatever the hour.

Run with `pytest benchmarks/bench_soak.py --benchmark-only` (about six minutes). The session
alone polls 8,640 times (one per 10 s of simulated time) and compares the memory held after 12
hours (every bounded buffer full: the windows, the last 200 events) with the memory after 24.
The simulator's own sample cache is left out of the count: it is bounded (8,192 samples) and
belongs to the stand-in store, not to what a user runs against Prometheus.
The watch screen then runs the same 24 hours at 160x48, redrawn every two simulated minutes
(twelve polls): the process's resident memory must stay under 120 MB and grow by no more than
noise between hour 12 and hour 24 (the graphs' pictures, strips and labels are bounded too).
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from backends.clock import VirtualClock
from backends.model import Role
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.session.demo import demo_session
from tui.virtual_app import demo_app, settle
from tui.widgets.graph import MetricGraph

HOUR = 3600
SIMULATOR = [
    tracemalloc.Filter(False, "*/backends/simulator/*.py"),
    tracemalloc.Filter(False, "*/random.py"),
]
RSS_LIMIT_MB = 120
STEP = 120
"""Simulated seconds between two redraws of the watch screen in the screen soak."""


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


def resident_mb() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def watch_on_screen(hours: int) -> tuple[dict[int, float], int]:
    """Resident memory after the first hour, half way, and at the end; graphs drawn."""
    clock = VirtualClock(datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    app, _ = demo_app(clock, "noisy")
    resident: dict[int, float] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, clock)
        for hour in range(1, hours + 1):
            for _ in range(HOUR // STEP):
                await clock.advance(STEP)
                await pilot.pause()
                await pilot.pause()
            if hour in (1, hours // 2, hours):
                resident[hour] = resident_mb()
        draws = sum(graph.draws for graph in app.screen.query(MetricGraph))
    return resident, draws


def test_the_watch_screen_stays_small_over_24_hours(benchmark):
    resident, draws = benchmark.pedantic(
        lambda: asyncio.run(watch_on_screen(24)), rounds=1, iterations=1
    )
    assert draws >= 24 * HOUR // STEP, "the graphs were drawn all along"
    benchmark.extra_info.update({f"rss_mb_after_{h}h": mb for h, mb in resident.items()})
    print(
        "\nresident memory: " + ", ".join(f"{mb:.0f} MB after {h} h" for h, mb in resident.items())
    )
    assert max(resident.values()) <= RSS_LIMIT_MB
    assert resident[24] - resident[12] < 4, "growth beyond noise over 12 hours"
