"""Reading Kubernetes objects that any controller version may have written.

Every status field is optional (omitempty) and older controllers wrote other shapes, so a
missing or mistyped field reads as an empty value rather than an error. The mappings all three
adapters make into rollwatch's model (revisions, events, the change being rolled out) live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from backends.kubernetes.client import Obj
from backends.kubernetes.options import ChangeAnnotations
from backends.model import Change, EventLevel, Revision, Role, RolloutEvent

DEFAULT_CHANGE_ANNOTATIONS = ChangeAnnotations().keys()
_WARNING_REASONS = {
    "ProgressDeadlineExceeded",
    "RolloutAborted",
    "ReplicaSetCreateError",
    "MinimumReplicasUnavailable",
    "AnalysisRunFailed",
}


def as_dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def to_int(value: Any, default: int = 0) -> int:
    """An omitempty integer (missing means 0); intstr fields may also arrive as strings."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def meta(obj: Obj) -> Obj:
    return as_dict(obj.get("metadata"))


def owned_by(obj: Obj, owner: Obj) -> bool:
    uid = meta(owner).get("uid")
    return bool(uid) and any(
        as_dict(ref).get("uid") == uid for ref in as_list(meta(obj).get("ownerReferences"))
    )


def selector(labels: Mapping[str, Any] | None) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items()))


def condition_since(status: Obj, reason: str) -> datetime | None:
    """When the condition with this reason last changed: how long a pause has lasted."""
    for cond in (as_dict(c) for c in as_list(status.get("conditions"))):
        if cond.get("reason") == reason:
            return parse_time(cond.get("lastTransitionTime"))
    return None


def change_from(keys: Mapping[str, str], *annotations: Any) -> Change:
    """The first map carrying a key wins: pass the pod template's before the workload's."""
    found: dict[str, str] = {}
    for field_name, key in keys.items():
        value = next((m[key] for m in map(as_dict, annotations) if m.get(key)), None)
        if value:
            found[field_name] = str(value)
    return Change(**found)


def condition_events(conditions: Any) -> list[RolloutEvent]:
    events = []
    for cond in (as_dict(c) for c in as_list(conditions)):
        when = parse_time(cond.get("lastTransitionTime") or cond.get("lastUpdateTime"))
        if when is None:
            continue
        bad_type = (
            cond.get("type") in ("ReplicaFailure", "InvalidSpec") and cond.get("status") == "True"
        )
        warning = bad_type or cond.get("reason") in _WARNING_REASONS
        text = cond.get("message") or cond.get("reason") or ""
        events.append(
            RolloutEvent(
                time=when,
                message=f"{cond.get('type')}: {text}",
                level=EventLevel.WARNING if warning else EventLevel.INFO,
            )
        )
    return events


def kube_events(events: Iterable[Obj]) -> list[RolloutEvent]:
    """Kubernetes Events about the workload, shown as the controller reported them."""
    found = []
    for event in events:
        when = parse_time(
            event.get("lastTimestamp")
            or event.get("eventTime")
            or meta(event).get("creationTimestamp")
        )
        if when is None:
            continue
        source = as_dict(event.get("source")).get("component") or event.get("reportingComponent")
        found.append(
            RolloutEvent(
                time=when,
                message=f"{event.get('reason', '')}: {event.get('message', '')}",
                level=EventLevel.WARNING if event.get("type") == "Warning" else EventLevel.INFO,
                actor=str(source) if source else None,
            )
        )
    return found


def workload_revision(
    rs: Obj | None, revision_id: str, role: Role, weight: float, workload: str
) -> Revision:
    """A revision from its ReplicaSet or Deployment; `workload` names it when that is missing."""
    if rs is None:
        return Revision(id=revision_id, role=role, weight=weight, workload=workload)
    containers = as_list(
        as_dict(as_dict(as_dict(rs.get("spec")).get("template")).get("spec")).get("containers")
    )
    images = [str(as_dict(c).get("image")) for c in containers if as_dict(c).get("image")]
    status = as_dict(rs.get("status"))
    return Revision(
        id=revision_id,
        role=role,
        image=", ".join(images) or None,
        replicas=to_int(status.get("replicas")),
        ready_replicas=to_int(status.get("readyReplicas")),
        weight=weight,
        workload=str(meta(rs).get("name") or workload),
    )
