"""Bounded metric windows: memory stays flat however long a rollout is watched.

Each window also keeps what the clock needs to judge its metric without waiting for the next
answer: when the store last answered, and how old the newest sample is.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from backends.model import Point, Role
from tui.format import duration
from tui.judge.data import MIN_STALE
from tui.judge.specs import MetricSpec

STALE_STEPS = 3
"""Steps without a new sample after which a metric is stale (and at least `MIN_STALE`): the
judge's rule, so a gate turns pending when its metric's link says so."""


class SeriesWindow:
    """The newest samples of one series, oldest first, at most `capacity` of them."""

    def __init__(self, capacity: int) -> None:
        self._points: deque[tuple[float, float]] = deque(maxlen=capacity)

    def extend(self, points: Iterable[Point], scale: float = 1.0) -> int:
        """Append samples newer than the last one held; returns how many were new."""
        last = self._points[-1][0] if self._points else -math.inf
        added = 0
        for p in points:
            if p.t > last:
                self._points.append((p.t, p.v * scale))
                last = p.t
                added += 1
        return added

    @property
    def points(self) -> list[tuple[float, float]]:
        return list(self._points)

    @property
    def last(self) -> tuple[float, float] | None:
        return self._points[-1] if self._points else None

    def __len__(self) -> int:
        return len(self._points)

    def clear(self) -> None:
        self._points.clear()


@dataclass
class MetricWindow:
    """Everything the session holds about one metric: per-role series and what went wrong."""

    spec: MetricSpec
    span: timedelta
    series: dict[Role, SeriesWindow] = field(default_factory=dict)
    fetched_until: float | None = None
    """Unix time of the newest sample fetched: the next query starts one step after it."""
    revisions: dict[Role, str | None] = field(default_factory=dict)
    missing: list[Role] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    """The store's words for the last query that failed; None once it answers."""
    silent: bool = False
    """The last query got no answer before its round's deadline."""
    heard_at: float | None = None
    """When the store last answered this metric (before its first answer: when first asked)."""

    @property
    def roles(self) -> tuple[Role, ...]:
        return (Role.STABLE, Role.CANARY) if self.spec.split else (Role.ALL,)

    @property
    def capacity(self) -> int:
        return max(1, int(self.span / self.spec.resolution) + 1)

    @property
    def newest(self) -> float | None:
        """Unix time of the newest sample held for any role."""
        return max((s.last[0] for s in self.series.values() if s.last), default=None)

    @property
    def stale_after(self) -> float:
        """Seconds after its newest sample at which the metric's data is stale."""
        return max(STALE_STEPS * self.spec.resolution.total_seconds(), MIN_STALE)

    def problem(self, now: float) -> str | None:
        """What is wrong with this metric's data at `now`, by the clock; None when nothing is.

        A store that hangs is timed from its last answer, not from the query that hangs, so the
        silence shown is the silence the user's data has.
        """
        if self.silent:
            since = self.heard_at if self.heard_at is not None else now
            return f"not answering for {duration(now - since)}"
        if self.error is not None:
            return self.error
        newest = self.newest
        if newest is not None and now - newest > self.stale_after:
            return f"no new samples for {duration(now - newest)}"
        return None

    def window(self, role: Role) -> SeriesWindow:
        if role not in self.series:
            self.series[role] = SeriesWindow(self.capacity)
        return self.series[role]

    def reset(self) -> None:
        """Forget the samples: the revisions changed, so old ones describe something else.

        What is known about the store (its last answer, its error) still holds.
        """
        self.series.clear()
        self.revisions.clear()
        self.fetched_until = None
        self.missing = []
        self.warnings = []
