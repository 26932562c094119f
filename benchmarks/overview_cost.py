"""What two hundred rollouts cost the overview: per change, per list, per second of clocks.

Run: python benchmarks/overview_cost.py

The overview takes a list watch's changes one rollout at a time; each change re-sorts plain rows
and redraws only the lines on screen, so its cost must not grow with the rows off screen. It
prints the median time (ms) of: a frame with nothing changed (what the test pilot's own
round costs), one rollout changing in place, one moving to another group (a
reorder), a whole list with a tenth changed (a relist), and the once-a-second clock redraw; each
measured from the change to the frame being written, at 80x24 and 120x36.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

from textual.app import App

from backends.clock import VirtualClock
from backends.model import Change, Pause, Phase, RolloutSummary
from tui.screens.overview import OverviewScreen
from tui.session.live import Session
from tui.session.overview import Overview

T0 = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
ROLLOUTS = 200
ROUNDS = 40
PHASES = (Phase.PROGRESSING, Phase.PAUSED, Phase.HEALTHY, Phase.ABORTED)


def summary(i: int, step: int = 2, phase: Phase | None = None) -> RolloutSummary:
    phase = phase or PHASES[i % len(PHASES)]
    waits = phase == Phase.PAUSED
    pause = Pause(reason="step", since=T0 - timedelta(minutes=i), awaits_decision=True)
    return RolloutSummary(
        id=f"ns{i % 9}/service-{i:03d}",
        service=f"service-{i:03d}",
        namespace=f"ns{i % 9}",
        phase=phase,
        current_step=step,
        step_count=7,
        canary_weight=10.0 * step,
        canary_revision=f"c{i}",
        started_at=T0 - timedelta(minutes=3 * i),
        updated_at=T0 - timedelta(minutes=i),
        pause=pause if waits else None,
        awaits_decision=waits,
        change=Change(author=f"author-{i % 17}", title=f"change {i}", sha=f"{i:07x}"),
    )


class Idle:
    """A deploy backend whose list never changes by itself: the benchmark makes the changes."""

    async def list_rollouts(self) -> list[RolloutSummary]:
        return [summary(i) for i in range(ROLLOUTS)]


class Bench(App[None]):
    def __init__(self, overview: Overview) -> None:
        super().__init__()
        self.overview = overview

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {"stable": "#5fafff", "canary": "#ffaf5f", "dependency": "#b0a0e0"}

    def on_mount(self) -> None:
        def ungated(rollout_id: str) -> Session:
            """A session with no gates, which the overview's judges leave alone: judging
            costs are benchmarks/judging_cost.py's."""
            return Session(Idle(), Idle(), rollout_id, [], self.overview.clock)  # type: ignore[arg-type]

        self.push_screen(OverviewScreen(self.overview, ungated))


async def measure(size: tuple[int, int]) -> dict[str, float]:
    clock = VirtualClock(T0)
    overview = Overview(Idle(), clock)  # type: ignore[arg-type]
    overview._apply(await Idle().list_rollouts())
    app = Bench(overview)
    costs: dict[str, list[float]] = {
        "nothing": [],
        "in place": [],
        "reorder": [],
        "relist": [],
        "clocks": [],
    }
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OverviewScreen)

        async def timed(kind: str, change: object) -> None:
            start = time.perf_counter()
            if callable(change):
                change()
            else:
                overview._apply(change)  # type: ignore[arg-type]
            await pilot.pause()
            costs[kind].append((time.perf_counter() - start) * 1000)

        for r in range(ROUNDS):
            await timed("nothing", lambda: None)
            await timed("in place", summary(0, step=3 + r % 3))
            phase = Phase.DEGRADED if r % 2 else Phase.PROGRESSING
            await timed("reorder", summary(101, phase=phase))
            relisted = [summary(i, step=2 + (r % 2 if i % 10 == 0 else 0)) for i in range(ROLLOUTS)]
            await timed("relist", relisted)
            await timed("clocks", lambda: screen._tick())
    return {kind: statistics.median(values) for kind, values in costs.items()}


def main() -> None:
    for size in ((80, 24), (120, 36)):
        costs = asyncio.run(measure(size))
        line = ", ".join(f"{kind} {ms:.1f} ms" for kind, ms in costs.items())
        print(f"{ROLLOUTS} rollouts at {size[0]}x{size[1]}: {line}")


if __name__ == "__main__":
    main()
