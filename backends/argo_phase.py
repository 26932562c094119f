"""How the Argo Rollouts CLI reads a Rollout, as pure functions over the API's JSON.

The rules follow `utils/rollout/rolloututil.go`, `utils/replicaset/canary.go` and
`pkg/kubectl-argo-rollouts/info` at v1.9, so the phase, message, step and weights rollwatch
shows are the ones `kubectl argo rollouts get rollout` prints, for objects written by any
controller version: every status field is optional (omitempty), and objects from before v1.0
carry no `status.phase`, so the phase is computed client-side exactly as the CLI does.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from backends.kube_client import Obj
from backends.kube_objects import (
    as_dict,
    as_list,
    condition_since,
    meta,
    owned_by,
    parse_time,
    to_int,
)
from backends.model import GateResult, GateSource, GateStatus, Pause, Phase, Step, StepKind

HASH_LABEL = "rollouts-pod-template-hash"
WORKLOAD_GENERATION = "rollout.argoproj.io/workload-generation"
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_CLI_PHASES = {
    "Healthy": Phase.HEALTHY,
    "Paused": Phase.PAUSED,
    "Progressing": Phase.PROGRESSING,
    "Degraded": Phase.DEGRADED,
}
_AWAITS_HUMAN = ("InconclusiveAnalysisRun", "InconclusiveExperiment")
COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")


def status_of(ro: Obj) -> Obj:
    return as_dict(ro.get("status"))


def canary_strategy(ro: Obj) -> Obj | None:
    strategy = as_dict(as_dict(ro.get("spec")).get("strategy"))
    return as_dict(strategy["canary"]) if isinstance(strategy.get("canary"), dict) else None


def bluegreen_strategy(ro: Obj) -> Obj | None:
    strategy = as_dict(as_dict(ro.get("spec")).get("strategy"))
    return as_dict(strategy["blueGreen"]) if isinstance(strategy.get("blueGreen"), dict) else None


def stable_hash(ro: Obj) -> str:
    """`status.stableRS`, or `status.canary.stableRS` written by controllers before v0.8."""
    status = status_of(ro)
    return str(status.get("stableRS") or as_dict(status.get("canary")).get("stableRS") or "")


def _generation_observed(ro: Obj) -> bool:
    observed = str(status_of(ro).get("observedGeneration") or "")
    if not observed.isdigit():
        return True
    return int(observed) >= to_int(as_dict(ro.get("metadata")).get("generation"))


def _workload_generation_observed(ro: Obj) -> bool:
    annotations = as_dict(as_dict(ro.get("metadata")).get("annotations"))
    wanted = str(annotations.get(WORKLOAD_GENERATION, ""))
    observed = str(status_of(ro).get("workloadObservedGeneration") or "")
    if not wanted.isdigit() or not observed.isdigit():
        return True
    return int(wanted) == int(observed)


def rollout_phase(ro: Obj) -> tuple[str, str]:
    """`GetRolloutPhase`: the controller's phase once it has observed the spec, else computed."""
    status = status_of(ro)
    if not _generation_observed(ro):
        return "Progressing", "waiting for rollout spec update to be observed"
    if status.get("controllerPause") and not as_list(status.get("pauseConditions")):
        return "Progressing", "waiting for rollout to unpause"
    if as_dict(ro.get("spec")).get("workloadRef") and not _workload_generation_observed(ro):
        return (
            "Progressing",
            "waiting for rollout spec update to be observed for the reference workload",
        )
    if status.get("phase"):
        return str(status["phase"]), str(status.get("message") or "")
    return calculate_phase(ro)


def calculate_phase(ro: Obj) -> tuple[str, str]:
    """`CalculateRolloutPhase`, which the CLI runs for objects without `status.phase` (< v1.0)."""
    spec, status = as_dict(ro.get("spec")), status_of(ro)
    for cond in (as_dict(c) for c in as_list(status.get("conditions"))):
        if cond.get("type") == "InvalidSpec":
            return "Degraded", f"InvalidSpec: {cond.get('message', '')}"
        if cond.get("reason") in ("RolloutAborted", "ProgressDeadlineExceeded"):
            return "Degraded", f"{cond['reason']}: {cond.get('message', '')}"
    if spec.get("paused"):
        return "Paused", "manually paused"
    for cond in as_list(status.get("pauseConditions")):
        return "Paused", str(as_dict(cond).get("reason", ""))
    if spec.get("restartAt") and spec.get("restartAt") != status.get("restartedAt"):
        return "Progressing", "rollout is restarting"
    updated = to_int(status.get("updatedReplicas"))
    if (
        updated < to_int(spec.get("replicas"), 1)
        if spec.get("replicas") is not None
        else updated < 1
    ):
        return "Progressing", "more replicas need to be updated"
    if to_int(status.get("availableReplicas")) < updated:
        return "Progressing", "updated replicas are still becoming available"
    current, stable = str(status.get("currentPodHash") or ""), str(status.get("stableRS") or "")
    if (bluegreen := bluegreen_strategy(ro)) is not None:
        active = str(as_dict(status.get("blueGreen")).get("activeSelector") or "")
        if not active or active != current:
            return "Progressing", "active service cutover pending"
        if not stable or stable != current:
            post = as_dict(as_dict(status.get("blueGreen")).get("postPromotionAnalysisRunStatus"))
            if bluegreen.get("postPromotionAnalysis") and post.get("status") not in COMPLETED:
                return "Progressing", "waiting for analysis to complete"
            return "Progressing", "waiting for post-promotion verification to complete"
    elif (canary := canary_strategy(ro)) is not None:
        replicas = to_int(status.get("replicas"))
        if not canary.get("trafficRouting") and replicas > updated:
            return "Progressing", "old replicas are pending termination"
        if not stable or stable != current:
            return "Progressing", "waiting for all steps to complete"
    return "Healthy", ""


def to_phase(ro: Obj, cli_phase: str) -> Phase:
    """The CLI's phase, with a user's abort told apart from one the controller made."""
    phase = _CLI_PHASES.get(cli_phase, Phase.UNKNOWN)
    if phase == Phase.DEGRADED and aborted_by_user(ro):
        return Phase.ABORTED
    return phase


def aborted_by_user(ro: Obj) -> bool:
    """Analysis and experiment failures abort with their reason appended to the condition."""
    status = status_of(ro)
    if not status.get("abort"):
        return False
    if any(run.get("status") in ("Failed", "Error") for run in analysis_run_statuses(ro)):
        return False
    for cond in (as_dict(c) for c in as_list(status.get("conditions"))):
        if cond.get("reason") == "RolloutAborted":
            message = str(cond.get("message") or "")
            return re.match(r"Rollout aborted update to revision \d+: ", message) is None
    return True


def analysis_run_statuses(ro: Obj) -> list[Obj]:
    status = status_of(ro)
    canary, bluegreen = as_dict(status.get("canary")), as_dict(status.get("blueGreen"))
    found = [
        canary.get("currentStepAnalysisRunStatus"),
        canary.get("currentBackgroundAnalysisRunStatus"),
        bluegreen.get("prePromotionAnalysisRunStatus"),
        bluegreen.get("postPromotionAnalysisRunStatus"),
    ]
    return [as_dict(run) for run in found if isinstance(run, dict)]


def canary_steps(ro: Obj) -> list[Obj]:
    return [as_dict(step) for step in as_list(as_dict(canary_strategy(ro)).get("steps"))]


def current_step(ro: Obj) -> tuple[Obj | None, int | None]:
    """`GetCurrentCanaryStep`: no step without steps; past the last step once all are done."""
    steps = canary_steps(ro)
    if canary_strategy(ro) is None or not steps:
        return None, None
    index = to_int(status_of(ro).get("currentStepIndex"))
    if index >= len(steps):
        return None, index
    return steps[index], index


def set_weight(ro: Obj) -> int:
    """`GetCurrentSetWeight`: the desired canary weight (the CLI's SetWeight)."""
    if status_of(ro).get("abort"):
        return 0
    step, index = current_step(ro)
    if step is None or index is None:
        return 100
    for earlier in reversed(canary_steps(ro)[: index + 1]):
        if "setWeight" in earlier:
            return to_int(earlier["setWeight"])
    return 0


def actual_weight(ro: Obj, canary_rs: Obj | None) -> int:
    """The CLI's ActualWeight: canary pods' share without traffic routing, else the router's."""
    step, _ = current_step(ro)
    if step is None:
        return 100
    status = status_of(ro)
    available = to_int(status.get("availableReplicas"))
    if available <= 0:
        return 0
    if not as_dict(canary_strategy(ro)).get("trafficRouting"):
        if canary_rs is None:
            return 0
        return to_int(as_dict(canary_rs.get("status")).get("availableReplicas")) * 100 // available
    weights = as_dict(status.get("canary")).get("weights")
    if isinstance(weights, dict):
        return to_int(as_dict(weights.get("canary")).get("weight"))
    return set_weight(ro)


def bluegreen_weight(ro: Obj) -> int:
    status = status_of(ro)
    active = as_dict(status.get("blueGreen")).get("activeSelector")
    return 100 if active and active == status.get("currentPodHash") else 0


def parse_duration(value: Any) -> timedelta | None:
    """An Argo intstr duration: a number of seconds, or a Go duration such as `1m30s`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    text = str(value).strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    parts = _GO_DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


def _step_label(step: Obj) -> tuple[StepKind, str, timedelta | None]:
    if "setWeight" in step:
        return StepKind.SET_WEIGHT, f"setWeight: {to_int(step['setWeight'])}", None
    if "pause" in step:
        raw = as_dict(step["pause"]).get("duration")
        duration = parse_duration(raw)
        if duration is None:
            return StepKind.PAUSE, "pause", None
        shown = f"{raw}s" if isinstance(raw, int) or str(raw).isdigit() else str(raw)
        return StepKind.BAKE, f"pause: {shown}", duration
    if "analysis" in step:
        return StepKind.ANALYSIS, "analysis", None
    if "setCanaryScale" in step:
        scale = as_dict(step["setCanaryScale"])
        if "weight" in scale:
            return StepKind.SET_CANARY_SCALE, f"setCanaryScale{{weight: {scale['weight']}}}", None
        if scale.get("matchTrafficWeight"):
            return StepKind.SET_CANARY_SCALE, "setCanaryScale{matchTrafficWeight: true}", None
        return (
            StepKind.SET_CANARY_SCALE,
            f"setCanaryScale{{replicas: {scale.get('replicas')}}}",
            None,
        )
    return StepKind.OTHER, next(iter(step), "invalid"), None


def steps(ro: Obj) -> list[Step]:
    """The canary plan; each step's weight is the one in force once it is reached."""
    plan, weight = [], 0
    for index, step in enumerate(canary_steps(ro)):
        if "setWeight" in step:
            weight = to_int(step["setWeight"])
        kind, label, duration = _step_label(step)
        plan.append(Step(index=index, kind=kind, label=label, weight=weight, duration=duration))
    return plan


def pause(ro: Obj, now: datetime) -> Pause | None:
    """Why the rollout waits, and whether it waits for a human or for a timer."""
    spec, status = as_dict(ro.get("spec")), status_of(ro)
    conditions = [as_dict(c) for c in as_list(status.get("pauseConditions"))]
    if spec.get("paused"):
        since = (
            parse_time(status.get("pauseStartTime"))
            or condition_since(status, "RolloutPaused")
            or now
        )
        return Pause(reason="manually paused", since=since, awaits_decision=True)
    if not conditions:
        return None
    first = conditions[0]
    reason = str(first.get("reason") or "")
    since = parse_time(first.get("startTime")) or now
    wait: timedelta | None = None
    if reason == "CanaryPauseStep":
        step, _ = current_step(ro)
        wait = parse_duration(as_dict(as_dict(step).get("pause")).get("duration"))
    elif reason == "BlueGreenPause":
        seconds = to_int(as_dict(bluegreen_strategy(ro)).get("autoPromotionSeconds"))
        wait = timedelta(seconds=seconds) if seconds > 0 else None
    if wait is not None and reason not in _AWAITS_HUMAN:
        return Pause(reason=reason, since=since, until=since + wait)
    return Pause(reason=reason, since=since, awaits_decision=True)


def pod_hash(rs: Obj) -> str:
    return str(as_dict(as_dict(rs.get("metadata")).get("labels")).get(HASH_LABEL) or "")


def match_replicasets(ro: Obj, replicasets: list[Obj]) -> tuple[Obj | None, Obj | None]:
    """The stable and the canary ReplicaSet, tagged as the CLI tags them (by owner and hash).

    For blue-green the canary is the desired ReplicaSet (the preview before promotion).
    """
    stable, current = stable_hash(ro), str(status_of(ro).get("currentPodHash") or "")
    owned = [rs for rs in replicasets if owned_by(rs, ro) and pod_hash(rs)]
    stable_rs = next((rs for rs in owned if stable and pod_hash(rs) == stable), None)
    canary_rs = next(
        (rs for rs in owned if current and current != stable and pod_hash(rs) == current), None
    )
    return stable_rs, canary_rs


_RUN_STATUS = {
    "Successful": GateStatus.PASS,
    "Failed": GateStatus.FAIL,
    "Error": GateStatus.FAIL,
    "Inconclusive": GateStatus.MARGINAL,
}


def run_status(phase: Any) -> GateStatus:
    """An AnalysisPhase as a gate: running and pending runs have not passed yet."""
    return _RUN_STATUS.get(str(phase or ""), GateStatus.PENDING)


def analysis_runs(ro: Obj, runs: list[Obj]) -> list[Obj]:
    """The runs the rollout's status names; for controllers before v0.10, its current hash's."""
    owned = [run for run in runs if owned_by(run, ro)]
    canary = as_dict(status_of(ro).get("canary"))
    names = {str(run.get("name")) for run in analysis_run_statuses(ro) if run.get("name")}
    names |= {
        str(canary[k])
        for k in ("currentStepAnalysisRun", "currentBackgroundAnalysisRun")
        if canary.get(k)
    }
    if names:
        return [run for run in owned if meta(run).get("name") in names]
    current = status_of(ro).get("currentPodHash")
    return [
        run
        for run in owned
        if current and as_dict(meta(run).get("labels")).get(HASH_LABEL) == current
    ]


def _metric_specs(run: Obj) -> list[Obj]:
    spec = as_dict(run.get("spec"))
    found = spec.get("metrics") or as_dict(spec.get("analysisSpec")).get("metrics")
    return [as_dict(metric) for metric in as_list(found)]


def _limit_text(spec: Obj, result: Obj, phase: str) -> str:
    """How close a metric is to failing: Argo fails it once `failed > failureLimit`."""
    failed, limit = to_int(result.get("failed")), to_int(spec.get("failureLimit"), 0)
    if limit < 0:
        return f"{failed} failed, failure limit disabled"
    text = f"{failed} of failureLimit {limit} failed"
    if result.get("dryRun"):
        return f"{text}; dry run: never aborts"
    if phase in COMPLETED:
        return text
    left = limit - failed + 1
    return f"{text}; one more aborts" if left == 1 else f"{text}; {left} more abort"


def _metric_gate(kind: str, spec: Obj, result: Obj, run_phase: str) -> GateResult:
    name = str(spec.get("name") or result.get("name") or "")
    phase = str(result.get("phase") or ("Pending" if run_phase not in COMPLETED else run_phase))
    parts = [phase, _limit_text(spec, result, phase)]
    if to_int(result.get("inconclusive")):
        limit = to_int(spec.get("inconclusiveLimit"))
        parts.append(f"{to_int(result.get('inconclusive'))} inconclusive of limit {limit}")
    errors, consecutive = to_int(result.get("error")), to_int(result.get("consecutiveError"))
    if consecutive:
        limit = to_int(spec.get("consecutiveErrorLimit"), 4)
        parts.append(f"{consecutive} consecutive errors of limit {limit}")
    elif errors:
        parts.append(f"{errors} errors")
    latest = [as_dict(m) for m in as_list(result.get("measurements"))][-3:]
    if latest:
        parts.append("latest " + ", ".join(str(m.get("value") or m.get("phase")) for m in latest))
    if result.get("message"):
        parts.append(str(result["message"]))
    return GateResult(
        name=f"{name} ({kind} analysis)",
        status=run_status(phase),
        explanation="; ".join(parts),
        source=GateSource.CONTROLLER,
        metric=name,
        classification=phase,
        samples=to_int(result.get("count")),
        samples_needed=to_int(spec.get("count")),
    )


def run_gates(run: Obj) -> list[GateResult]:
    """One controller gate per metric of an AnalysisRun (both spec layouts are read)."""
    kind = str(as_dict(meta(run).get("labels")).get("rollout-type") or "step").lower()
    status = as_dict(run.get("status"))
    results = {
        str(as_dict(r).get("name")): as_dict(r) for r in as_list(status.get("metricResults"))
    }
    specs = _metric_specs(run) or [{"name": name} for name in results]
    run_phase = str(status.get("phase") or "")
    return [
        _metric_gate(kind, spec, results.get(str(spec.get("name")), {}), run_phase)
        for spec in specs
    ]


def analysis_gates(ro: Obj, runs: list[Obj]) -> list[GateResult]:
    """The controller's gates for the rollout's current AnalysisRuns."""
    return [gate for run in analysis_runs(ro, runs) for gate in run_gates(run)]
