"""Argo Rollouts: Rollout and AnalysisRun custom resources over the Kubernetes API.

A snapshot joins three watched lists: the Rollout, its ReplicaSets (replicas and images per
pod-template hash) and the namespace's AnalysisRuns (the controller's own gates, whose
measurements change without touching the Rollout). Actions send the JSON merge patches the
`kubectl argo rollouts` plugin sends, after checking the user's confirmation against a fresh GET.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from backends.base import Capability
from backends.errors import NotFound
from backends.expectation import check_expectation
from backends.kubernetes.argo import analysis as argo_analysis
from backends.kubernetes.argo import phase as ap
from backends.kubernetes.argo import steps as argo_steps
from backends.kubernetes.client import MERGE_PATCH, Obj, resource_path, split_id
from backends.kubernetes.following import SnapshotBackend
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
from backends.kubernetes.options import KubeOptions
from backends.kubernetes.watch import Source
from backends.model import Expectation, Role, Rollout, RolloutSummary
from backends.registry import AdapterContext, DeployAdapter

GROUP_VERSION = "argoproj.io/v1alpha1"


def promote_patches(ro: Obj, *, full: bool) -> tuple[Obj | None, Obj | None, Obj | None]:
    """The (spec, status, fallback) merge patches `kubectl argo rollouts promote` sends.

    The status patch goes first; when the status subresource is missing (v0.9) the fallback
    is sent to the main resource instead of the spec patch and carries both parts.
    """
    status = ap.status_of(ro)
    paused = bool(as_dict(ro.get("spec")).get("paused"))
    spec_patch: Obj | None = {"spec": {"paused": False}} if paused else None
    if full:
        promote: Obj | None = None
        if status.get("currentPodHash") != status.get("stableRS"):
            promote = {"status": {"promoteFull": True}}
        return spec_patch, promote, {"spec": {"paused": False}, "status": {"promoteFull": True}}
    fallback: Obj = {"spec": {"paused": False}, "status": {"pauseConditions": None}}
    conditions = as_list(status.get("pauseConditions"))
    _, index = argo_steps.current_step(ro)
    next_index = None if index is None else min(index + 1, len(argo_steps.canary_steps(ro)))
    step_run = as_dict(as_dict(status.get("canary")).get("currentStepAnalysisRunStatus"))
    canary = ap.canary_strategy(ro) is not None and next_index is not None
    inconclusive = step_run.get("status") == "Inconclusive"
    if canary and conditions and status.get("controllerPause") and inconclusive:
        patch = {"pauseConditions": None, "controllerPause": False, "currentStepIndex": next_index}
        return spec_patch, {"status": patch}, fallback
    if conditions:
        return spec_patch, {"status": {"pauseConditions": None}}, fallback
    if canary:
        with_step = {"pauseConditions": None, "currentStepIndex": next_index}
        return spec_patch, {"status": with_step}, {"spec": {"paused": False}, "status": with_step}
    return spec_patch, None, fallback


def to_rollout(
    ro: Obj,
    replicasets: list[Obj],
    runs: list[Obj],
    *,
    keys: Mapping[str, str],
    now: datetime,
    events: list[Obj] | None = None,
) -> Rollout:
    """One snapshot in rollwatch's words from the Rollout, its ReplicaSets and AnalysisRuns."""
    md, status = meta(ro), ap.status_of(ro)
    name, namespace = str(md.get("name") or ""), str(md.get("namespace") or "")
    cli_phase, message = ap.rollout_phase(ro)
    stable_rs, canary_rs = ap.match_replicasets(ro, replicasets)
    stable_id, current = ap.stable_hash(ro), str(status.get("currentPodHash") or "")
    is_canary = ap.canary_strategy(ro) is not None
    if is_canary:
        desired, actual = argo_steps.set_weight(ro), argo_steps.actual_weight(ro, canary_rs)
    else:
        desired = actual = argo_steps.bluegreen_weight(ro)
    canary = None
    if current and current != stable_id:
        canary = workload_revision(canary_rs, current, Role.CANARY, actual, f"{name}-{current}")
    stable_weight = 100 - actual if canary else 100
    stable_name = f"{name}-{stable_id}" if stable_id else name
    stable = workload_revision(stable_rs, stable_id, Role.STABLE, stable_weight, stable_name)
    template = as_dict(as_dict(ro.get("spec")).get("template"))
    conditions = as_list(status.get("conditions"))
    timeline = condition_events(conditions) + kube_events(events or [])
    updates = [t for c in conditions if (t := parse_time(as_dict(c).get("lastUpdateTime")))]
    step_index = status.get("currentStepIndex")
    return Rollout(
        id=f"{namespace}/{name}",
        name=name,
        namespace=namespace,
        service=name,
        kind="argo",
        strategy="canary" if is_canary else "blue-green",
        phase=ap.to_phase(ro, cli_phase),
        message=message,
        steps=argo_steps.steps(ro),
        current_step=(
            to_int(step_index) if step_index is not None and argo_steps.canary_steps(ro) else None
        ),
        desired_weight=desired,
        actual_weight=actual,
        stable=stable,
        canary=canary,
        change=change_from(
            keys, as_dict(template.get("metadata")).get("annotations"), md.get("annotations")
        ),
        pause=argo_steps.pause(ro, now),
        events=sorted(timeline, key=lambda event: event.time),
        controller_gates=argo_analysis.analysis_gates(ro, runs),
        started_at=parse_time(meta(canary_rs).get("creationTimestamp")) if canary_rs else None,
        updated_at=max(updates, default=None),
        version=str(md.get("resourceVersion") or "") or None,
    )


class ArgoRolloutsBackend(SnapshotBackend):
    """Follows Argo Rollouts and moves them on as `kubectl argo rollouts` would."""

    capabilities = frozenset(
        {
            Capability.PROMOTE,
            Capability.PROMOTE_FULL,
            Capability.ABORT,
            Capability.RETRY,
            Capability.PAUSE,
            Capability.RESUME,
        }
    )

    def primary_path(self, namespace: str | None, name: str | None = None, sub: str = "") -> str:
        return resource_path(GROUP_VERSION, "rollouts", namespace, name, sub)

    def sources(self, primary: Obj) -> dict[str, Source]:
        namespace = str(meta(primary).get("namespace") or self._api.namespace)
        found = {
            "primary": self.primary_source(primary),
            "replicasets": self.replicaset_source(primary, ap.HASH_LABEL),
            "runs": Source(resource_path(GROUP_VERSION, "analysisruns", namespace)),
        }
        return self.with_events(primary, found)

    def assemble(self, sources: dict[str, Source]) -> Rollout:
        (ro,) = sources["primary"].items()
        return to_rollout(
            ro,
            sources["replicasets"].items(),
            sources["runs"].items(),
            keys=self._keys,
            now=self._clock.now(),
            events=self.events_of(sources),
        )

    def list_sources(self) -> dict[str, Source]:
        namespace = self._namespaces()
        return {
            "rollouts": Source(self.primary_path(namespace)),
            "replicasets": Source(
                resource_path("apps/v1", "replicasets", namespace),
                {"labelSelector": ap.HASH_LABEL},
            ),
        }

    def summaries(self, sources: dict[str, Source]) -> list[RolloutSummary]:
        replicasets, now = sources["replicasets"].items(), self._clock.now()
        return [
            to_rollout(ro, replicasets, [], keys=self._keys, now=now).summary()
            for ro in sources["rollouts"].items()
        ]

    async def _send(
        self, rollout_id: str, spec: Obj | None, status: Obj | None, fallback: Obj | None
    ) -> Rollout:
        """Status subresource first; a 404 there means v0.9, which takes the fallback instead."""
        namespace, name = split_id(rollout_id, self._api.namespace)
        if status is not None:
            try:
                await self._api.patch(
                    self.primary_path(namespace, name, "status"), status, MERGE_PATCH
                )
            except NotFound:
                spec = fallback
        if spec is not None:
            await self._api.patch(self.primary_path(namespace, name), spec, MERGE_PATCH)
        return await self.get_rollout(rollout_id)

    async def _checked(self, rollout_id: str, expect: Expectation) -> Obj:
        ro, current = await self._read(rollout_id)
        check_expectation(expect, current)
        return ro

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        ro = await self._checked(rollout_id, expect)
        return await self._send(rollout_id, *promote_patches(ro, full=full))

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        await self._checked(rollout_id, expect)
        patch = {"status": {"abort": True}}
        return await self._send(rollout_id, None, patch, patch)

    async def retry(self, rollout_id: str) -> Rollout:
        patch = {"status": {"abort": False}}
        return await self._send(rollout_id, None, patch, patch)

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        await self._checked(rollout_id, expect)
        return await self._send(rollout_id, {"spec": {"paused": True}}, None, None)

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        await self._checked(rollout_id, expect)
        return await self._send(rollout_id, {"spec": {"paused": False}}, None, None)


def _build(options: KubeOptions, context: AdapterContext) -> ArgoRolloutsBackend:
    return ArgoRolloutsBackend(options, context.clock)


ADAPTER = DeployAdapter(options=KubeOptions, build=_build)
"""The `argo` entry point: the shared Kubernetes options (docs/kubernetes.md)."""
