"""Flagger Canary resources: the primary Deployment is stable, the target is the canary.

Flagger keeps no per-step plan in its status, so the plan is rebuilt from `spec.analysis`
(stepWeights, or stepWeight up to maxWeight, or iterations) with the confirm-rollout and
confirm-promotion gates as the pauses that wait for a human. Flagger asks its load tester
whether those gates are open; with `loadtester_url` set, promote opens the gate and abort
opens the rollback gate, and each is closed again once the canary has moved on, so the next
gate waits for the next confirmation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from backends.base import BackendError, Capability, Conflict, Unreachable, Unsupported
from backends.clock import Clock
from backends.kube_backend import SnapshotBackend, check_expectation
from backends.kube_client import KubeApi, KubeOptions, Obj, resource_path
from backends.kube_objects import (
    DEFAULT_CHANGE_ANNOTATIONS,
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
from backends.kube_watch import Source, list_and_watch
from backends.kubernetes import HASH_LABEL, new_replicaset, pod_hash
from backends.model import (
    EventLevel,
    Expectation,
    GateResult,
    GateSource,
    GateStatus,
    Pause,
    Phase,
    Role,
    Rollout,
    RolloutEvent,
    RolloutSummary,
    Step,
    StepKind,
)
from backends.registry import AdapterContext

GROUP_VERSION = "flagger.app/v1beta1"
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


class FlaggerBackend(SnapshotBackend):
    """Follows Flagger canaries; decides through the load tester's gates when one is set."""

    def __init__(
        self,
        api: KubeApi,
        options: KubeOptions,
        clock: Clock,
        *,
        keys: Mapping[str, str] = DEFAULT_CHANGE_ANNOTATIONS,
        events: bool = False,
        loadtester: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(api, options, clock, keys=keys, events=events)
        self._loadtester = loadtester
        self._closers: dict[tuple[str, str], tuple[asyncio.Task[None], Rollout]] = {}
        self._notes: dict[str, list[RolloutEvent]] = {}
        self.capabilities = (
            frozenset({Capability.PROMOTE, Capability.ABORT}) if loadtester else frozenset()
        )

    def primary_path(self, namespace: str | None, name: str | None = None, sub: str = "") -> str:
        return resource_path(GROUP_VERSION, "canaries", namespace, name, sub)

    def sources(self, primary: Obj) -> dict[str, Source]:
        md = meta(primary)
        namespace, name = str(md.get("namespace") or self._api.namespace), md.get("name")
        target = as_dict(as_dict(primary.get("spec")).get("targetRef")).get("name") or name
        deployments = resource_path("apps/v1", "deployments", namespace)
        found = {
            "primary": self.primary_source(primary),
            "stable": Source(deployments, {"fieldSelector": f"metadata.name={target}-primary"}),
            "canary": Source(deployments, {"fieldSelector": f"metadata.name={target}"}),
            "replicasets": Source(
                resource_path("apps/v1", "replicasets", namespace), {"labelSelector": HASH_LABEL}
            ),
        }
        return self.with_events(primary, found)

    def assemble(self, sources: dict[str, Source]) -> Rollout:
        (canary,) = sources["primary"].items()
        rollout = to_rollout(
            canary,
            sources["stable"].items() + sources["canary"].items(),
            sources["replicasets"].items(),
            keys=self._keys,
            now=self._clock.now(),
            events=self.events_of(sources),
        )
        notes = self._notes.get(rollout.id, [])
        events = sorted(rollout.events + notes, key=lambda event: event.time)
        return rollout.model_copy(update={"events": events}) if notes else rollout

    async def list_rollouts(self) -> list[RolloutSummary]:
        namespace = self._namespaces()
        canaries, _ = await self._api.list(self.primary_path(namespace), {})
        deployments, _ = await self._api.list(
            resource_path("apps/v1", "deployments", namespace), {}
        )
        replicasets, _ = await self._api.list(
            resource_path("apps/v1", "replicasets", namespace), {"labelSelector": HASH_LABEL}
        )
        now = self._clock.now()
        return [
            to_rollout(c, deployments, replicasets, keys=self._keys, now=now).summary()
            for c in canaries
        ]

    async def _gate(self, path: str, current: Rollout) -> None:
        """POST a load-tester gate; it answers 202 once the gate is stored."""
        if self._loadtester is None:
            raise Unsupported("set loadtester_url to decide Flagger canaries from rollwatch")
        body = {"name": current.name, "namespace": current.namespace}
        try:
            response = await self._loadtester.post(path, json=body)
        except httpx.TransportError as exc:
            raise Unreachable(f"load tester {path}: unreachable", detail=str(exc)) from exc
        if response.status_code >= 300:
            raise BackendError(
                f"load tester {path}: answered {response.status_code}", detail=response.text[:200]
            )
        self._note(current.id, f"load tester {path}")

    async def _open_until_moved(self, rollout_id: str, expect: Expectation, gate: str) -> Rollout:
        canary, current = await self._read(rollout_id)
        check_expectation(expect, current)
        status = as_dict(canary.get("status"))
        if gate == "/gate" and status.get("phase") not in AWAITING:
            raise Conflict(
                f"{current.id} is not waiting for a decision", detail=str(status.get("phase"))
            )
        key = (current.id, gate)
        if (previous := self._closers.pop(key, None)) is not None:
            previous[0].cancel()
            await asyncio.gather(previous[0], return_exceptions=True)
        await self._gate(f"{gate}/open", current)
        seen = (status.get("phase"), status.get("canaryWeight"), status.get("iterations"))
        closer = asyncio.create_task(self._close_when_moved(canary, current, seen, gate))
        self._closers[key] = (closer, current)
        return current

    async def _close_when_moved(
        self, canary: Obj, current: Rollout, seen: tuple[Any, ...], gate: str
    ) -> None:
        """Watch the canary until its phase, weight or iteration changes, then close the gate.

        A watch that fails closes the gate at once (the snapshot watch reports the failure):
        a gate left open would pass the next confirmation without anyone looking.
        """
        source = self.primary_source(canary)
        try:
            async for event in list_and_watch(
                self._api, source.path, source.params, clock=self._clock, options=self._options
            ):
                source.apply(event)
                states = [as_dict(c.get("status")) for c in source.items()]
                now = [(s.get("phase"), s.get("canaryWeight"), s.get("iterations")) for s in states]
                if now != [seen]:
                    break
        except BackendError as exc:
            self._note(current.id, f"watch for {gate}/close failed: {exc}", EventLevel.WARNING)
        finally:
            self._closers.pop((current.id, gate), None)
            await asyncio.shield(self._close(gate, current))

    async def _close(self, gate: str, current: Rollout) -> None:
        try:
            await self._gate(f"{gate}/close", current)
        except BackendError as exc:
            self._note(
                current.id,
                f"{gate}/close failed, the gate may still be open: {exc}",
                EventLevel.WARNING,
            )

    def _note(self, rollout_id: str, message: str, level: EventLevel = EventLevel.ACTION) -> None:
        """Gate traffic is rollwatch's own doing: it is shown in the rollout's events."""
        self._notes.setdefault(rollout_id, []).append(
            RolloutEvent(time=self._clock.now(), message=message, level=level, actor="rollwatch")
        )

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        if full:
            raise Unsupported("Flagger has no full promotion: promote opens the confirm gate")
        return await self._open_until_moved(rollout_id, expect, "/gate")

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        return await self._open_until_moved(rollout_id, expect, "/rollback")

    async def retry(self, rollout_id: str) -> Rollout:
        raise Unsupported("Flagger retries by itself when the target Deployment changes")

    async def aclose(self) -> None:
        """Close every gate rollwatch opened, including those whose watch never started."""
        tasks = [task for task, _ in self._closers.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for (_, gate), (_, current) in list(self._closers.items()):
            await self._close(gate, current)
        self._closers.clear()
        if self._loadtester is not None:
            await self._loadtester.aclose()
        await super().aclose()


def create(options: dict[str, Any], context: AdapterContext) -> FlaggerBackend:
    """The shared Kubernetes options (docs/kubernetes.md) and `loadtester_url`."""
    url = options.get("loadtester_url")
    timeout = KubeOptions.parse(options).timeout
    loadtester = httpx.AsyncClient(base_url=str(url), timeout=timeout) if url else None
    return FlaggerBackend.from_options(options, context.clock, loadtester=loadtester)
