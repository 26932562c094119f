"""The simulated rollout controller: one rollout's state machine under a clock.

It behaves like Argo Rollouts' canary controller in the ways a watcher can see: steps that set a
weight take time for pods to become ready, pauses wait for a human or a timer, promote moves one
step, promote full skips the rest, abort sends traffic back to stable, retry starts over. State
moves only in `advance_to`, so the same actions at the same virtual times give the same history.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backends.errors import Conflict
from backends.expectation import check_expectation
from backends.model import (
    Change,
    EventLevel,
    Expectation,
    Pause,
    Phase,
    Revision,
    Role,
    Rollout,
    RolloutEvent,
    Step,
    StepKind,
)
from backends.simulator.traffic import BASELINE, Behaviour

RAMP = timedelta(seconds=45)
"""How long a weight step takes: new pods start and pass their readiness probes."""

EVENTS_KEPT = 50


def default_steps(replicas: int, bake: timedelta) -> list[Step]:
    one_host = round(100 / replicas, 1)
    plan = [
        (StepKind.SET_CANARY_SCALE, f"canary on 1 host ({one_host:g} %)", one_host, None),
        (StepKind.PAUSE, "pause until confirmed", None, None),
        (StepKind.SET_WEIGHT, "10 % of traffic", 10.0, None),
        (StepKind.BAKE, f"bake {int(bake.total_seconds() // 60)}m", None, bake),
        (StepKind.SET_WEIGHT, "25 % of traffic", 25.0, None),
        (StepKind.SET_WEIGHT, "50 % of traffic", 50.0, None),
        (StepKind.SET_WEIGHT, "100 % of traffic", 100.0, None),
    ]
    return [
        Step(index=i, kind=kind, label=label, weight=weight, duration=duration)
        for i, (kind, label, weight, duration) in enumerate(plan)
    ]


@dataclass
class SimRollout:
    """One simulated rollout. `auto_confirm` makes human pauses resume by themselves."""

    service: str
    namespace: str
    stable_revision: str
    canary_revision: str
    change: Change
    started: datetime
    behaviour: Behaviour = BASELINE
    replicas: int = 20
    base_rps: float = 800.0
    bake: timedelta = timedelta(minutes=5)
    auto_confirm: timedelta | None = None
    abort_after: timedelta | None = None
    steps: list[Step] = field(default_factory=list)
    step: int = 0
    phase: Phase = Phase.PROGRESSING
    step_entered: datetime = field(init=False)
    now: datetime = field(init=False)
    version: int = 0
    events: list[RolloutEvent] = field(default_factory=list)
    weights: list[tuple[float, float]] = field(default_factory=list)
    """(unix time, canary weight %) at every change, for the traffic model's history."""
    promoted_at: datetime | None = None
    held_since: datetime | None = None
    """When someone paused the rollout (as Argo's `spec.paused`); its timers wait meanwhile.
    Pausing a held rollout or resuming one that is not held is refused, as kubectl refuses it
    for a Deployment, so a script learns that its pause did nothing."""

    def __post_init__(self) -> None:
        if not self.steps:
            self.steps = default_steps(self.replicas, self.bake)
        self.now = self.started
        self.step_entered = self.started
        self._event(self.started, f"rollout started: {self.change.short_sha} {self.change.title}")
        self._enter(self.started)

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.service}"

    # time

    def next_transition(self) -> datetime | None:
        """When the state changes next by itself, or None when only a human can move it."""
        if self.phase.finished or self.held_since is not None:
            return None
        abort_at = self.started + self.abort_after if self.abort_after is not None else None
        step = self.steps[self.step]
        due: datetime | None
        if step.kind in (StepKind.SET_WEIGHT, StepKind.SET_CANARY_SCALE):
            due = self.step_entered + RAMP
        elif step.kind == StepKind.BAKE and step.duration is not None:
            due = self.step_entered + step.duration
        elif step.kind == StepKind.PAUSE and self.auto_confirm is not None:
            due = self.step_entered + self.auto_confirm
        else:
            due = None
        candidates = [t for t in (due, abort_at) if t is not None]
        return min(candidates) if candidates else None

    def advance_to(self, now: datetime) -> None:
        while (due := self.next_transition()) is not None and due <= now:
            if self.abort_after is not None and due == self.started + self.abort_after:
                self.abort_after = None
                self._abort(due, actor="analysis", reason="error rate above threshold")
                continue
            self._complete_step(due, actor="auto" if self._waits_for_human() else None)
        self.now = max(self.now, now)

    # actions

    def promote(self, now: datetime, expect: Expectation, *, full: bool, actor: str) -> None:
        self.advance_to(now)
        if self.phase.finished:
            raise Conflict(f"{self.service} is {self.phase}", detail="nothing to promote")
        check_expectation(expect, self.snapshot())
        if self.held_since is not None:
            self._release(now)
        if full:
            self._event(
                now, "promoted fully: skipping the remaining steps", EventLevel.ACTION, actor
            )
            self._set_weight(now, 100.0)
            self._finish(now)
        else:
            self._event(
                now, f"promoted: {self.steps[self.step].label} done", EventLevel.ACTION, actor
            )
            self._complete_step(now, actor=None)

    def abort(self, now: datetime, expect: Expectation, *, actor: str) -> None:
        self.advance_to(now)
        if self.phase.finished:
            raise Conflict(f"{self.service} is {self.phase}", detail="nothing to abort")
        check_expectation(expect, self.snapshot())
        self._abort(now, actor=actor, reason="aborted by user")

    def pause(self, now: datetime, expect: Expectation, *, actor: str) -> None:
        self.advance_to(now)
        if self.phase.finished:
            raise Conflict(f"{self.service} is {self.phase}", detail="nothing to pause")
        if self.held_since is not None:
            raise Conflict(f"{self.service} is already paused", detail="resume it to go on")
        check_expectation(expect, self.snapshot())
        self.held_since = now
        self.phase = Phase.PAUSED
        self.version += 1
        self._event(now, "paused: held until resumed", EventLevel.ACTION, actor)

    def resume(self, now: datetime, expect: Expectation, *, actor: str) -> None:
        """End a hold. A pause step is not a hold: it waits for promote."""
        self.advance_to(now)
        if self.held_since is None:
            raise Conflict(f"{self.service} is not paused", detail="a pause step waits for promote")
        check_expectation(expect, self.snapshot())
        self._release(now)
        self._event(now, "resumed", EventLevel.ACTION, actor)

    def retry(self, now: datetime, *, actor: str) -> None:
        self.advance_to(now)
        if self.phase != Phase.ABORTED:
            raise Conflict(
                f"{self.service} is {self.phase}", detail="only an aborted rollout retries"
            )
        self._event(now, "retry: starting again from step 1", EventLevel.ACTION, actor)
        self.phase = Phase.PROGRESSING
        self.step = 0
        self._enter(now)

    # state machine

    def _waits_for_human(self) -> bool:
        step = self.steps[self.step]
        return step.waits_for_human

    def _enter(self, now: datetime) -> None:
        self.step_entered = now
        self.version += 1
        step = self.steps[self.step]
        total = len(self.steps)
        self._event(now, f"step {self.step + 1}/{total}: {step.label}")
        if step.weight is not None:
            self._set_weight(now, step.weight)
        if step.waits_for_human:
            self._event(now, "paused: waiting for confirmation", EventLevel.WARNING)
        self.phase = self._step_phase()

    def _step_phase(self) -> Phase:
        step = self.steps[self.step]
        return (
            Phase.PAUSED
            if step.waits_for_human or step.kind == StepKind.BAKE
            else Phase.PROGRESSING
        )

    def _release(self, now: datetime) -> None:
        """End a hold: the step's timers (ramp, bake, auto-confirm, the scenario's own abort)
        keep what was left of them when it began."""
        assert self.held_since is not None
        held = now - self.held_since
        self.held_since = None
        self.step_entered += held
        if self.abort_after is not None:
            self.abort_after += held
        self.phase = self._step_phase()
        self.version += 1

    def _complete_step(self, now: datetime, actor: str | None) -> None:
        if actor == "auto":
            self._event(now, "pause ended: confirmed automatically", EventLevel.ACTION, actor)
        if self.step + 1 >= len(self.steps):
            self._finish(now)
            return
        self.step += 1
        self._enter(now)

    def _finish(self, now: datetime) -> None:
        self.held_since = None
        self.step = len(self.steps)
        self.phase = Phase.HEALTHY
        self.promoted_at = now
        self.version += 1
        self._event(now, f"rollout complete: {self.canary_revision} is stable", EventLevel.INFO)

    def _abort(self, now: datetime, *, actor: str, reason: str) -> None:
        self.held_since = None
        self.phase = Phase.ABORTED
        self.version += 1
        self._set_weight(now, 0.0)
        self._event(now, f"{reason}: all traffic back to stable", EventLevel.ACTION, actor)

    def _set_weight(self, now: datetime, weight: float) -> None:
        self.weights.append((now.timestamp(), weight))

    def _event(
        self,
        now: datetime,
        message: str,
        level: EventLevel = EventLevel.INFO,
        actor: str | None = None,
    ) -> None:
        self.events.append(RolloutEvent(time=now, message=message, level=level, actor=actor))
        del self.events[:-EVENTS_KEPT]

    # reading

    def weight_at(self, t: float) -> float:
        """The canary's traffic weight (percent) at unix time `t`."""
        i = bisect.bisect_right(self.weights, (t, float("inf"))) - 1
        return self.weights[i][1] if i >= 0 else 0.0

    def snapshot(self) -> Rollout:
        done = self.phase == Phase.HEALTHY
        weight = self.weight_at(self.now.timestamp())
        ready = self.now >= self.step_entered + RAMP or self.phase != Phase.PROGRESSING
        canary_hosts = round(self.replicas * weight / 100)
        step = self.steps[self.step] if self.step < len(self.steps) else None
        desired = next(
            (s.weight for s in reversed(self.steps[: self.step + 1]) if s.weight is not None), 0.0
        )
        stable_id = self.canary_revision if done else self.stable_revision
        stable = Revision(
            id=stable_id,
            role=Role.STABLE,
            image=f"registry.example.com/{self.service}:{stable_id}",
            replicas=self.replicas - (0 if done else canary_hosts),
            ready_replicas=self.replicas - (0 if done else canary_hosts),
            weight=100.0 if done else 100.0 - weight,
            workload=self.service,
        )
        canary = None
        if not done:
            canary = Revision(
                id=self.canary_revision,
                role=Role.CANARY,
                image=f"registry.example.com/{self.service}:{self.canary_revision}",
                replicas=canary_hosts,
                ready_replicas=canary_hosts if ready else max(0, canary_hosts - 1),
                weight=weight,
                workload=self.service,
            )
        pause = None
        if self.held_since is not None:
            pause = Pause(reason="paused", since=self.held_since, awaits_decision=True)
        elif step is not None and self.phase == Phase.PAUSED:
            until = self.step_entered + step.duration if step.duration else None
            if step.waits_for_human and self.auto_confirm is not None:
                until = self.step_entered + self.auto_confirm
            pause = Pause(
                reason="waiting for confirmation" if step.waits_for_human else step.label,
                since=self.step_entered,
                until=until,
                awaits_decision=step.waits_for_human,
            )
        return Rollout(
            id=self.id,
            name=self.service,
            namespace=self.namespace,
            service=self.service,
            kind="simulator",
            phase=self.phase,
            message=self._message(step),
            steps=self.steps,
            current_step=self.step,
            desired_weight=100.0 if done else (0.0 if self.phase == Phase.ABORTED else desired),
            actual_weight=100.0 if done else weight,
            stable=stable,
            canary=canary,
            change=self.change,
            pause=pause,
            events=list(self.events),
            started_at=self.started,
            updated_at=self.now,
            version=str(self.version),
        )

    def _message(self, step: Step | None) -> str:
        if self.phase == Phase.HEALTHY:
            return ""
        if self.phase == Phase.ABORTED:
            return "RolloutAborted: all traffic back to stable"
        if step is None:
            return ""
        if self.held_since is not None:
            return "RolloutPaused: held until resumed"
        if step.waits_for_human:
            return "CanaryPauseStep: waiting for confirmation"
        if step.kind == StepKind.BAKE:
            return f"CanaryPauseStep: {step.label}"
        if self.now < self.step_entered + RAMP:
            return "updated replicas are still becoming available"
        return ""
