"""The data a gate judges: what the session holds for a metric, the samples in a gate's window,
and what an anytime-valid gate carries from one look to the next.

A gate that cannot be judged on that data is held by raising `Held` with its result: missing or
stale data, a metric not split by revision, or too few samples. Missing data never passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

from backends.model import GateStatus, Role
from tui.format import duration
from tui.judge.result import Estimate, JudgedGate
from tui.judge.specs import (
    CompareGate,
    GateSpec,
    MetricSpec,
    RateGate,
    RollingGate,
    references,
    subject,
)

Window = Sequence[tuple[float, float]]

MIN_STALE = 60.0
"""Seconds without a sample after which a series is stale, however fine its resolution."""


@dataclass(frozen=True)
class MetricData:
    """What the session holds for one metric, values already scaled to display units.

    Series are oldest first and may contain NaN or infinities, as stores send them.
    `last_update` is the newest sample the session holds for the metric: it dates an empty
    series, so a series that went quiet turns stale instead of waiting forever.
    """

    spec: MetricSpec
    stable: Window
    canary: Window
    all: Window = ()
    last_update: float | None = None


E = TypeVar("E")


@dataclass
class Track(Generic[E]):
    """An anytime-valid gate's evidence for one canary revision: one per direction tested.

    `seen_until` is the newest interval taken in, so a look with no new data changes nothing;
    `failed` is the result of the interval where the evidence first reached the gate's bar,
    which stands for the rest of the revision.
    """

    sides: list[E]
    seen_until: float = -math.inf
    last_taken: float = -math.inf
    failed: JudgedGate | None = None


class Memory:
    """What anytime-valid gates carry from look to look: a track per gate, for one revision.

    The session keeps one per canary revision and starts a new one when the revision changes;
    a gate whose settings changed starts a new track.
    """

    def __init__(self) -> None:
        self._tracks: dict[str, tuple[GateSpec, object]] = {}

    def track(self, gate: GateSpec, start: Callable[[], Track[E]]) -> Track[E]:
        kept = self._tracks.get(gate.name)
        if kept is None or kept[0] != gate:
            kept = (gate, start())
            self._tracks[gate.name] = kept
        return cast(Track[E], kept[1])


@dataclass(frozen=True)
class Look:
    """What the judge sees when it looks: the session's data, the time, and its memory."""

    metrics: Mapping[str, MetricData]
    now: float
    memory: Memory = field(default_factory=Memory)


class Held(Exception):
    """Raised with the result of a gate that cannot be judged on the data at hand."""

    def __init__(self, result: JudgedGate) -> None:
        super().__init__(result.explanation)
        self.result = result


def gate_result(
    gate: GateSpec,
    label: str | None,
    explanation: str,
    *,
    status: GateStatus | None = None,
    samples: int = 0,
    threshold: float | None = None,
    estimate: Estimate | None = None,
) -> JudgedGate:
    """A gate's result; the status follows the label unless given."""
    if status is None:
        status = GateStatus.PASS if label == "Pass" else GateStatus.FAIL
    return JudgedGate(
        name=gate.name,
        status=status,
        explanation=explanation,
        metric=subject(gate),
        classification=label,
        samples=samples,
        samples_needed=gate.min_samples,
        threshold=threshold,
        estimate=estimate,
    )


def no_data(gate: GateSpec, reason: str) -> Held:
    """Missing data holds a gate at pending, or fails it when it must have data."""
    must = isinstance(gate, CompareGate) and gate.must_have_data
    status = GateStatus.FAIL if must else GateStatus.PENDING
    text = f"{gate.name}: {reason} — {status.value}"
    return Held(gate_result(gate, "NoData", text, status=status))


def pending(gate: GateSpec, reason: str, samples: int = 0) -> Held:
    text = f"{gate.name}: {reason} — pending"
    return Held(gate_result(gate, None, text, status=GateStatus.PENDING, samples=samples))


def role_of(look: Look, name: str) -> Role:
    """The series a one-sided gate reads: the canary's, or the only one of an unsplit metric."""
    known = look.metrics.get(name)
    return Role.ALL if known is not None and not known.spec.split else Role.CANARY


def fresh(gate: GateSpec, look: Look, name: str, role: Role) -> tuple[MetricData, Window]:
    """The metric and its whole series, holding the gate when the data cannot be judged.

    That is when the metric is unknown, not split as needed, or stale: its newest sample (or,
    for an empty series, the newest the session holds for the metric) is older than three
    steps and at least a minute.
    """
    data = look.metrics.get(name)
    what = f"{role.value} {name}" if len(references(gate)) > 1 else role.value
    if data is None:
        raise no_data(gate, f"no data for metric {name!r} yet")
    if role is not Role.ALL and not data.spec.split:
        raise pending(gate, f"{name} is not split by revision")
    series = {Role.CANARY: data.canary, Role.STABLE: data.stable, Role.ALL: data.all}[role]
    newest = series[-1][0] if series else data.last_update
    if newest is None:
        raise no_data(gate, f"no {what} data yet")
    if look.now - newest > max(3.0 * data.spec.resolution.total_seconds(), MIN_STALE):
        raise no_data(gate, f"stale: no {what} data for {duration(look.now - newest)}")
    return data, series


def fetch(gate: RollingGate, look: Look, name: str, role: Role) -> tuple[MetricData, list[float]]:
    """The metric and its values in the gate's window, `now - window < t <= now`."""
    data, series = fresh(gate, look, name, role)
    start = look.now - gate.window.total_seconds()
    return data, [v for t, v in series if start < t <= look.now]


def fetch_both(
    gate: RollingGate, look: Look, name: str
) -> tuple[MetricData, list[float], list[float]]:
    """The metric with its canary and stable values in the window."""
    data, canary = fetch(gate, look, name, Role.CANARY)
    return data, canary, fetch(gate, look, name, Role.STABLE)[1]


def counted(gate: RateGate, look: Look, name: str, role: Role) -> tuple[MetricData, float, int]:
    """Events in the window from a per-second rate (rate times the step, summed), and samples."""
    data, raw = fetch(gate, look, name, role)
    values = [v for v in raw if math.isfinite(v)]
    return data, math.fsum(values) * data.spec.resolution.total_seconds(), len(values)


def without_nan(values: Sequence[float]) -> list[float]:
    """Drop NaN but keep infinities: +Inf from histogram_quantile means beyond the top bucket."""
    return [v for v in values if not math.isnan(v)]


def require(gate: RollingGate, *counts: int) -> int:
    """The smallest sample count, holding the gate below min_samples or with no samples."""
    have = min(counts)
    if have == 0:
        raise no_data(gate, f"no samples in the last {duration(gate.window.total_seconds())}")
    if have < gate.min_samples:
        raise pending(gate, f"{have} of {gate.min_samples} samples so far", samples=have)
    return have


def intervals(
    look: Look, series: Sequence[tuple[str, Role]], after: float
) -> tuple[list[tuple[float, list[float]]], float]:
    """The intervals after `after` with a sample in every one of the series, oldest first.

    Only intervals up to the newest one that every series has reached are final: a series
    that lags has its sample for them still to come. Returns them with that horizon, from
    which the next look goes on.
    """
    points: list[dict[float, float]] = []
    horizon = look.now
    for name, role in series:
        data = look.metrics.get(name)
        window = (
            ()
            if data is None
            else {Role.CANARY: data.canary, Role.STABLE: data.stable, Role.ALL: data.all}[role]
        )
        if not window or window[-1][0] <= after:
            return [], after
        horizon = min(horizon, window[-1][0])
        fresh_points: dict[float, float] = {}
        for t, v in reversed(window):
            if t <= after:
                break
            fresh_points[t] = v
        points.append(fresh_points)
    first, *rest = points
    rows = [
        (t, [first[t], *(other[t] for other in rest)])
        for t in sorted(first)
        if t <= horizon and all(t in other for other in rest)
    ]
    return rows, horizon
