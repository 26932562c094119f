"""The Kubernetes API as the argo, kubernetes and flagger adapters need it.

lightkube does the hard part of connecting: kubeconfig contexts, exec credential plugins, client
certificates and the in-cluster service account. Requests are then made as plain JSON on the
authenticated client it builds, because the adapters read custom resources whose shape changed
across controller versions, and because lightkube's own watch re-watches without a
resourceVersion on 410 instead of relisting, and never asks for bookmarks (see watch.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx2
from lightkube.config.client_adapter import AsyncClient as _authenticated_client
from lightkube.config.client_adapter import ConnectionParams
from lightkube.config.kubeconfig import KubeConfig
from lightkube.core.exceptions import ConfigError

from backends.errors import BackendError, BadResponse, Conflict, NotFound, Unauthorized, Unreachable
from backends.kubernetes.options import KubeOptions

Obj = dict[str, Any]

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

_WATCH_TIMEOUT = httpx2.Timeout(10.0, read=None)


class Expired(Unreachable):
    """The resourceVersion asked for is older than the server's history: relist."""


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
