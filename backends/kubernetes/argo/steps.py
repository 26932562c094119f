"""The canary plan of an Argo Rollout and where the rollout is in it: step, weights, pause.

The rules follow `utils/replicaset/canary.go` and `pkg/kubectl-argo-rollouts/info` at v1.9, so
the current step and the desired and actual weights are the ones
`kubectl argo rollouts get rollout` prints. Pause durations are Argo's: a number of seconds or a
Go duration string.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from backends.kubernetes.argo.phase import bluegreen_strategy, canary_strategy, status_of
from backends.kubernetes.client import Obj
from backends.kubernetes.objects import as_dict, as_list, condition_since, parse_time, to_int
from backends.model import Pause, Step, StepKind

_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_AWAITS_HUMAN = ("InconclusiveAnalysisRun", "InconclusiveExperiment")


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
