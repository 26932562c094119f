"""Incremental metric fetching: each window asks its store only for the span it lacks.

Kept apart from the session so that the query arithmetic (which span, which step, what to
ask again) reads on its own; the session decides what the outcome means for its links,
its subscribers and the gates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from backends.base import MetricsBackend
from backends.clock import Clock
from backends.errors import BackendError
from backends.model import EventLevel, MetricQuery, QueryContext, RolloutEvent
from tui.session.windows import MetricWindow


@dataclass(frozen=True)
class Fetched:
    """What one round changed: windows with new points or a new error, and the errors."""

    changed: set[str]
    errors: dict[str, str]


class Fetcher:
    """Brings metric windows up to date, and logs each store warning once."""

    def __init__(self, clock: Clock, log: Callable[[Sequence[RolloutEvent]], None]) -> None:
        self._clock = clock
        self._log = log
        self._warned: set[tuple[str, str]] = set()

    async def fetch(
        self,
        windows: Mapping[str, MetricWindow],
        metrics: MetricsBackend,
        context: QueryContext,
        now: float,
    ) -> Fetched:
        """Fetch each window's span since its newest sample, up to the step `now` falls in.

        The span starts after the newest sample held, not after the last query's end: a store
        may not answer the newest step yet (VictoriaMetrics leaves it out of a one-step range,
        and by default holds back its last 30 s), and that step must be asked for again.
        """
        changed: set[str] = set()
        errors: dict[str, str] = {}
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
            try:
                result = await metrics.query_range(
                    query, _utc(start), _utc(end), window.spec.resolution
                )
            except BackendError as error:
                window.error = str(error)
                errors[name] = str(error)
                changed.add(name)
                continue
            # The series that lags most decides: a step one revision's series has not reached
            # yet is asked for again, and the other's repeat is dropped by its window.
            newest = min(
                (one.points[-1].t for one in result.series.values() if one.points), default=None
            )
            if newest is not None:
                window.fetched_until = max(newest, window.fetched_until or newest)
            window.error = None
            window.warnings = list(result.warnings)
            window.missing = list(result.missing)
            self._warn(name, result.warnings)
            for role, series in result.series.items():
                window.revisions[role] = series.revision
                if window.window(role).extend(series.points, window.spec.scale):
                    changed.add(name)
        return Fetched(changed, errors)

    def _warn(self, metric: str, warnings: Sequence[str]) -> None:
        """A store's warning (no series for a revision, a raised step) is logged once."""
        new = [w for w in warnings if (metric, w) not in self._warned]
        self._warned.update((metric, w) for w in new)
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
        return f"{distinct.pop()} ({len(errors)} of {total} queries)"
    return "; ".join(f"{name}: {error}" for name, error in errors.items())


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)
