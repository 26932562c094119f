"""The Kubernetes API as the argo, kubernetes and flagger adapters need it.

lightkube does the hard part of connecting: kubeconfig contexts, exec credential plugins, client
certificates and the in-cluster service account. Requests are then made as plain JSON on the
authenticated client it builds, because the adapters read custom resources whose shape changed
across controller versions, and because lightkube's own watch re-watches without a
resourceVersion on 410 instead of relisting, and never asks for bookmarks.

The watch loop follows the API concepts document: list, watch from the list's resourceVersion
with `allowWatchBookmarks`, move the resourceVersion on with every event and bookmark, relist
when the server says the version expired (HTTP 410, or an in-stream ERROR event whose Status has
code 410 or reason Expired/Gone), and after a dropped stream resume from the last version with
exponential backoff. Only repeated failures reach the caller, as `Unreachable`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

import httpx2
from lightkube.config.client_adapter import AsyncClient as _authenticated_client
from lightkube.config.client_adapter import ConnectionParams
from lightkube.config.kubeconfig import KubeConfig
from lightkube.core.exceptions import ConfigError

from backends.base import BackendError, BadResponse, Conflict, NotFound, Unauthorized, Unreachable
from backends.clock import Clock
from backends.model import Change, EventLevel, Expectation, Revision, Role, Rollout, RolloutEvent

Obj = dict[str, Any]

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

_WATCH_TIMEOUT = httpx2.Timeout(10.0, read=None)


class Expired(Unreachable):
    """The resourceVersion asked for is older than the server's history: relist."""


@dataclass(frozen=True)
class KubeOptions:
    """The options every Kubernetes adapter shares (its table in rollwatch.toml)."""

    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    kubeconfig: str | None = None
    timeout: float = 10.0
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_failures: int = 5

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> KubeOptions:
        """Unknown keys are left to the adapter; wrong types are refused by name."""
        values: dict[str, Any] = {}
        for name, kind in (
            ("context", str),
            ("namespace", str),
            ("all_namespaces", bool),
            ("kubeconfig", str),
            ("timeout", (int, float)),
            ("backoff", (int, float)),
            ("max_backoff", (int, float)),
            ("max_failures", int),
        ):
            if name in options and options[name] is not None:
                if not isinstance(options[name], kind):
                    raise BackendError(
                        f"option {name!r} has the wrong type", detail=repr(options[name])
                    )
                values[name] = options[name]
        return cls(**values)

    def delay(self, failures: int) -> float:
        return float(min(self.max_backoff, self.backoff * 2 ** max(0, failures - 1)))


def error_for(code: int, status: Mapping[str, Any] | None, what: str) -> BackendError:
    """A Kubernetes answer (HTTP code and Status body) as one of the backends.base errors."""
    status = status or {}
    detail = str(status.get("message") or "") or None
    reason = status.get("reason")
    if code == 410 or reason in ("Expired", "Gone"):
        return Expired(f"{what}: resource version expired", detail=detail)
    if code in (401, 403):
        return Unauthorized(f"{what}: the Kubernetes API refused access ({code})", detail=detail)
    if code == 404:
        return NotFound(f"{what}: not found", detail=detail)
    if code == 409:
        return Conflict(f"{what}: conflict", detail=detail)
    if code == 429 or code >= 500:
        return Unreachable(f"{what}: the Kubernetes API answered {code}", detail=detail)
    return BadResponse(f"{what}: the Kubernetes API answered {code}", detail=detail)


def _status_body(response: httpx2.Response) -> Mapping[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class KubeApi:
    """JSON requests on lightkube's authenticated client, failures mapped to BackendError."""

    def __init__(self, client: httpx2.AsyncClient, namespace: str) -> None:
        self._client = client
        self.namespace = namespace

    async def _send(self, method: str, path: str, **kwargs: Any) -> Obj:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx2.TransportError as exc:
            raise Unreachable(
                f"{method} {path}: Kubernetes API unreachable", detail=str(exc)
            ) from exc
        except (ConfigError, OSError) as exc:
            raise _no_credentials(exc) from exc
        if response.status_code >= 400:
            raise error_for(response.status_code, _status_body(response), f"{method} {path}")
        try:
            body = response.json()
        except ValueError as exc:
            raise BadResponse(f"{method} {path}: not JSON", detail=response.text[:200]) from exc
        if not isinstance(body, dict):
            raise BadResponse(f"{method} {path}: not a JSON object")
        return body

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Obj:
        return await self._send("GET", path, params=dict(params or {}))

    async def list(self, path: str, params: Mapping[str, str]) -> tuple[list[Obj], str]:
        """The items and the list's resourceVersion, the point a watch starts from."""
        body = await self.get(path, params)
        items = [item for item in body.get("items") or [] if isinstance(item, dict)]
        return items, str((body.get("metadata") or {}).get("resourceVersion") or "")

    async def patch(self, path: str, body: object, content_type: str) -> Obj:
        content = json.dumps(body, separators=(",", ":")).encode()
        return await self._send(
            "PATCH", path, content=content, headers={"Content-Type": content_type}
        )

    async def stream(self, path: str, params: Mapping[str, str]) -> AsyncIterator[Obj]:
        """The events of one watch request, until the server ends or drops the stream."""
        what = f"watch {path}"
        try:
            async with self._client.stream(
                "GET", path, params=dict(params), timeout=_WATCH_TIMEOUT
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_for(response.status_code, _status_body(response), what)
                async for line in response.aiter_lines():
                    if line.strip():
                        yield _decode_event(line, what)
        except httpx2.TransportError as exc:
            raise Unreachable(f"{what}: stream dropped", detail=str(exc)) from exc
        except (ConfigError, OSError) as exc:
            raise _no_credentials(exc) from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _no_credentials(exc: Exception) -> Unauthorized:
    """An exec credential plugin or token file failed while a request was being signed."""
    return Unauthorized("could not obtain Kubernetes credentials", detail=str(exc))


def _decode_event(line: str, what: str) -> Obj:
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise BadResponse(f"{what}: garbled event", detail=line[:200]) from exc
    if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
        raise BadResponse(f"{what}: event without an object", detail=line[:200])
    return event


def connect(options: KubeOptions) -> KubeApi:
    """Load the kubeconfig (or the in-cluster service account) and build the client."""
    try:
        if options.kubeconfig:
            config = KubeConfig.from_file(options.kubeconfig)
        else:
            config = KubeConfig.from_env()
        single = config.get(options.context)
        if single is None or single.user is None:
            raise ConfigError("the context has no user")
        params = ConnectionParams(timeout=httpx2.Timeout(options.timeout))
        client = _authenticated_client(single, params)
    except (ConfigError, KeyError, OSError) as exc:
        source = options.kubeconfig or "KUBECONFIG / ~/.kube/config / in-cluster"
        raise BackendError(
            f"cannot use the Kubernetes configuration ({source})", detail=str(exc)
        ) from exc
    return KubeApi(client, options.namespace or single.namespace)


def resource_path(
    api_version: str, plural: str, namespace: str | None, name: str | None = None, sub: str = ""
) -> str:
    """`/api/v1/...` for the core group, `/apis/<group>/<version>/...` for the others."""
    parts = ["api", api_version] if "/" not in api_version else ["apis", *api_version.split("/")]
    if namespace is not None:
        parts += ["namespaces", namespace]
    parts.append(plural)
    if name is not None:
        parts.append(name)
    if sub:
        parts.append(sub)
    return "/" + "/".join(parts)


def split_id(rollout_id: str, default_namespace: str) -> tuple[str, str]:
    namespace, _, name = rollout_id.rpartition("/")
    if not name:
        raise NotFound(f"{rollout_id!r} is not a rollout id (namespace/name)")
    return namespace or default_namespace, name


def selector(labels: Mapping[str, Any] | None) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items()))


@dataclass
class WatchEvent:
    """`SYNC` carries the full list after a (re)list; the others carry one object."""

    type: str
    objects: list[Obj]


async def list_and_watch(
    api: KubeApi, path: str, params: Mapping[str, str], *, clock: Clock, options: KubeOptions
) -> AsyncIterator[WatchEvent]:
    while True:
        items, version = await api.list(path, params)
        yield WatchEvent("SYNC", items)
        failures = 0
        while True:
            query = {**params, "watch": "true", "allowWatchBookmarks": "true"}
            if version:
                query["resourceVersion"] = version
            try:
                async for event in api.stream(path, query):
                    failures = 0
                    kind, obj = event.get("type"), event["object"]
                    if kind == "ERROR":
                        raise error_for(int(obj.get("code") or 500), obj, f"watch {path}")
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    if kind in ("ADDED", "MODIFIED", "DELETED"):
                        yield WatchEvent(kind, [obj])
            except Expired:
                break
            except Unreachable:
                failures += 1
                if failures >= options.max_failures:
                    raise
                await clock.sleep(options.delay(failures))
            else:
                failures = 0


def object_key(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace') or ''}/{meta.get('name') or ''}"


@dataclass
class Source:
    """One list+watch a snapshot is built from, with the objects it currently holds."""

    path: str
    params: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Obj] = field(default_factory=dict)
    synced: bool = False

    def apply(self, event: WatchEvent) -> None:
        if event.type == "SYNC":
            self.objects = {object_key(obj): obj for obj in event.objects}
            self.synced = True
        elif event.type == "DELETED":
            for obj in event.objects:
                self.objects.pop(object_key(obj), None)
        else:
            for obj in event.objects:
                self.objects[object_key(obj)] = obj

    def items(self) -> list[Obj]:
        return list(self.objects.values())


async def watch_sources(
    api: KubeApi, sources: Iterable[Source], *, clock: Clock, options: KubeOptions
) -> AsyncIterator[None]:
    """Ticks once every source has listed, then once per batch of changes.

    Changes that arrive while the consumer is busy are coalesced into one tick, so a burst of
    ReplicaSet updates costs one snapshot. The first failure of any source ends the iteration.
    """
    watched = list(sources)
    queue: asyncio.Queue[BaseException | None] = asyncio.Queue()

    async def pump(source: Source) -> None:
        try:
            async for event in list_and_watch(
                api, source.path, source.params, clock=clock, options=options
            ):
                source.apply(event)
                queue.put_nowait(None)
        except Exception as exc:
            queue.put_nowait(exc)

    tasks = [asyncio.create_task(pump(source)) for source in watched]
    try:
        while True:
            item = await queue.get()
            while True:
                if item is not None:
                    raise item
                if queue.empty():
                    break
                item = queue.get_nowait()
            if all(source.synced for source in watched):
                yield None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


DEFAULT_CHANGE_ANNOTATIONS = {
    "sha": "rollwatch.io/commit",
    "title": "rollwatch.io/title",
    "author": "rollwatch.io/author",
    "merged_by": "rollwatch.io/merged-by",
    "url": "rollwatch.io/url",
}
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


def condition_since(status: Obj, reason: str) -> datetime | None:
    """When the condition with this reason last changed: how long a pause has lasted."""
    for cond in (as_dict(c) for c in as_list(status.get("conditions"))):
        if cond.get("reason") == reason:
            return parse_time(cond.get("lastTransitionTime"))
    return None


def change_keys(options: Mapping[str, Any]) -> dict[str, str]:
    """The annotation keys a Change is read from; `change_annotations` overrides any of them."""
    overrides = options.get("change_annotations") or {}
    if not isinstance(overrides, dict) or set(overrides) - set(DEFAULT_CHANGE_ANNOTATIONS):
        known = ", ".join(DEFAULT_CHANGE_ANNOTATIONS)
        raise BackendError(f"option 'change_annotations' takes a table with the keys {known}")
    return {**DEFAULT_CHANGE_ANNOTATIONS, **{k: str(v) for k, v in overrides.items()}}


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


def check_expectation(expect: Expectation, current: Rollout) -> None:
    """Refuse, before any write, an action confirmed on a rollout that has since moved on."""
    changed = []
    if expect.version is not None and expect.version != current.version:
        changed.append(f"resourceVersion {expect.version} -> {current.version}")
    if expect.step is not None and expect.step != current.current_step:
        changed.append(f"step {expect.step} -> {current.current_step}")
    canary = current.canary.id if current.canary else None
    if expect.canary_revision is not None and expect.canary_revision != canary:
        changed.append(f"canary revision {expect.canary_revision} -> {canary}")
    if changed:
        raise Conflict(f"{current.id} moved on since it was confirmed", detail="; ".join(changed))


class SnapshotBackend:
    """What the three Kubernetes adapters share: a rollout is a join of watched lists.

    A subclass names the primary object's path, the lists a snapshot needs (`sources`) and how
    they become a Rollout (`assemble`); reading once and watching then use the same code.
    """

    def __init__(
        self,
        api: KubeApi,
        options: KubeOptions,
        clock: Clock,
        *,
        keys: Mapping[str, str] = DEFAULT_CHANGE_ANNOTATIONS,
        events: bool = False,
    ) -> None:
        self._api = api
        self._options = options
        self._clock = clock
        self._keys = dict(keys)
        self._events = events

    @classmethod
    def from_options(cls, options: Mapping[str, Any], clock: Clock, **extra: Any) -> Self:
        """The adapter for one `[deploy]` table: connection, change keys, `events`."""
        kube = KubeOptions.parse(options)
        keys, events = change_keys(options), bool(options.get("events", False))
        return cls(connect(kube), kube, clock, keys=keys, events=events, **extra)

    def primary_path(self, namespace: str | None, name: str | None = None, sub: str = "") -> str:
        raise NotImplementedError

    def sources(self, primary: Obj) -> dict[str, Source]:
        raise NotImplementedError

    def assemble(self, sources: dict[str, Source]) -> Rollout:
        raise NotImplementedError

    def _namespaces(self) -> str | None:
        return None if self._options.all_namespaces else self._api.namespace

    async def _read(self, rollout_id: str) -> tuple[Obj, Rollout]:
        namespace, name = split_id(rollout_id, self._api.namespace)
        primary = await self._api.get(self.primary_path(namespace, name))
        sources = self.sources(primary)
        for key, source in sources.items():
            if key == "primary":
                source.apply(WatchEvent("SYNC", [primary]))
            else:
                source.apply(
                    WatchEvent("SYNC", (await self._api.list(source.path, source.params))[0])
                )
        return primary, self.assemble(sources)

    async def get_rollout(self, rollout_id: str) -> Rollout:
        return (await self._read(rollout_id))[1]

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        namespace, name = split_id(rollout_id, self._api.namespace)
        sources = self.sources(await self._api.get(self.primary_path(namespace, name)))
        last: Rollout | None = None
        async for _ in watch_sources(
            self._api, sources.values(), clock=self._clock, options=self._options
        ):
            if not sources["primary"].objects:
                raise NotFound(f"{namespace}/{name} has been deleted")
            snapshot = self.assemble(sources)
            if snapshot != last:
                last = snapshot
                yield snapshot

    def with_events(self, primary: Obj, sources: dict[str, Source]) -> dict[str, Source]:
        """Adds the Kubernetes Events about the primary object when `events` asks for them."""
        if self._events:
            md = meta(primary)
            involved = (
                f"involvedObject.kind={primary.get('kind')},involvedObject.name={md.get('name')}"
            )
            path = resource_path("v1", "events", str(md.get("namespace") or self._api.namespace))
            sources["events"] = Source(path, {"fieldSelector": involved})
        return sources

    @staticmethod
    def events_of(sources: dict[str, Source]) -> list[Obj] | None:
        return sources["events"].items() if "events" in sources else None

    def primary_source(self, primary: Obj) -> Source:
        md = meta(primary)
        path = self.primary_path(str(md.get("namespace") or self._api.namespace))
        return Source(path, {"fieldSelector": f"metadata.name={md.get('name')}"})

    async def aclose(self) -> None:
        await self._api.aclose()
