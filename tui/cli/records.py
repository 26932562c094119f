"""The one JSON record a rollout is printed as: `list --json`, `status --json`, `wait --json`.

Pipelines parse these, so the fields are stable and every record has all of them: a field that
is not known where the record is made (a list has no gates) is `null`, never missing. Step
numbers count from 1, like everything a person or a script reads (`tui.format.step_number`).
Built from the backends' models here and nowhere else, so the three commands cannot drift, and
so that every text in a record (an id, a step label, a message, a change's title: the deploy
system's words) is made printable on one line here, once, for the table, the status block and
the JSON alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, field_validator

from backends.model import GateResult, Rollout, RolloutEvent, RolloutSummary
from backends.text_safety import printable
from tui import format
from tui.judge.verdict import Judgement
from tui.session.ending import ending


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="null")

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        """No escape sequence or line break from outside reaches a terminal or a log line."""
        return printable(value) if isinstance(value, str) else value


class StepRecord(_Record):
    """Where the rollout is in its plan: step `number` of `of`, counted from 1."""

    number: int | None
    of: int
    label: str | None


class RevisionsRecord(_Record):
    stable: str | None
    canary: str | None


class ChangeRecord(_Record):
    """What is rolling out and who owns it."""

    sha: str | None
    title: str | None
    author: str | None
    merged_by: str | None
    url: str | None


class VerdictRecord(_Record):
    status: str
    score: float | None
    explanation: str
    bake_remaining_s: float | None


class GateRecord(_Record):
    name: str
    status: str
    source: str
    classification: str | None
    explanation: str
    samples: int
    samples_needed: int


class LinksRecord(_Record):
    """Each outside system's trouble in its own words; null while it answers."""

    deploy: str | None
    metrics: str | None


class ResultRecord(_Record):
    """How `wait` ended: its exit code and why."""

    exit: int
    reason: str


class RolloutRecord(_Record):
    id: str
    service: str
    namespace: str | None
    kind: str
    phase: str
    message: str
    awaits_decision: bool
    step: StepRecord
    canary_weight: float
    revisions: RevisionsRecord
    change: ChangeRecord
    started_at: datetime | None
    verdict: VerdictRecord | None
    gates: list[GateRecord] | None
    links: LinksRecord | None
    outcome: str | None = None
    """How a finished rollout ended and on what evidence; null while it runs."""
    result: ResultRecord | None = None

    def ended(self, code: int, reason: str) -> RolloutRecord:
        """This record as `wait` prints it last, carrying its exit code and reason."""
        return self.model_copy(update={"result": ResultRecord(exit=code, reason=reason)})


def record(
    rollout: Rollout | RolloutSummary,
    *,
    judgement: Judgement | None = None,
    links: Mapping[str, str | None] | None = None,
    events: Iterable[RolloutEvent] = (),
) -> RolloutRecord:
    """The record of a rollout, with the verdict and link state where the caller has them.

    A full `Rollout` knows its step labels and its controller's gates; a `RolloutSummary` (one
    line of `list`) knows neither, so its label and gates are null.
    """
    label: str | None = None
    outcome: str | None = None
    stable: str | None
    found: list[GateResult] | None = None
    if isinstance(rollout, Rollout):
        step = rollout.step_at(rollout.current_step)
        label = step.label if step else None
        weight = rollout.actual_weight
        stable, canary = rollout.stable.id, rollout.canary.id if rollout.canary else None
        found = [*(judgement.gates if judgement else ()), *rollout.controller_gates]
        outcome = ending(rollout, judgement, events)
    else:
        weight = rollout.canary_weight
        stable, canary = rollout.stable_revision, rollout.canary_revision
    total = rollout.step_count
    change = rollout.change
    return RolloutRecord(
        id=rollout.id,
        service=rollout.service,
        namespace=rollout.namespace,
        kind=rollout.kind,
        phase=rollout.phase.value,
        message=rollout.message,
        awaits_decision=rollout.awaits_decision,
        step=StepRecord(
            number=format.step_number(rollout.current_step, total), of=total, label=label
        ),
        canary_weight=weight,
        revisions=RevisionsRecord(stable=stable, canary=canary),
        change=ChangeRecord(
            sha=change.sha,
            title=change.title,
            author=change.author,
            merged_by=change.merged_by,
            url=change.url,
        ),
        started_at=rollout.started_at,
        verdict=_verdict(judgement) if judgement else None,
        gates=None if found is None else [_gate(g) for g in found],
        links=LinksRecord(deploy=links.get("deploy"), metrics=links.get("metrics"))
        if links is not None
        else None,
        outcome=outcome,
    )


def _verdict(judgement: Judgement) -> VerdictRecord:
    remaining = judgement.bake_remaining
    return VerdictRecord(
        status=judgement.status.value,
        score=judgement.score,
        explanation=judgement.explanation,
        bake_remaining_s=remaining.total_seconds() if remaining is not None else None,
    )


def _gate(gate: GateResult) -> GateRecord:
    return GateRecord(
        name=gate.name,
        status=gate.status.value,
        source=gate.source.value,
        classification=gate.classification,
        explanation=gate.explanation,
        samples=gate.samples,
        samples_needed=gate.samples_needed,
    )


_MANY = TypeAdapter(list[RolloutRecord])


def json_line(one: RolloutRecord) -> str:
    """One record on one line: what `wait --json` prints per change."""
    return one.model_dump_json()


def json_document(records: RolloutRecord | Sequence[RolloutRecord]) -> str:
    """One record (`status --json`) or an array of them (`list --json`), indented."""
    if isinstance(records, RolloutRecord):
        return records.model_dump_json(indent=2)
    return _MANY.dump_json(list(records), indent=2).decode()
