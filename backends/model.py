"""The data every layer speaks: deploy state, metric series and gate results.

These models are the wire format too: the generic HTTP deploy API serves them as JSON, so a
field added here is a field every in-house deployer may send. Fields default so that a sparse
deployer can leave out what it does not know.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Role(StrEnum):
    """Which side of the comparison a series belongs to (`all` is a dependency metric)."""

    STABLE = "stable"
    CANARY = "canary"
    ALL = "all"


class Phase(StrEnum):
    """The rollout's phase, in the words the Argo Rollouts CLI uses, plus `aborted`.

    Aborted is kept apart from degraded because a pipeline waiting on the rollout must tell
    "someone stopped it" from "it broke".
    """

    PROGRESSING = "progressing"
    PAUSED = "paused"
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    ABORTED = "aborted"
    UNKNOWN = "unknown"

    @property
    def finished(self) -> bool:
        return self in (Phase.HEALTHY, Phase.DEGRADED, Phase.ABORTED)


class StepKind(StrEnum):
    SET_WEIGHT = "set_weight"
    SET_CANARY_SCALE = "set_canary_scale"
    PAUSE = "pause"
    BAKE = "bake"
    ANALYSIS = "analysis"
    OTHER = "other"


class Step(_Model):
    """One step of the rollout plan.

    `weight` is the canary traffic weight (percent) once the step is reached; `duration` is set
    for timed pauses (bakes) and absent for pauses that wait for a human.
    """

    index: int
    kind: StepKind
    label: str
    weight: float | None = None
    duration: timedelta | None = None

    @property
    def waits_for_human(self) -> bool:
        return self.kind == StepKind.PAUSE and self.duration is None


class Revision(_Model):
    """One version of the workload: a pod-template hash, a version id or a ReplicaSet."""

    id: str
    role: Role
    image: str | None = None
    replicas: int = 0
    ready_replicas: int = 0
    weight: float = 0.0
    workload: str | None = None


class Change(_Model):
    """What is being rolled out and who owns it: the first thing on-call asks."""

    sha: str | None = None
    title: str | None = None
    author: str | None = None
    merged_by: str | None = None
    url: str | None = None

    @property
    def short_sha(self) -> str:
        return (self.sha or "")[:7]


class EventLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ACTION = "action"
    GATE = "gate"


class RolloutEvent(_Model):
    time: datetime
    message: str
    level: EventLevel = EventLevel.INFO
    actor: str | None = None


class Pause(_Model):
    """Why the rollout is paused; `until` is set when it resumes by itself."""

    reason: str
    since: datetime
    until: datetime | None = None
    awaits_decision: bool = False


class GateStatus(StrEnum):
    PASS = "pass"
    MARGINAL = "marginal"
    FAIL = "fail"
    PENDING = "pending"


SEVERITY = {GateStatus.PASS: 0, GateStatus.PENDING: 1, GateStatus.MARGINAL: 2, GateStatus.FAIL: 3}
"""How much a status asks of a person: a failure most, a pass least."""


def worst_status(statuses: Iterable[GateStatus]) -> GateStatus | None:
    """The status that asks most of a person; None when there is none."""
    return max(statuses, key=SEVERITY.__getitem__, default=None)


class GateSource(StrEnum):
    ROLLWATCH = "rollwatch"
    CONTROLLER = "controller"


class GateResult(_Model):
    """The state of one health gate, explained in one line of plain numbers."""

    name: str
    status: GateStatus
    explanation: str
    source: GateSource = GateSource.ROLLWATCH
    metric: str | None = None
    classification: str | None = None
    samples: int = 0
    samples_needed: int = 0
    threshold: float | None = None
    bake_remaining: timedelta | None = None


class Rollout(_Model):
    """A snapshot of one rollout, as the deploy system reports it."""

    id: str
    name: str
    namespace: str | None = None
    service: str
    kind: str = "unknown"
    strategy: str = "canary"
    phase: Phase
    message: str = ""
    steps: list[Step] = Field(default_factory=list)
    current_step: int | None = None
    desired_weight: float = 0.0
    actual_weight: float = 0.0
    stable: Revision
    canary: Revision | None = None
    change: Change = Field(default_factory=Change)
    pause: Pause | None = None
    events: list[RolloutEvent] = Field(default_factory=list)
    controller_gates: list[GateResult] = Field(default_factory=list)
    started_at: datetime | None = None
    updated_at: datetime | None = None
    version: str | None = None

    @property
    def awaits_decision(self) -> bool:
        return self.pause is not None and self.pause.awaits_decision

    @property
    def step_count(self) -> int:
        return len(self.steps)

    def step_at(self, index: int | None) -> Step | None:
        if index is None or not 0 <= index < len(self.steps):
            return None
        return self.steps[index]

    def summary(self) -> RolloutSummary:
        return RolloutSummary(
            id=self.id,
            service=self.service,
            namespace=self.namespace,
            kind=self.kind,
            phase=self.phase,
            message=self.message,
            current_step=self.current_step,
            step_count=self.step_count,
            canary_weight=self.actual_weight,
            stable_revision=self.stable.id,
            canary_revision=self.canary.id if self.canary else None,
            change=self.change,
            awaits_decision=self.awaits_decision,
            started_at=self.started_at,
            strategy=self.strategy,
            pause=self.pause,
            analysis=worst_status(g.status for g in self.controller_gates),
            updated_at=self.updated_at,
        )


class RolloutSummary(_Model):
    """One line of a rollout list: enough for on-call to see which rollout hurts."""

    id: str
    service: str
    namespace: str | None = None
    kind: str = "unknown"
    phase: Phase
    message: str = ""
    current_step: int | None = None
    step_count: int = 0
    canary_weight: float = 0.0
    stable_revision: str | None = None
    canary_revision: str | None = None
    change: Change = Field(default_factory=Change)
    awaits_decision: bool = False
    started_at: datetime | None = None
    strategy: str = "canary"
    pause: Pause | None = None
    """Why and since when the rollout is paused: a list shows how long it has waited."""
    analysis: GateStatus | None = None
    """The controller's own analysis, its worst gate; None where it runs none."""
    updated_at: datetime | None = None


class Expectation(_Model):
    """What the user saw when they confirmed an action.

    A backend compares it with the rollout as it is now and refuses with `Conflict` when they
    differ: nobody promotes a step or a revision they did not look at.
    """

    step: int | None = None
    canary_revision: str | None = None
    version: str | None = None

    @classmethod
    def of(cls, rollout: Rollout) -> Expectation:
        return cls(
            step=rollout.current_step,
            canary_revision=rollout.canary.id if rollout.canary else None,
            version=rollout.version,
        )


class QueryContext(_Model):
    """The values a metric template's placeholders are filled with."""

    service: str
    namespace: str = ""
    workload: str = ""
    stable_revision: str | None = None
    canary_revision: str | None = None
    stable_workload: str | None = None
    canary_workload: str | None = None


class MetricQuery(_Model):
    """One metric to fetch, as a template the metrics backend renders per revision.

    `split = False` marks a dependency metric (a database's latency): one series, not one per
    revision. `revision_label` names the label that carries the revision, which lets a store
    answer for both revisions in one query.
    """

    name: str
    template: str
    context: QueryContext
    split: bool = True
    revision_label: str | None = None
    resolution: timedelta = timedelta(seconds=10)


class Point(_Model):
    """One sample: `t` in unix seconds, `v` may be NaN or infinite (stores send them)."""

    t: float
    v: float

    @field_validator("v", mode="before")
    @classmethod
    def _parse_special(cls, value: object) -> object:
        if isinstance(value, str) and value in ("NaN", "+Inf", "-Inf", "Inf"):
            return float(value.replace("Inf", "inf").replace("NaN", "nan"))
        return value

    @field_serializer("v")
    def _dump_special(self, v: float) -> float | str:
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "+Inf" if v > 0 else "-Inf"
        return v


class MetricSeries(_Model):
    role: Role
    revision: str | None = None
    points: list[Point] = Field(default_factory=list)


class QueryResult(_Model):
    """What a range query returned, with what the store warned about.

    `missing` lists the roles for which the query matched no series at all: a template with a
    wrong label must be flagged, never drawn as an empty graph.
    """

    series: dict[Role, MetricSeries] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    missing: list[Role] = Field(default_factory=list)
