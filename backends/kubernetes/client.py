"""The Kubernetes API as the argo, kubernetes and flagger adapters need it.

lightkube does the hard part of connecting: kubeconfig contexts, exec credential plugins, client
certificates and the in-cluster service account. Requests are then made as plain JSON on the
authenticated client it builds, because the adapters read custom resources whose shape changed
across controller versions, and because lightkube's own watch re-watches without a
resourceVersion on 410 instead of relisting, and never asks for bookmarks (see watch.py).

Answers are read within limits (a list body, a watch line) and the API's words reach errors
printable and with the kubeconfig's credentials masked; an id becomes path segments only through
`split_id`, which refuses what is not `namespace/name`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
from lightkube.config.client_adapter import AsyncClient as _authenticated_client
from lightkube.config.client_adapter import ConnectionParams
from lightkube.config.kubeconfig import KubeConfig
from lightkube.config.models import User
from lightkube.core.exceptions import ConfigError

from backends.connection.client import secrets_hidden
from backends.connection.failures import snippet
from backends.connection.limits import limited_lines, read_limited
from backends.errors import (
    BackendError,
    BadResponse,
    Conflict,
    InvalidId,
    NotFound,
    Unauthorized,
    Unreachable,
)
from backends.ids import id_parts, shown_id
from backends.kubernetes.options import KubeOptions
from backends.text_safety import SecretMask, is_secret_name

Obj = dict[str, Any]

MAX_ANSWER = 256 << 20
"""Bytes of one answer: a list of every ReplicaSet in a big namespace fits with room to spare."""
MAX_EVENT = 16 << 20
"""Bytes of one watch event line: etcd stores objects of at most 1.5 MiB."""

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

_WATCH_TIMEOUT = httpx2.Timeout(10.0, read=None)


class Expired(Unreachable):
    """The resourceVersion asked for is older than the server's history: relist."""


def error_for(code: int, status: Mapping[str, Any] | None, what: str) -> BackendError:
    """A Kubernetes answer (HTTP code and Status body) as one of the backends.base errors."""
    status = status or {}
    detail = snippet(str(status.get("message") or "")) or None
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


def _status_of(body: bytes) -> Mapping[str, Any] | None:
    try:
        status = json.loads(body)
    except ValueError:
        return None
    return status if isinstance(status, dict) else None


class KubeApi:
    """JSON requests on lightkube's authenticated client, failures mapped to BackendError.

    `mask` hides the kubeconfig's credentials in every error raised here.
    """

    def __init__(
        self, client: httpx2.AsyncClient, namespace: str, mask: SecretMask | None = None
    ) -> None:
        self._client = client
        self.namespace = namespace
        self._mask = mask or SecretMask()

    async def _send(self, method: str, path: str, **kwargs: Any) -> Obj:
        what = f"{method} {path}"
        with secrets_hidden(self._mask):
            try:
                request = self._client.build_request(method, path, **kwargs)
                response = await self._client.send(request, stream=True)
                try:
                    raw = await read_limited(response.aiter_bytes(), MAX_ANSWER, what)
                finally:
                    await response.aclose()
            except httpx2.TransportError as exc:
                raise Unreachable(f"{what}: Kubernetes API unreachable", detail=str(exc)) from exc
            except (ConfigError, OSError) as exc:
                raise _no_credentials(exc) from exc
            if response.status_code >= 400:
                raise error_for(response.status_code, _status_of(raw), what)
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise BadResponse(f"{what}: not JSON", detail=_shown(raw, self._mask)) from exc
            if not isinstance(body, dict):
                raise BadResponse(f"{what}: not a JSON object")
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
        with secrets_hidden(self._mask):
            try:
                async with self._client.stream(
                    "GET", path, params=dict(params), timeout=_WATCH_TIMEOUT
                ) as response:
                    if response.status_code >= 400:
                        raw = await read_limited(response.aiter_bytes(), MAX_ANSWER, what)
                        raise error_for(response.status_code, _status_of(raw), what)
                    async for line in limited_lines(response.aiter_bytes(), MAX_EVENT, what):
                        if line.strip():
                            yield _decode_event(line, what, self._mask)
            except httpx2.TransportError as exc:
                raise Unreachable(f"{what}: stream dropped", detail=str(exc)) from exc
            except (ConfigError, OSError) as exc:
                raise _no_credentials(exc) from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _no_credentials(exc: Exception) -> Unauthorized:
    """An exec credential plugin or token file failed while a request was being signed."""
    return Unauthorized("could not obtain Kubernetes credentials", detail=str(exc))


def _decode_event(line: bytes, what: str, mask: SecretMask) -> Obj:
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise BadResponse(f"{what}: garbled event", detail=_shown(line, mask)) from exc
    if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
        raise BadResponse(f"{what}: event without an object", detail=_shown(line, mask))
    return event


def _shown(raw: bytes, mask: SecretMask) -> str:
    """The start of what the API sent, for an error: masked before it is cut, so that no part
    of a secret is left at the cut."""
    return snippet(mask(raw.decode(errors="replace")))


def credential_mask(user: User) -> SecretMask:
    """Every credential a kubeconfig user holds, to be masked wherever the API quotes it: the
    token (and the token file's), basic auth, a client key, an auth provider's tokens and
    an exec plugin's secret-named environment."""
    mask = SecretMask()
    for value in (user.token, user.client_key_data):
        if value:
            mask.add(value)
    if user.token_file:
        with contextlib.suppress(OSError):
            mask.add(Path(user.token_file).read_text().strip())
    if user.username and user.password:
        mask.add_basic(user.username, user.password)
    provider = (user.auth_provider or {}).get("config") or {}
    for key, value in provider.items():
        if isinstance(value, str) and (is_secret_name(key) or key.endswith("-token")):
            mask.add(value)
    for item in (user.exec.env or []) if user.exec else []:
        if is_secret_name(item.name):
            mask.add(item.value)
    return mask


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
    return KubeApi(client, options.namespace or single.namespace, credential_mask(single.user))


def resource_path(
    api_version: str, plural: str, namespace: str | None, name: str | None = None, sub: str = ""
) -> str:
    """`/api/v1/...` for the core group, `/apis/<group>/<version>/...` for the others; the
    namespace and the name are percent-encoded, each as one segment."""
    parts = ["api", api_version] if "/" not in api_version else ["apis", *api_version.split("/")]
    if namespace is not None:
        parts += ["namespaces", quote(namespace, safe="")]
    parts.append(plural)
    if name is not None:
        parts.append(quote(name, safe=""))
    if sub:
        parts.append(sub)
    return "/" + "/".join(parts)


def split_id(rollout_id: str, default_namespace: str) -> tuple[str, str]:
    """`namespace/name`, or a bare name in `default_namespace`.

    Raises:
        InvalidId: not one of those two forms, or a part no URL may carry (see backends.ids).
    """
    parts = id_parts(rollout_id)
    if len(parts) > 2:
        raise InvalidId(
            f"{shown_id(rollout_id)} is not a rollout id: Kubernetes ids are namespace/name, "
            "or a name"
        )
    return (parts[0] if len(parts) == 2 else default_namespace), parts[-1]
