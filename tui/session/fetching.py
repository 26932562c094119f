"""Incremental metric fetching: each window asks its store only for the span it lacks.

Kept apart from the session so that the query arithmetic (which span, which step, what to
ask again) reads on its own; the session decides what the outcome means for its links,
its subscribers and the gates.

All of a round's queries run at once under one deadline on the session's clock: a store that
hangs, or an HTTP client that retries inside its own timeout, costs one deadline per round,
never one timeout per metric after another. The fetcher also keeps the rounds' pace: one a
poll while the store answers, backing off while it answers nothing.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from backends.base import MetricsBackend
from backends.clock import Clock
from backends.errors import BackendError, Unauthorized
from backends.model import (
    EventLevel,
    MetricQuery,
    QueryContext,
    QueryResult,
    Rollout,
    RolloutEvent,
)
from tui.session.links import BACKOFF_MAX, Backoff
from tui.session.windows import MetricWindow

ROUND_DEADLINE = 15.0
"""Seconds a round of queries may take (or one poll, if longer) before it is cut short."""
WARNINGS_KEPT = 200
"""Distinct store warnings remembered as already logged; older ones may be logged again."""
AHEAD = "samples stamped after the query's end were dropped (is the store's clock ahead?)"


@dataclass(frozen=True)
class Fetched:
    """What one round changed: windows with new points or a new error, and the problems.

    `answered` counts the queries the store answered; `refused` is set when it refused the
    credentials, which asking again soon will not mend.
    """

    changed: set[str]
    errors: dict[str, str]
    answered: int = 0
    refused: bool = False


class Fetcher:
    """Brings metric windows up to date, keeps the rounds' pace, and logs each warning once."""

    def __init__(
        self,
        windows: Mapping[str, MetricWindow],
        clock: Clock,
        log: Callable[[Sequence[RolloutEvent]], None],
        backoff: Backoff,
    ) -> None:
        self.windows = windows
        self._clock = clock
        self._log = log
        self._backoff = backoff
        self._warned: dict[tuple[str, str], None] = {}
        self._failures = 0
        self.refused = False
        """The store refused the credentials in the last round."""
        self.next_round_at: float | None = None

    @property
    def poll_interval(self) -> float:
        resolutions = [w.spec.resolution.total_seconds() for w in self.windows.values()]
        return min(resolutions, default=10.0)

    @property
    def round_deadline(self) -> float:
        return max(self.poll_interval, ROUND_DEADLINE)

    async def fetch(self, metrics: MetricsBackend, context: QueryContext) -> Fetched:
        """One round, and when the next one comes.

        A store that answers nothing backs off, to the slowest pace at once when it refuses
        the credentials; one that answers some queries is asked again next poll.
        """
        started = self._clock.now().timestamp()
        fetched = await self._round(metrics, context, started, self.round_deadline)
        down = bool(fetched.errors) and not fetched.answered
        self._failures = self._failures + 1 if down else 0
        self.refused = fetched.refused
        now = self._clock.now().timestamp()
        if fetched.refused:
            self.next_round_at = now + BACKOFF_MAX
        elif down:
            self.next_round_at = now + self._backoff.delay(self._failures)
        else:
            self.next_round_at = max(now, started + self.poll_interval)
        return fetched

    def problem(self, now: float) -> str | None:
        """The metrics link's problem at `now`, in one line; None when every metric is fine."""
        problems = {name: p for name, w in self.windows.items() if (p := w.problem(now))}
        return summarise(problems, len(self.windows)) if problems else None

    def retry_in(self, now: float) -> float | None:
        return None if self.next_round_at is None else max(0.0, self.next_round_at - now)

    async def _round(
        self,
        metrics: MetricsBackend,
        context: QueryContext,
        now: float,
        deadline: float,
    ) -> Fetched:
        """Fetch each window's span since its newest sample, up to the step `now` falls in.

        The span starts after the newest sample held, not after the last query's end: a store
        may not answer the newest step yet (VictoriaMetrics leaves it out of a one-step range,
        and by default holds back its last 30 s), and that step must be asked for again.
        Queries still unanswered `deadline` seconds after `now` are cancelled.
        """
        windows = self.windows
        queries: dict[str, asyncio.Future[QueryResult]] = {}
        ends: dict[str, float] = {}
        for name, window in windows.items():
            step = window.spec.resolution.total_seconds()
            end = math.floor(now / step) * step
            start = end - window.span.total_seconds()
            if window.fetched_until is not None:
                start = max(start, window.fetched_until + step)
            if start > end:
                continue
            query = MetricQuery(
                name=name,
                template=window.spec.query,
                context=context,
                split=window.spec.split,
                revision_label=window.spec.revision_label,
                resolution=window.spec.resolution,
            )
            if window.heard_at is None:
                window.heard_at = now
            ends[name] = end
            queries[name] = asyncio.ensure_future(
                metrics.query_range(query, _utc(start), _utc(end), window.spec.resolution)
            )
        await self._within(deadline, list(queries.values()))
        changed: set[str] = set()
        errors: dict[str, str] = {}
        refused = False
        answered = 0
        for name, answer in queries.items():
            window = windows[name]
            if answer.cancelled():
                window.silent = True
                window.error = f"no answer within {deadline:g}s"
            elif (error := answer.exception()) is None:
                window.heard_at = now
                answered += 1
                if self._apply(name, window, answer.result(), ends[name]):
                    changed.add(name)
                continue
            elif isinstance(error, BackendError):
                window.silent = False
                window.error = str(error)
                refused = refused or isinstance(error, Unauthorized)
            else:
                raise error
            errors[name] = window.error
            changed.add(name)
        return Fetched(changed, errors, answered, refused)

    async def _within(self, seconds: float, queries: Sequence[asyncio.Future[QueryResult]]) -> None:
        """Wait for every query or the deadline, whichever comes first; cancel what is left.

        Plain callbacks rather than `gather` and `wait`: a round that answers at once takes
        as few loop turns as one query would.
        """
        if not queries:
            return
        over = asyncio.get_running_loop().create_future()
        left = len(queries)

        def answered(_: object) -> None:
            nonlocal left
            left -= 1
            if left == 0 and not over.done():
                over.set_result(None)

        def late(_: object) -> None:
            if not over.done():
                over.set_result(None)

        for query in queries:
            query.add_done_callback(answered)
        timer = asyncio.ensure_future(self._clock.sleep(seconds))
        timer.add_done_callback(late)
        try:
            await over
        finally:
            timer.cancel()
            unanswered = [query for query in queries if not query.done()]
            for query in unanswered:
                query.cancel()
            await asyncio.gather(*unanswered, return_exceptions=True)

    def _apply(self, name: str, window: MetricWindow, result: QueryResult, end: float) -> bool:
        """Take an answer into its window; True when it brought new points.

        Samples stamped after the query's end are dropped: one sample from a store whose clock
        runs ahead would otherwise move `fetched_until` past now, stop fetching and keep the
        metric looking fresh for as long as the clock takes to catch up.
        """
        kept = {
            role: [p for p in series.points if p.t <= end] for role, series in result.series.items()
        }
        ahead = any(len(kept[role]) < len(s.points) for role, s in result.series.items())
        # The series that lags most decides: a step one revision's series has not reached
        # yet is asked for again, and the other's repeat is dropped by its window.
        newest = min((points[-1].t for points in kept.values() if points), default=None)
        if newest is not None:
            window.fetched_until = min(max(newest, window.fetched_until or newest), end)
        window.silent = False
        window.error = None
        window.warnings = list(result.warnings)
        window.missing = list(result.missing)
        self._warn(name, [*result.warnings, *([AHEAD] if ahead else [])])
        added = False
        for role, series in result.series.items():
            window.revisions[role] = series.revision
            if window.window(role).extend(kept[role], window.spec.scale):
                added = True
        return added

    def _warn(self, metric: str, warnings: Sequence[str]) -> None:
        """A store's warning (no series for a revision, a raised step) is logged once."""
        new = [w for w in dict.fromkeys(warnings) if (metric, w) not in self._warned]
        for warning in new:
            self._warned[(metric, warning)] = None
        while len(self._warned) > WARNINGS_KEPT:
            del self._warned[next(iter(self._warned))]
        self._log(
            [
                RolloutEvent(
                    time=self._clock.now(), message=f"{metric}: {w}", level=EventLevel.WARNING
                )
                for w in new
            ]
        )


def summarise(errors: dict[str, str], total: int) -> str:
    """One line for the banner: a store that is down fails every query the same way."""
    distinct = set(errors.values())
    if len(distinct) == 1:
        which = "" if len(errors) == total else f"{', '.join(errors)}: "
        return f"{distinct.pop()} ({which}{len(errors)} of {total} queries)"
    return "; ".join(f"{name}: {error}" for name, error in errors.items())


def query_context(rollout: Rollout) -> QueryContext:
    """What a rollout's queries are filled in with: its service and its two revisions."""
    return QueryContext(
        service=rollout.service,
        namespace=rollout.namespace or "",
        workload=rollout.canary.workload or rollout.name if rollout.canary else rollout.name,
        stable_revision=rollout.stable.id,
        canary_revision=rollout.canary.id if rollout.canary else None,
        stable_workload=rollout.stable.workload,
        canary_workload=rollout.canary.workload if rollout.canary else None,
    )


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)
