"""Plain Deployments: a rolling update read as a canary.

The new ReplicaSet (the one whose `deployment.kubernetes.io/revision` matches the Deployment's)
is the canary and the old ones still running are stable, told apart in metrics by their
`pod-template-hash` label. Progress and messages are those of `kubectl rollout status`.
Pausing the Deployment mid-rollout is the confirmation gate: resume (or promote) lets it go on;
abort is `kubectl rollout undo`, which puts the previous ReplicaSet's template back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from backends.base import Capability
from backends.errors import Conflict, NotFound, Unsupported
from backends.expectation import check_expectation
from backends.kubernetes.client import (
    JSON_PATCH,
    STRATEGIC_MERGE_PATCH,
    Obj,
    resource_path,
    split_id,
)
from backends.kubernetes.following import SnapshotBackend
from backends.kubernetes.objects import (
    as_dict,
    as_list,
    change_from,
    condition_events,
    condition_since,
    kube_events,
    meta,
    owned_by,
    parse_time,
    to_int,
    workload_revision,
)
from backends.kubernetes.options import KubeOptions
from backends.kubernetes.watch import Source
from backends.model import Expectation, Pause, Phase, Role, Rollout, RolloutSummary
from backends.registry import AdapterContext, DeployAdapter

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
_UNDO_SKIPPED_ANNOTATIONS = {
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
}


def rollout_status(dep: Obj) -> tuple[Phase, str]:
    """`kubectl rollout status` for a Deployment: DEGRADED where kubectl exits with an error."""
    name, spec, status = meta(dep).get("name"), as_dict(dep.get("spec")), as_dict(dep.get("status"))
    if to_int(meta(dep).get("generation")) > to_int(status.get("observedGeneration")):
        return Phase.PROGRESSING, "Waiting for deployment spec update to be observed..."
    for cond in (as_dict(c) for c in as_list(status.get("conditions"))):
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return Phase.DEGRADED, f'deployment "{name}" exceeded its progress deadline'
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    updated, replicas = to_int(status.get("updatedReplicas")), to_int(status.get("replicas"))
    available = to_int(status.get("availableReplicas"))
    desired = to_int(spec.get("replicas"))
    if spec.get("replicas") is not None and updated < desired:
        return (
            Phase.PROGRESSING,
            f"{waiting}{updated} out of {desired} new replicas have been updated...",
        )
    if replicas > updated:
        return (
            Phase.PROGRESSING,
            f"{waiting}{replicas - updated} old replicas are pending termination...",
        )
    if available < updated:
        return (
            Phase.PROGRESSING,
            f"{waiting}{available} of {updated} updated replicas are available...",
        )
    return Phase.HEALTHY, f'deployment "{name}" successfully rolled out'


def revision_of(obj: Obj) -> int:
    return to_int(as_dict(meta(obj).get("annotations")).get(REVISION), -1)


def pod_hash(rs: Obj) -> str:
    return str(as_dict(meta(rs).get("labels")).get(HASH_LABEL) or "")


def _template_without_hash(obj: Obj) -> Obj:
    template = dict(as_dict(as_dict(obj.get("spec")).get("template")))
    md = dict(as_dict(template.get("metadata")))
    md["labels"] = {k: v for k, v in as_dict(md.get("labels")).items() if k != HASH_LABEL}
    template["metadata"] = md
    return template


def history(dep: Obj, replicasets: list[Obj]) -> list[Obj]:
    """The Deployment's own ReplicaSets, newest revision first."""
    owned = [rs for rs in replicasets if owned_by(rs, dep)]
    return sorted(owned, key=revision_of, reverse=True)


def new_replicaset(dep: Obj, replicasets: list[Obj]) -> Obj | None:
    """The ReplicaSet of the Deployment's current template (the controller marks its revision)."""
    owned = history(dep, replicasets)
    wanted = revision_of(dep)
    by_revision = next((rs for rs in owned if wanted >= 0 and revision_of(rs) == wanted), None)
    template = _template_without_hash(dep)
    return by_revision or next((rs for rs in owned if _template_without_hash(rs) == template), None)


def previous_replicaset(dep: Obj, replicasets: list[Obj]) -> Obj | None:
    """What `kubectl rollout undo` goes back to: the second-highest revision."""
    owned = [rs for rs in history(dep, replicasets) if revision_of(rs) >= 0]
    return owned[1] if len(owned) > 1 else None


def undo_patch(dep: Obj, previous: Obj) -> list[Obj]:
    """The JSON patch `kubectl rollout undo` sends: the old template, the old annotations."""
    kept = {
        k: v
        for k, v in as_dict(meta(dep).get("annotations")).items()
        if k in _UNDO_SKIPPED_ANNOTATIONS
    }
    restored = {
        k: v
        for k, v in as_dict(meta(previous).get("annotations")).items()
        if k not in _UNDO_SKIPPED_ANNOTATIONS
    }
    return [
        {"op": "replace", "path": "/spec/template", "value": _template_without_hash(previous)},
        {"op": "replace", "path": "/metadata/annotations", "value": {**kept, **restored}},
    ]


def _replicas(rs: Obj) -> int:
    return max(
        to_int(as_dict(rs.get("spec")).get("replicas")),
        to_int(as_dict(rs.get("status")).get("replicas")),
    )


def to_rollout(
    dep: Obj,
    replicasets: list[Obj],
    *,
    keys: Mapping[str, str],
    now: datetime,
    events: list[Obj] | None = None,
) -> Rollout:
    md, spec, status = meta(dep), as_dict(dep.get("spec")), as_dict(dep.get("status"))
    name, namespace = str(md.get("name") or ""), str(md.get("namespace") or "")
    phase, message = rollout_status(dep)
    new_rs = new_replicaset(dep, replicasets)
    old = [rs for rs in history(dep, replicasets) if rs is not new_rs]
    stable_rs = next((rs for rs in old if _replicas(rs) > 0), old[0] if old else None)
    canary_rs = new_rs if phase != Phase.HEALTHY and stable_rs is not None else None
    available = to_int(status.get("availableReplicas"))
    actual = 100
    if canary_rs is not None:
        new_available = to_int(as_dict(canary_rs.get("status")).get("availableReplicas"))
        actual = new_available * 100 // available if available else 0
    stable_source = stable_rs if canary_rs else new_rs
    stable = workload_revision(
        stable_source,
        pod_hash(stable_source) if stable_source else "",
        Role.STABLE,
        100 - actual if canary_rs else 100,
        name,
    )
    canary = (
        workload_revision(canary_rs, pod_hash(canary_rs), Role.CANARY, actual, name)
        if canary_rs
        else None
    )
    conditions = as_list(status.get("conditions"))
    updates = [t for c in conditions if (t := parse_time(as_dict(c).get("lastUpdateTime")))]
    pause = None
    if spec.get("paused"):
        # Without its condition the pause is dated by the last update, not by the reading:
        # a pause must not look newer each time it is read.
        since = condition_since(status, "DeploymentPaused") or max(updates, default=now)
        pause = Pause(
            reason="DeploymentPaused", since=since, awaits_decision=phase == Phase.PROGRESSING
        )
        phase = Phase.PAUSED if phase == Phase.PROGRESSING else phase
    template_annotations = as_dict(as_dict(spec.get("template")).get("metadata")).get("annotations")
    timeline = condition_events(conditions) + kube_events(events or [])
    return Rollout(
        id=f"{namespace}/{name}",
        name=name,
        namespace=namespace,
        service=name,
        kind="kubernetes",
        strategy="recreate"
        if as_dict(spec.get("strategy")).get("type") == "Recreate"
        else "rolling",
        phase=phase,
        message=message,
        desired_weight=100,
        actual_weight=actual,
        stable=stable,
        canary=canary,
        change=change_from(keys, template_annotations, md.get("annotations")),
        pause=pause,
        events=sorted(timeline, key=lambda event: event.time),
        started_at=parse_time(meta(canary_rs).get("creationTimestamp")) if canary_rs else None,
        updated_at=max(updates, default=None),
        version=str(md.get("resourceVersion") or "") or None,
    )


class DeploymentBackend(SnapshotBackend):
    """Follows Deployments; pause, resume and undo are sent as kubectl sends them."""

    capabilities = frozenset(
        {Capability.PROMOTE, Capability.ABORT, Capability.PAUSE, Capability.RESUME}
    )

    def primary_path(self, namespace: str | None, name: str | None = None, sub: str = "") -> str:
        return resource_path("apps/v1", "deployments", namespace, name, sub)

    def sources(self, primary: Obj) -> dict[str, Source]:
        found = {
            "primary": self.primary_source(primary),
            "replicasets": self.replicaset_source(primary, HASH_LABEL),
        }
        return self.with_events(primary, found)

    def assemble(self, sources: dict[str, Source]) -> Rollout:
        (dep,) = sources["primary"].items()
        events = self.events_of(sources)
        return to_rollout(
            dep,
            sources["replicasets"].items(),
            keys=self._keys,
            now=self._clock.now(),
            events=events,
        )

    def list_sources(self) -> dict[str, Source]:
        namespace = self._namespaces()
        return {
            "deployments": Source(self.primary_path(namespace)),
            "replicasets": Source(
                resource_path("apps/v1", "replicasets", namespace), {"labelSelector": HASH_LABEL}
            ),
        }

    def summaries(self, sources: dict[str, Source]) -> list[RolloutSummary]:
        replicasets, now = sources["replicasets"].items(), self._clock.now()
        return [
            to_rollout(d, replicasets, keys=self._keys, now=now).summary()
            for d in sources["deployments"].items()
        ]

    async def _set_paused(self, rollout_id: str, expect: Expectation, paused: bool) -> Rollout:
        dep, current = await self._read(rollout_id)
        check_expectation(expect, current)
        if bool(as_dict(dep.get("spec")).get("paused")) == paused:
            state = "already paused" if paused else "not paused"
            raise Conflict(f"deployment {current.id} is {state}")
        await self._patch_paused(rollout_id, paused)
        return await self.get_rollout(rollout_id)

    async def _patch_paused(self, rollout_id: str, paused: bool) -> None:
        namespace, name = split_id(rollout_id, self._api.namespace)
        patch = {"spec": {"paused": True if paused else None}}
        await self._api.patch(self.primary_path(namespace, name), patch, STRATEGIC_MERGE_PATCH)

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        return await self._set_paused(rollout_id, expect, True)

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        return await self._set_paused(rollout_id, expect, False)

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        """A rolling update has no steps: promoting a paused Deployment resumes it."""
        if full:
            raise Unsupported("a Deployment has no steps to skip: promote resumes it")
        return await self._set_paused(rollout_id, expect, False)

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        """`kubectl rollout undo`; a paused Deployment is resumed after, so the undo rolls."""
        dep, current = await self._read(rollout_id)
        check_expectation(expect, current)
        namespace, name = split_id(rollout_id, self._api.namespace)
        replicasets, _ = await self._api.list(
            resource_path("apps/v1", "replicasets", namespace),
            {"labelSelector": self.sources(dep)["replicasets"].params["labelSelector"]},
        )
        previous = previous_replicaset(dep, replicasets)
        if previous is None:
            raise NotFound(f'no rollout history found for deployment "{name}"')
        if _template_without_hash(previous) == _template_without_hash(dep):
            revision = revision_of(previous)
            raise Conflict(
                f"skipped rollback (current template already matches revision {revision})"
            )
        await self._api.patch(
            self.primary_path(namespace, name), undo_patch(dep, previous), JSON_PATCH
        )
        if as_dict(dep.get("spec")).get("paused"):
            await self._patch_paused(rollout_id, False)
        return await self.get_rollout(rollout_id)

    async def retry(self, rollout_id: str) -> Rollout:
        raise Unsupported("a Deployment has no aborted state to retry")


def _build(options: KubeOptions, context: AdapterContext) -> DeploymentBackend:
    return DeploymentBackend(options, context.clock)


ADAPTER = DeployAdapter(options=KubeOptions, build=_build)
"""The `kubernetes` entry point: the shared Kubernetes options (docs/kubernetes.md)."""
