"""A recording played back as a deploy backend and a metrics store, on the session's clock.

`rollwatch replay` needs no deploy system and no store: this adapter answers from the file,
each answer as it stood at the clock's time, so a session on top of it sees what the recorded
one saw, when it saw it, and judges it the same way. It does nothing: a replay has no
capabilities. Registered as `replay` in both entry-point groups, so `status --backend replay
-o file=...` reads a recording like any other deploy system.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from backends.base import Capability, RolloutsChange
from backends.clock import Clock
from backends.errors import (
    BackendError,
    BadResponse,
    NotFound,
    Unauthorized,
    Unreachable,
    Unsupported,
)
from backends.model import (
    Expectation,
    MetricQuery,
    MetricSeries,
    Point,
    QueryResult,
    Role,
    Rollout,
    RolloutSummary,
)
from backends.registry import AdapterContext, DeployAdapter, MetricsAdapter
from backends.replay.format import FailureLine, Header, MetricsLine, RolloutLine, read_lines

ERRORS: dict[str, type[BackendError]] = {
    "Unreachable": Unreachable,
    "Unauthorized": Unauthorized,
    "NotFound": NotFound,
    "BadResponse": BadResponse,
}
ANSWER_GRACE = 1.0
"""Seconds after a replayed round in which a recorded answer still counts as its answer.

The recorded session asked a moment after it started (it read the rollout first) and was
answered a moment later still, while a replay asks exactly on the recording's clock: without
this grace every replayed round would miss the answer its recorded round got, and show it a
poll late (or, for a short recording, never)."""
IDLE = 3600.0
"""Seconds a watch sleeps at a time once the recording has nothing more to tell."""


class ReplayOptions(BaseModel):
    """The `replay` table: which recording (the same for `[deploy]` and `[metrics]`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: Path = Field(description="A recording written by `--record FILE`.")


MetricKey = tuple[str, str, str]
"""(service, namespace, metric name): what a recorded answer is found by."""


class Replay:
    """The recording's answers, indexed by time: every read answers as of `clock.now()`."""

    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, path: Path, clock: Clock) -> None:
        lines = read_lines(path)
        header = lines[0]
        assert isinstance(header, Header)
        self.header = header
        self.clock = clock
        self._snapshots: dict[str, list[tuple[float, Rollout]]] = defaultdict(list)
        self._answers: dict[MetricKey, list[tuple[float, MetricsLine | FailureLine]]] = defaultdict(
            list
        )
        self._deploy_failures: dict[str, list[float]] = defaultdict(list)
        for line in lines[1:]:
            if isinstance(line, RolloutLine):
                self._snapshots[line.rollout.id].append((line.t, line.rollout))
            elif isinstance(line, MetricsLine):
                self._answers[(line.service, line.namespace, line.metric)].append((line.t, line))
            elif isinstance(line, FailureLine) and line.source == "metrics" and line.metric:
                key = (line.service or "", line.namespace, line.metric)
                self._answers[key].append((line.t, line))
        for snapshots in self._snapshots.values():
            snapshots.sort(key=lambda item: item[0])
        self._arrivals: dict[MetricKey, list[float]] = {}
        self._series: dict[tuple[MetricKey, Role, str | None], _Series] = defaultdict(_Series)
        for key, answers in self._answers.items():
            answers.sort(key=lambda item: item[0])
            self._arrivals[key] = [time for time, _ in answers]
            for time, answer in answers:
                if isinstance(answer, MetricsLine):
                    for role, got in answer.result.series.items():
                        self._series[(key, role, got.revision)].add(time, got.points)
        for indexed in self._series.values():
            indexed.seal()

    @property
    def started(self) -> datetime:
        return datetime.fromtimestamp(self.header.t, self.clock.now().tzinfo)

    @property
    def first(self) -> str | None:
        """The rollout recorded first: what a recording of the overview opens on."""
        firsts = [(history[0][0], rid) for rid, history in self._snapshots.items() if history]
        return min(firsts)[1] if firsts else None

    @property
    def ends(self) -> float:
        """Unix time of the recording's last answer."""
        last = [h[-1][0] for h in self._snapshots.values() if h]
        last += [h[-1][0] for h in self._answers.values() if h]
        return max(last, default=self.header.t)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    # DeployBackend

    def _at(self, rollout_id: str, t: float) -> Rollout:
        history = self._snapshots.get(rollout_id)
        if not history:
            known = ", ".join(sorted(self._snapshots)) or "none"
            raise NotFound(f"the recording has no rollout {rollout_id!r}", detail=f"known: {known}")
        index = bisect.bisect_right([time for time, _ in history], t) - 1
        return history[max(0, index)][1]

    async def list_rollouts(self) -> list[RolloutSummary]:
        now = self._now()
        return [self._at(rid, now).summary() for rid in self._snapshots]

    async def get_rollout(self, rollout_id: str) -> Rollout:
        return self._at(rollout_id, self._now())

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        """The snapshot as of now, then the newest one each time the recording has a new one.

        One whose time came while the caller was away (the clock moved between two reads) is
        given at once, not with the recording's next.
        """
        self._at(rollout_id, self._now())
        times = [time for time, _ in self._snapshots[rollout_id]]
        while True:
            told = bisect.bisect_right(times, self._now())
            yield self._at(rollout_id, self._now())
            if bisect.bisect_right(times, self._now()) == told:
                await self._until_after(times)

    async def watch_rollouts(self) -> AsyncIterator[RolloutsChange]:
        """The list as of now, then the rollouts whose snapshot changed, as summaries.

        Every change recorded after the last one told is told, also one whose time came while
        the caller was away.
        """
        times = sorted(time for history in self._snapshots.values() for time, _ in history)
        told = self._now()
        yield await self.list_rollouts()
        while True:
            if bisect.bisect_right(times, told) == bisect.bisect_right(times, self._now()):
                await self._until_after(times)
            now = self._now()
            changed = [
                rollout_id
                for rollout_id, history in self._snapshots.items()
                if any(told < time <= now for time, _ in history)
            ]
            told = now
            for rollout_id in changed:
                yield self._at(rollout_id, now).summary()

    async def _until_after(self, times: list[float]) -> None:
        """Sleep until the first of `times` after now (or for a long while, past the last)."""
        following = bisect.bisect_right(times, self._now())
        if following >= len(times):
            await self.clock.sleep(IDLE)
        else:
            await self.clock.sleep(times[following] - self._now())

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        raise _nothing("promote")

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        raise _nothing("abort")

    async def retry(self, rollout_id: str) -> Rollout:
        raise _nothing("retry")

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        raise _nothing("pause")

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        raise _nothing("resume")

    async def aclose(self) -> None:
        return None

    # MetricsBackend

    async def query_range(
        self, query: MetricQuery, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        """Every recorded point that had arrived by now (give or take `ANSWER_GRACE`), within
        [start, end], per revision.

        The recorded session asked for the span it lacked, as this one does, so it gets the
        points the recorded one got; a failure recorded last before now is raised again.
        """
        key = (query.context.service, query.context.namespace, query.name)
        now = self._now() + ANSWER_GRACE
        answers = self._answers.get(key, [])
        arrived = bisect.bisect_right(self._arrivals[key], now) if answers else 0
        if not arrived:
            return QueryResult(missing=[Role.ALL] if not query.split else [])
        last = answers[arrived - 1][1]
        if isinstance(last, FailureLine):
            raise ERRORS.get(last.error, Unreachable)(last.message)
        revisions = {
            Role.STABLE: query.context.stable_revision,
            Role.CANARY: query.context.canary_revision,
            Role.ALL: None,
        }
        result = QueryResult(warnings=list(last.result.warnings), missing=list(last.result.missing))
        lo, hi = start.timestamp(), end.timestamp()
        for role in (Role.STABLE, Role.CANARY) if query.split else (Role.ALL,):
            series = self._series.get((key, role, revisions[role] if query.split else None))
            points = series.between(lo, hi, now) if series else []
            if points or role not in result.missing:
                result.series[role] = MetricSeries(
                    role=role, revision=revisions[role], points=points
                )
        return result


class _Series:
    """Every recorded point of one metric, role and revision, with when it first arrived.

    A query asks for the few points since its last one: found by bisection, so a replay costs
    the same at the end of a day's recording as at its start.
    """

    def __init__(self) -> None:
        self._first: dict[float, tuple[float, Point]] = {}
        self._times: list[float] = []

    def add(self, arrival: float, points: list[Point]) -> None:
        for point in points:
            if point.t not in self._first:
                self._first[point.t] = (arrival, point)

    def seal(self) -> None:
        self._times = sorted(self._first)

    def between(self, lo: float, hi: float, now: float) -> list[Point]:
        """The points stamped in [lo, hi] that had arrived by `now`, oldest first."""
        first = bisect.bisect_left(self._times, lo)
        last = bisect.bisect_right(self._times, hi)
        found = (self._first[t] for t in self._times[first:last])
        return [point for arrival, point in found if arrival <= now]


def _nothing(action: str) -> Unsupported:
    return Unsupported(f"a replay cannot {action}: it plays back what was recorded")


def _shared(options: ReplayOptions, context: AdapterContext) -> Replay:
    """One replay per context, as one simulator: the deploy and metrics sides read one file."""
    existing = context.shared.get("replay")
    if isinstance(existing, Replay):
        return existing
    replay = Replay(options.file, context.clock)
    context.shared["replay"] = replay
    return replay


DEPLOY = DeployAdapter(options=ReplayOptions, build=_shared)
"""The `replay` deploy entry point."""

METRICS = MetricsAdapter(options=ReplayOptions, build=_shared)
"""The `replay` metrics entry point: the same recording as the deploy side."""
