"""Bounded metric windows: memory stays flat however long a rollout is watched."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from backends.model import Point, Role
from tui.judge.specs import MetricSpec


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

    @property
    def roles(self) -> tuple[Role, ...]:
        return (Role.STABLE, Role.CANARY) if self.spec.split else (Role.ALL,)

    @property
    def capacity(self) -> int:
        return max(1, int(self.span / self.spec.resolution) + 1)

    def window(self, role: Role) -> SeriesWindow:
        if role not in self.series:
            self.series[role] = SeriesWindow(self.capacity)
        return self.series[role]

    def reset(self) -> None:
        """Forget everything: the revisions changed, so old samples describe something else."""
        self.series.clear()
        self.revisions.clear()
        self.fetched_until = None
        self.missing = []
        self.warnings = []
