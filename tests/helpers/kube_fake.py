"""A fake Kubernetes API server, served over real HTTP on loopback.

It is a fake because no API server (kind, k3s, envtest) can run on this machine. It models the
parts of the API the adapters rely on, as the API concepts document and apimachinery describe
them, and nothing else:

- one resourceVersion counter over all objects, bumped by every write and carried by lists;
- lists with equality, inequality and existence label selectors and dotted field selectors;
- watches as chunked JSON lines: from a resourceVersion, the events after it; without one,
  synthetic ADDED events for what exists; BOOKMARK events for watchers that allow them; a
  version older than the compacted history answered by an in-stream ERROR event carrying a
  Status with code 410 and reason Expired (or Gone, as servers up to 1.17 sent);
- GET and PATCH on the main resource and the /status subresource with status-subresource
  semantics (the main endpoint keeps the old status, /status keeps everything else, a kind
  configured without the subresource answers 404 on /status, as Argo Rollouts v0.9 did);
  metadata.generation bumped by spec changes;
- JSON merge patches (RFC 7386), JSON patches (RFC 6902) and strategic merge patches, the last
  applied as merge patches, which is exact for the map-only patches kubectl pause/resume send;
- bearer-token authentication answering 401, injected failures answering 5xx;
- dropped watch connections (the socket aborted mid-stream).

Every request is recorded with its method, path, query, content type and body, and
`wait_for` lets a test wait on any condition over the recorded traffic and the watchers.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from backends.clock import Clock
from backends.registry import AdapterContext, DeployAdapter

Obj = dict[str, Any]
Key = tuple[str, str, str, str]

KINDS = {
    ("argoproj.io/v1alpha1", "rollouts"): "Rollout",
    ("argoproj.io/v1alpha1", "analysisruns"): "AnalysisRun",
    ("flagger.app/v1beta1", "canaries"): "Canary",
    ("apps/v1", "deployments"): "Deployment",
    ("apps/v1", "replicasets"): "ReplicaSet",
    ("v1", "events"): "Event",
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    content_type: str | None
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Watcher:
    kind: tuple[str, str]
    namespace: str | None
    query: dict[str, str]
    queue: asyncio.Queue[tuple[str, Obj] | None] = field(default_factory=asyncio.Queue)
    writer: asyncio.StreamWriter | None = None

    def wants(self, key: Key, obj: Obj) -> bool:
        if key[:2] != self.kind or (self.namespace is not None and key[2] != self.namespace):
            return False
        return matches(obj, self.query)


def _walk(obj: Obj, path: str) -> str | None:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if value is None else str(value)


def matches(obj: Obj, query: dict[str, str]) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for term in filter(None, query.get("labelSelector", "").split(",")):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k) != v:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    for term in filter(None, query.get("fieldSelector", "").split(",")):
        negate = "!=" in term
        k, v = term.replace("!=", "=").replace("==", "=").split("=", 1)
        if (_walk(obj, k) == v) == negate:
            return False
    return True


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: Obj, operations: list[Obj]) -> Obj:
    """RFC 6902 add, replace and remove on object members."""
    result = copy.deepcopy(target)
    for op in operations:
        *parents, last = [
            p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]
        ]
        node = result
        for part in parents:
            node = node[part]
        if op["op"] in ("add", "replace"):
            if op["op"] == "replace" and last not in node:
                raise KeyError(op["path"])
            node[last] = copy.deepcopy(op["value"])
        elif op["op"] == "remove":
            del node[last]
        else:
            raise ValueError(f"unsupported op {op['op']}")
    return result


def status_body(code: int, reason: str, message: str) -> Obj:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class LoopbackServer:
    """HTTP/1.1 on 127.0.0.1 with keep-alive, recording every request it answers."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.url = ""
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[Any]] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in self._connections:
                writer.transport.abort()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await self._server.wait_closed()

    async def handle(
        self, req: Recorded, headers: dict[str, str], writer: asyncio.StreamWriter
    ) -> bool:
        raise NotImplementedError

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(wake())

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait, without sleeping, until `condition` holds; it is checked after every change."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(condition)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._connections.add(writer)
        self._handlers.add(handler)
        try:
            while request := await self._read(reader):
                if not await self.handle(*request, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._connections.discard(writer)
            self._handlers.discard(handler)
            writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> tuple[Recorded, dict[str, str]] | None:
        line = await reader.readline()
        if not line.strip():
            return None
        method, target, _ = line.decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()).strip():
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        url = urlsplit(target)
        query = dict(parse_qsl(url.query))
        recorded = Recorded(method, url.path, query, headers.get("content-type"), body)
        self.requests.append(recorded)
        self._notify()
        return recorded, headers

    async def _respond(self, writer: asyncio.StreamWriter, code: int, body: Any) -> bool:
        text = isinstance(body, str)
        data = body.encode() if text else json.dumps(body).encode()
        kind = "text/plain" if text else "application/json"
        head = f"HTTP/1.1 {code} X\r\nContent-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n"
        writer.write(head.encode() + data)
        await writer.drain()
        return True


class FakeKube(LoopbackServer):
    """The API server; tests seed it with `put` and change it as a controller would."""

    def __init__(self, token: str = "fake-token") -> None:
        self.token = token
        self.objects: dict[Key, Obj] = {}
        self.version = 1000
        self.compacted = 0
        self.history: list[tuple[int, str, Key, Obj]] = []
        self.watchers: list[Watcher] = []
        self.without_status_subresource: set[tuple[str, str]] = set()
        self.failures: list[tuple[int, Callable[[Recorded], bool]]] = []
        super().__init__()

    async def stop(self) -> None:
        """Stop listening and cut every open connection, as a crashed API server would."""
        self.drop_watches()
        await super().stop()

    def kubeconfig(self, directory: Path, namespace: str = "default") -> Path:
        path = directory / "kubeconfig"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": self.token}}],
            "contexts": [
                {
                    "name": "fake",
                    "context": {"cluster": "fake", "user": "tester", "namespace": namespace},
                }
            ],
            "current-context": "fake",
        }
        path.write_text(json.dumps(config))
        return path

    # -- the object store, as controllers write it -------------------------------------------

    @staticmethod
    def key(obj: Obj) -> Key:
        api_version, kind = obj["apiVersion"], obj["kind"]
        plural = next(p for (v, p), k in KINDS.items() if v == api_version and k == kind)
        md = obj["metadata"]
        return api_version, plural, md.get("namespace", "default"), md["name"]

    def _emit(self, kind: str, key: Key, obj: Obj) -> None:
        self.history.append((self.version, kind, key, copy.deepcopy(obj)))
        for watcher in self.watchers:
            if watcher.wants(key, obj):
                watcher.queue.put_nowait((kind, copy.deepcopy(obj)))
        self._notify()

    def _store(self, key: Key, obj: Obj) -> Obj:
        self.version += 1
        obj = copy.deepcopy(obj)
        md = obj.setdefault("metadata", {})
        md["resourceVersion"] = str(self.version)
        md.setdefault("namespace", key[2])
        md.setdefault("uid", f"uid-{key[1]}-{key[3]}")
        md.setdefault("generation", 1)
        kind = "MODIFIED" if key in self.objects else "ADDED"
        self.objects[key] = obj
        self._emit(kind, key, obj)
        return copy.deepcopy(obj)

    def put(self, obj: Obj) -> Obj:
        return self._store(self.key(obj), obj)

    def get(self, api_version: str, plural: str, namespace: str, name: str) -> Obj:
        return copy.deepcopy(self.objects[(api_version, plural, namespace, name)])

    def update(self, obj: Obj, change: Callable[[Obj], None]) -> Obj:
        """Let a test act as the controller: change the stored object in place and write it."""
        current = copy.deepcopy(self.objects[self.key(obj)])
        change(current)
        return self._store(self.key(obj), current)

    def delete(self, obj: Obj) -> None:
        key = self.key(obj)
        gone = self.objects.pop(key)
        self.version += 1
        gone["metadata"]["resourceVersion"] = str(self.version)
        self._emit("DELETED", key, gone)

    def compact(self) -> None:
        """Forget the event history, as etcd compaction does after about five minutes."""
        self.compacted = self.version
        self.history.clear()

    def expire_watches(self, reason: str = "Expired") -> None:
        """Tell every open watch its version is gone, in-stream, then end it."""
        error = status_body(410, reason, "too old resource version")
        for watcher in self.watchers:
            watcher.queue.put_nowait(("ERROR", error))
            watcher.queue.put_nowait(None)

    def end_watches(self) -> None:
        """End every open watch cleanly, as the server does when its watch timeout passes."""
        for watcher in self.watchers:
            watcher.queue.put_nowait(None)

    def drop_watches(self) -> None:
        """Cut every open watch mid-stream: the client sees the connection break."""
        for watcher in self.watchers:
            if watcher.writer is not None:
                watcher.writer.transport.abort()
            watcher.queue.put_nowait(("DROP", {}))

    def bookmark(self) -> None:
        for watcher in self.watchers:
            if watcher.query.get("allowWatchBookmarks") == "true":
                kind = KINDS[watcher.kind]
                body = {
                    "kind": kind,
                    "apiVersion": watcher.kind[0],
                    "metadata": {"resourceVersion": str(self.version)},
                }
                watcher.queue.put_nowait(("BOOKMARK", body))

    def fail(self, code: int, when: Callable[[Recorded], bool], times: int = 1) -> None:
        self.failures += [(code, when)] * times

    def patches(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "PATCH"]

    async def handle(
        self, req: Recorded, headers: dict[str, str], writer: asyncio.StreamWriter
    ) -> bool:
        if headers.get("authorization") != f"Bearer {self.token}":
            return await self._respond(
                writer, 401, status_body(401, "Unauthorized", "Unauthorized")
            )
        for failure in self.failures:
            if failure[1](req):
                self.failures.remove(failure)
                return await self._respond(
                    writer, failure[0], status_body(failure[0], "InternalError", "injected failure")
                )
        parts = req.path.strip("/").split("/")
        api_version = parts[1] if parts[0] == "api" else f"{parts[1]}/{parts[2]}"
        rest = parts[2:] if parts[0] == "api" else parts[3:]
        namespace = None
        if rest[:1] == ["namespaces"]:
            namespace, rest = rest[1], rest[2:]
        plural, name, sub = (
            rest[0],
            rest[1] if len(rest) > 1 else None,
            rest[2] if len(rest) > 2 else "",
        )
        kind = (api_version, plural)
        if kind not in KINDS:
            return await self._respond(
                writer,
                404,
                status_body(404, "NotFound", "the server could not find the requested resource"),
            )
        if name is None and req.query.get("watch") in ("true", "1"):
            return await self._watch(writer, Watcher(kind, namespace, req.query))
        if name is None:
            return await self._respond(writer, 200, self._list(kind, namespace, req.query))
        key = (api_version, plural, namespace or "default", name)
        if key not in self.objects or (sub == "status" and kind in self.without_status_subresource):
            what = f'{plural}.{api_version.split("/")[0]} "{name}" not found'
            return await self._respond(writer, 404, status_body(404, "NotFound", what))
        if req.method == "GET":
            return await self._respond(writer, 200, self.objects[key])
        if req.method == "PATCH":
            return await self._patch(writer, key, sub, req)
        return await self._respond(writer, 405, status_body(405, "MethodNotAllowed", req.method))

    def _list(self, kind: tuple[str, str], namespace: str | None, query: dict[str, str]) -> Obj:
        items = [
            copy.deepcopy(obj)
            for key, obj in sorted(self.objects.items())
            if key[:2] == kind
            and (namespace is None or key[2] == namespace)
            and matches(obj, query)
        ]
        return {
            "kind": f"{KINDS[kind]}List",
            "apiVersion": kind[0],
            "metadata": {"resourceVersion": str(self.version)},
            "items": items,
        }

    async def _patch(self, writer: asyncio.StreamWriter, key: Key, sub: str, req: Recorded) -> bool:
        current = self.objects[key]
        try:
            if req.content_type in (
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
            ):
                patched = merge_patch(current, req.json())
            elif req.content_type == "application/json-patch+json":
                patched = json_patch(current, req.json())
            else:
                return await self._respond(
                    writer, 415, status_body(415, "UnsupportedMediaType", str(req.content_type))
                )
        except (KeyError, ValueError, TypeError) as exc:
            return await self._respond(writer, 422, status_body(422, "Invalid", str(exc)))
        kind = key[:2]
        if sub == "status":
            patched = {**copy.deepcopy(current), "status": patched.get("status")}
        elif kind not in self.without_status_subresource:
            patched["status"] = copy.deepcopy(current.get("status"))
        if patched.get("spec") != current.get("spec"):
            patched["metadata"]["generation"] = int(current["metadata"].get("generation", 1)) + 1
        return await self._respond(writer, 200, self._store(key, patched))

    async def _watch(self, writer: asyncio.StreamWriter, watcher: Watcher) -> bool:
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
        writer.write(head.encode() + b"\r\n\r\n")
        version = watcher.query.get("resourceVersion")
        if version and version != "0" and int(version) < self.compacted:
            watcher.queue.put_nowait(
                (
                    "ERROR",
                    status_body(
                        410, "Expired", f"too old resource version: {version} ({self.compacted})"
                    ),
                )
            )
            watcher.queue.put_nowait(None)
        elif version and version != "0":
            for rv, kind, key, obj in self.history:
                if rv > int(version) and watcher.wants(key, obj):
                    watcher.queue.put_nowait((kind, copy.deepcopy(obj)))
        else:
            for key, obj in sorted(self.objects.items()):
                if watcher.wants(key, obj):
                    watcher.queue.put_nowait(("ADDED", copy.deepcopy(obj)))
        watcher.writer = writer
        self.watchers.append(watcher)
        self._notify()
        try:
            while (event := await watcher.queue.get()) is not None:
                if event[0] == "DROP":
                    return False
                line = json.dumps({"type": event[0], "object": event[1]}).encode() + b"\n"
                writer.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return True
        finally:
            self.watchers.remove(watcher)
            self._notify()


class FakeLoadTester(LoopbackServer):
    """Flagger's load tester gates (`pkg/loadtester/server.go`): closed unless opened.

    Open and close answer 202 and take `{"name", "namespace"}`; the checks answer 200
    "Approved" or 403 "Forbidden"; an unparsable body is a 400; the method is not checked.
    """

    def __init__(self) -> None:
        super().__init__()
        self.open: set[str] = set()

    async def handle(
        self, req: Recorded, headers: dict[str, str], writer: asyncio.StreamWriter
    ) -> bool:
        prefix, _, action = req.path.strip("/").rpartition("/")
        try:
            payload = req.json()
            name = f"{payload['name']}.{payload['namespace']}"
        except (ValueError, KeyError, TypeError):
            return await self._respond(writer, 400, "bad request")
        key = name if prefix == "gate" else f"rollback.{name}"
        if prefix not in ("gate", "rollback"):
            return await self._respond(writer, 404, "not found")
        if action == "open":
            self.open.add(key)
        elif action == "close":
            self.open.discard(key)
        elif action == "check":
            allowed = key in self.open
            return await self._respond(
                writer, 200 if allowed else 403, "Approved" if allowed else "Forbidden"
            )
        else:
            return await self._respond(writer, 404, "not found")
        self._notify()
        return await self._respond(writer, 202, "")

    def calls(self) -> list[tuple[str, Any]]:
        return [(r.path, r.json()) for r in self.requests]


@contextlib.asynccontextmanager
async def serving(directory: Path) -> AsyncIterator[FakeKube]:
    """A started fake with its kubeconfig written to `directory`, stopped afterwards."""
    fake = FakeKube()
    await fake.start()
    fake.kubeconfig(directory)
    try:
        yield fake
    finally:
        await fake.stop()


def options(directory: Path, **extra: Any) -> dict[str, Any]:
    """Adapter options pointing at the fake; backoff 0 so reconnects never wait."""
    return {"kubeconfig": str(directory / "kubeconfig"), "backoff": 0, **extra}


def build(adapter: DeployAdapter[Any], table: dict[str, Any], clock: Clock | None = None) -> Any:
    """The adapter built from a `[deploy]` table as the config builds it: validated first."""
    context = AdapterContext(clock=clock) if clock is not None else AdapterContext()
    return adapter.build(adapter.options.model_validate(table), context)


def replicaset(
    owner: Obj,
    pod_hash: str,
    revision: int,
    *,
    replicas: int,
    available: int | None = None,
    image: str = "registry.example.com/web:1",
    hash_label: str = "rollouts-pod-template-hash",
    revision_key: str = "rollout.argoproj.io/revision",
    template_annotations: dict[str, str] | None = None,
) -> Obj:
    """A ReplicaSet as the Argo or Deployment controller writes it for one template hash."""
    md = owner["metadata"]
    labels = {**owner["spec"]["selector"]["matchLabels"], hash_label: pod_hash}
    ready = replicas if available is None else available
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{md['name']}-{pod_hash}",
            "namespace": md.get("namespace", "default"),
            "labels": labels,
            "annotations": {revision_key: str(revision)},
            "creationTimestamp": "2026-03-01T10:00:00Z",
            "ownerReferences": [
                {
                    "apiVersion": owner["apiVersion"],
                    "kind": owner["kind"],
                    "name": md["name"],
                    "uid": md.get("uid", f"uid-{md['name']}"),
                    "controller": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": template_annotations or {}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
        "status": {
            "replicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }
