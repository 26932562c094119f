"""A Flagger Canary as a rollout: the primary Deployment is stable, the target is the canary.

Flagger keeps no per-step plan in its status, so the plan is rebuilt from `spec.analysis`
(stepWeights, or stepWeight up to maxWeight, or iterations) with the confirm-rollout and
confirm-promotion gates as the pauses that wait for a human.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from backends.kubernetes.client import Obj
from backends.kubernetes.deployments import new_replicaset, pod_hash
from backends.kubernetes.objects import (
    as_dict,
    as_list,
    change_from,
    condition_events,
    kube_events,
    meta,
    parse_time,
    to_int,
    workload_revision,
)
from backends.model import (
    GateResult,
    GateSource,
    GateStatus,
    Pause,
    Phase,
    Role,
    Rollout,
    Step,
    StepKind,
)

AWAITING = ("Waiting", "WaitingPromotion")
_PHASES = {
    "Initializing": Phase.PROGRESSING,
    "Initialized": Phase.HEALTHY,
    "Waiting": Phase.PAUSED,
    "Progressing": Phase.PROGRESSING,
    "WaitingPromotion": Phase.PAUSED,
    "Promoting": Phase.PROGRESSING,
    "Finalising": Phase.PROGRESSING,
    "Succeeded": Phase.HEALTHY,
    "Failed": Phase.DEGRADED,
    "Terminating": Phase.PROGRESSING,
}
_NO_CANARY = ("", "Initializing", "Initialized", "Succeeded", "Terminating", "Terminated")
_DONE = ("Promoting", "Finalising", "Succeeded")


def analysis_of(canary: Obj) -> Obj:
    """`spec.analysis`, or `spec.canaryAnalysis` from before v1beta1's rename."""
    spec = as_dict(canary.get("spec"))
    return as_dict(spec.get("analysis") or spec.get("canaryAnalysis"))


def plan(canary: Obj) -> list[Step]:
    analysis = analysis_of(canary)
    hooks = {as_dict(h).get("type") for h in as_list(analysis.get("webhooks"))}
    steps: list[tuple[StepKind, str, float]] = []
    if "confirm-rollout" in hooks:
        steps.append((StepKind.PAUSE, "confirm-rollout", 0))
    weights = [to_int(w) for w in as_list(analysis.get("stepWeights"))]
    step, top = to_int(analysis.get("stepWeight")), to_int(analysis.get("maxWeight")) or 100
    if not weights and step > 0:
        weights = [min(100, step)]
        while weights[-1] < top:
            weights.append(min(100, weights[-1] + step))
    steps += [(StepKind.SET_WEIGHT, f"setWeight: {w}", w) for w in weights]
    if not weights:
        count = to_int(analysis.get("iterations"))
        steps += [(StepKind.ANALYSIS, f"iteration {i + 1}/{count}", 0) for i in range(count)]
    if "confirm-promotion" in hooks:
        steps.append((StepKind.PAUSE, "confirm-promotion", steps[-1][2] if steps else 0))
    return [Step(index=i, kind=k, label=label, weight=w) for i, (k, label, w) in enumerate(steps)]


def current_step(canary: Obj, steps: list[Step]) -> int | None:
    """Where the canary is in the rebuilt plan; past the end once promotion started."""
    status = as_dict(canary.get("status"))
    phase = status.get("phase")
    if phase == "Waiting":
        return 0
    if phase == "WaitingPromotion" or phase in _DONE:
        return len(steps) - 1 if phase == "WaitingPromotion" else len(steps)
    if phase != "Progressing":
        return None
    weight, iterations = to_int(status.get("canaryWeight")), to_int(status.get("iterations"))
    running = [s for s in steps if s.kind in (StepKind.SET_WEIGHT, StepKind.ANALYSIS)]
    for position, step in enumerate(running):
        if (step.kind == StepKind.SET_WEIGHT and step.weight == weight) or (
            step.kind == StepKind.ANALYSIS and position == max(0, iterations - 1)
        ):
            return step.index
    return running[0].index if running else None


def checks_gate(canary: Obj) -> GateResult:
    """Flagger's own checks: it rolls back once `failedChecks` reaches `threshold`."""
    status, analysis = as_dict(canary.get("status")), analysis_of(canary)
    failed, threshold = to_int(status.get("failedChecks")), to_int(analysis.get("threshold")) or 1
    phase = str(status.get("phase") or "")
    names = [str(as_dict(m).get("name")) for m in as_list(analysis.get("metrics"))]
    text = f"{failed} of threshold {threshold} checks failed"
    if phase == "Failed" or failed >= threshold:
        result = GateStatus.FAIL
    elif phase in _DONE:
        result = GateStatus.PASS
    else:
        result = GateStatus.PENDING
        left = threshold - failed
        text += "; one more rolls back" if left == 1 else f"; {left} more roll back"
    if names:
        text += f"; metrics {', '.join(names)}"
    return GateResult(
        name="flagger checks",
        status=result,
        explanation=text,
        source=GateSource.CONTROLLER,
        classification=phase or None,
        samples=to_int(status.get("iterations")),
        threshold=float(threshold),
    )


def to_rollout(
    canary: Obj,
    deployments: list[Obj],
    replicasets: list[Obj],
    *,
    keys: Mapping[str, str],
    now: datetime,
    events: list[Obj] | None = None,
) -> Rollout:
    md, status = meta(canary), as_dict(canary.get("status"))
    name, namespace = str(md.get("name") or ""), str(md.get("namespace") or "")
    target = str(as_dict(as_dict(canary.get("spec")).get("targetRef")).get("name") or name)
    by_name = {
        str(meta(d).get("name")): d
        for d in deployments
        if meta(d).get("namespace", namespace) == namespace
    }
    primary, workload = by_name.get(f"{target}-primary"), by_name.get(target)
    phase = str(status.get("phase") or "")
    weight = to_int(status.get("canaryWeight"))
    promoted = next(
        (
            as_dict(c)
            for c in as_list(status.get("conditions"))
            if as_dict(c).get("type") == "Promoted"
        ),
        {},
    )
    stable_rs = new_replicaset(primary, replicasets) if primary else None
    canary_rs = new_replicaset(workload, replicasets) if workload else None
    canary_revision = None
    if phase not in _NO_CANARY:
        canary_id = pod_hash(canary_rs) if canary_rs else str(status.get("lastAppliedSpec") or "")
        canary_revision = workload_revision(workload, canary_id, Role.CANARY, weight, target)
    stable_id = pod_hash(stable_rs) if stable_rs else str(status.get("lastPromotedSpec") or "")
    stable_weight = 100 - weight if canary_revision else 100
    stable = workload_revision(primary, stable_id, Role.STABLE, stable_weight, f"{target}-primary")
    since = parse_time(status.get("lastTransitionTime")) or now
    pause = Pause(reason=phase, since=since, awaits_decision=True) if phase in AWAITING else None
    template = as_dict(as_dict(as_dict(workload).get("spec")).get("template"))
    steps = plan(canary)
    timeline = condition_events(status.get("conditions")) + kube_events(events or [])
    return Rollout(
        id=f"{namespace}/{name}",
        name=name,
        namespace=namespace,
        service=target,
        kind="flagger",
        strategy="canary" if any(s.kind == StepKind.SET_WEIGHT for s in steps) else "blue-green",
        phase=_PHASES.get(phase, Phase.UNKNOWN),
        message=str(promoted.get("message") or phase),
        steps=steps,
        current_step=current_step(canary, steps),
        desired_weight=weight,
        actual_weight=weight,
        stable=stable,
        canary=canary_revision,
        change=change_from(
            keys, as_dict(template.get("metadata")).get("annotations"), md.get("annotations")
        ),
        pause=pause,
        events=sorted(timeline, key=lambda event: event.time),
        controller_gates=[checks_gate(canary)],
        started_at=parse_time(meta(canary_rs).get("creationTimestamp")) if canary_rs else None,
        updated_at=parse_time(status.get("lastTransitionTime")),
        version=str(md.get("resourceVersion") or "") or None,
    )
