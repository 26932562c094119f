"""Replaying recorded series through the gates, sample by sample, as a watch would have seen them.

For back-testing ("would these gates have caught last week's incident?") and for measuring the
gates on generated rollouts. At every sample time the judge looks once, at what a session would
hold then: each window gate's window, and for the anytime-valid gates everything since the
start, through one memory.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backends.model import GateStatus, Role
from tui.judge.data import Memory, MetricData, Window
from tui.judge.specs import GateSpec, JudgeSpec, MetricSpec, RollingGate
from tui.judge.verdict import Judgement, judge

Recording = Mapping[str, Mapping[Role, Window]]
"""Series by metric name and role (stable, canary, or all for an unsplit metric), oldest first."""


@dataclass(frozen=True)
class Replay:
    """The last look's judgement, and when each gate first failed (None if it never did)."""

    judgement: Judgement
    first_failed: dict[str, float | None]
    looks: int
    start: float | None
    """The first sample's time, or None for a recording without samples."""


def replay(
    recording: Recording,
    specs: Sequence[MetricSpec],
    gates: Sequence[GateSpec],
    judge_spec: JudgeSpec | None = None,
    *,
    until_failed: bool = False,
) -> Replay:
    """Judge at every sample time of the recording; with `until_failed`, stop at a failure."""
    known = {spec.name: spec for spec in specs if spec.name in recording}
    times = sorted({t for name in known for series in recording[name].values() for t, _ in series})
    span = max(
        [g.window.total_seconds() for g in gates if isinstance(g, RollingGate)]
        + [3.0 * spec.resolution.total_seconds() for spec in known.values()]
    )
    stamps = {
        (name, role): [t for t, _ in series]
        for name in known
        for role, series in recording[name].items()
    }
    memory, first_failed = Memory(), dict.fromkeys((g.name for g in gates), None)
    judgement, looks = judge(gates, {}, 0.0, judge_spec or JudgeSpec(), memory=Memory()), 0
    for now in times:
        metrics = {
            name: _held(spec, recording[name], stamps, now, span) for name, spec in known.items()
        }
        judgement = judge(gates, metrics, now, judge_spec or JudgeSpec(), memory=memory)
        looks += 1
        for result in judgement.gates:
            if result.status is GateStatus.FAIL and first_failed[result.name] is None:
                first_failed[result.name] = now
        if until_failed and any(t is not None for t in first_failed.values()):
            break
    return Replay(judgement, first_failed, looks, times[0] if times else None)


def _held(
    spec: MetricSpec,
    series: Mapping[Role, Window],
    stamps: Mapping[tuple[str, Role], list[float]],
    now: float,
    span: float,
) -> MetricData:
    """What a session's windows hold for the metric at `now`: the last `span` seconds."""
    held: dict[Role, Window] = {}
    for role, points in series.items():
        times = stamps[(spec.name, role)]
        end = bisect_right(times, now)
        start = bisect_right(times, now - span, hi=end)
        held[role] = points[start:end]
    newest = [window[-1][0] for window in held.values() if window]
    return MetricData(
        spec,
        stable=held.get(Role.STABLE, ()),
        canary=held.get(Role.CANARY, ()),
        all=held.get(Role.ALL, ()),
        last_update=max(newest, default=None),
    )
