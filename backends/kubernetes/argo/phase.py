"""How the Argo Rollouts CLI reads a Rollout's phase, message and ReplicaSets from its JSON.

The rules follow `utils/rollout/rolloututil.go` and `pkg/kubectl-argo-rollouts/info` at v1.9, so
the phase, message and stable and canary ReplicaSets rollwatch shows are the ones
`kubectl argo rollouts get rollout` prints, for objects written by any controller version: every
status field is optional (omitempty), and objects from before v1.0 carry no `status.phase`, so
the phase is computed client-side exactly as the CLI does. The canary plan and weights are read
in argo_steps, the AnalysisRuns' gates in argo_analysis.
"""

from __future__ import annotations

import re

from backends.kubernetes.client import Obj
from backends.kubernetes.objects import as_dict, as_list, owned_by, to_int
from backends.model import Phase

HASH_LABEL = "rollouts-pod-template-hash"
WORKLOAD_GENERATION = "rollout.argoproj.io/workload-generation"
_CLI_PHASES = {
    "Healthy": Phase.HEALTHY,
    "Paused": Phase.PAUSED,
    "Progressing": Phase.PROGRESSING,
    "Degraded": Phase.DEGRADED,
}
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
