"""The controller's own gates: one per metric of the Rollout's current AnalysisRuns.

They are read from the AnalysisRuns themselves, whose measurements change without touching the
Rollout. Each gate says how close its metric is to failing by Argo's rule: a metric fails once
more measurements failed than its `failureLimit` allows.
"""

from __future__ import annotations

from typing import Any

from backends.kubernetes.argo.phase import COMPLETED, HASH_LABEL, analysis_run_statuses, status_of
from backends.kubernetes.client import Obj
from backends.kubernetes.objects import as_dict, as_list, meta, owned_by, to_int
from backends.model import GateResult, GateSource, GateStatus

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
