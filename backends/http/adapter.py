"""The generic HTTP deploy API: the adapter for deploy systems rollwatch has no adapter for.

An in-house deployer implements the endpoints of docs/http-api.openapi.json and rollwatch
speaks to it through this adapter. Nothing here retries: a read is retried by the session with
backoff, and an action must reach the deployer at most once per confirmation.

The deployer is outside rollwatch's control, so its answers are read within limits (a JSON
answer, an event-stream line, one event) and its words reach errors printable and with the
credentials rollwatch sent masked.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from httpx_sse import ServerSentEvent
from pydantic import BaseModel, TypeAdapter, ValidationError

from backends.base import Capability, RolloutsChange
from backends.connection.client import open_client, secrets_hidden
from backends.connection.failures import NO_ANSWER, snippet, status_error, unreachable
from backends.connection.limits import read_response, send_limited
from backends.connection.options import ConnectionOptions
from backends.errors import (
    BackendError,
    BadResponse,
    Conflict,
    NotFound,
    Unreachable,
    Unsupported,
)
from backends.http.api import (
    EVENT_STREAM,
    KEEPALIVE,
    MAX_ANSWER,
    MAX_EVENT,
    ROLLOUTS,
    WATCH,
    AbortRequest,
    ApiError,
    PromoteRequest,
    StreamEvent,
    rollout_path,
)
from backends.http.events import read_events
from backends.model import Expectation, Rollout, RolloutSummary
from backends.registry import AdapterContext, DeployAdapter

WATCH_IDLE = 4 * KEEPALIVE
"""Seconds without a byte after which a watch counts as dead: servers send keepalives."""

SNAPSHOT_EVENTS = frozenset({StreamEvent.ROLLOUT, "message"})
"""Events that carry a snapshot: the API's `rollout`, or an unnamed one (which SSE calls
`message`), as other deployers send; any other event is another server's business."""


@dataclass(frozen=True)
class Limits:
    """Bytes read from the deployer before its answer counts as bad; tests lower them."""

    answer: int = MAX_ANSWER
    event: int = MAX_EVENT


NO_LIST_WATCH = frozenset({400, 404, 405, 501})
"""What a deployer written before the list watch may answer `?watch=true` with (a query it
refuses, a path or method it does not serve), besides ignoring it and sending the plain list."""

_SUMMARIES = TypeAdapter(list[RolloutSummary])
_SUMMARY = TypeAdapter(RolloutSummary)
_ROLLOUT = TypeAdapter(Rollout)
_Model = TypeVar("_Model")


class HttpDeployOptions(ConnectionOptions):
    """The `[deploy]` table of rollwatch.toml for `adapter = "http"`: the connection options."""


class HttpDeployBackend:
    """A DeployBackend over the generic HTTP deploy API."""

    capabilities = frozenset(
        {Capability.PROMOTE, Capability.PROMOTE_FULL, Capability.ABORT, Capability.RETRY}
    )

    def __init__(
        self, options: HttpDeployOptions, *, idle: float = WATCH_IDLE, limits: Limits = Limits()
    ) -> None:
        """`idle` and `limits` are injected so that tests see a silent watch die without
        waiting a minute, and an endless answer cut without sending megabytes."""
        self.options = options
        self._idle = idle
        self._limits = limits
        self._client, self._auth_description, self._mask = open_client(
            options, headers={"Accept": "application/json"}, base_url=options.url
        )

    def __repr__(self) -> str:
        return f"HttpDeployBackend(url={self.options.url!r}, auth={self._auth_description!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def list_rollouts(self) -> list[RolloutSummary]:
        response = await self._send("GET", ROLLOUTS, "the rollout list")
        return _validate(response.content, _SUMMARIES, "the rollout list")

    async def get_rollout(self, rollout_id: str) -> Rollout:
        response = await self._send("GET", rollout_path(rollout_id), rollout_id)
        return _validate(response.content, _ROLLOUT, rollout_id)

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        body = PromoteRequest(expect=expect, full=full)
        return await self._act(rollout_id, "promote", body)

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        return await self._act(rollout_id, "abort", AbortRequest(expect=expect))

    async def retry(self, rollout_id: str) -> Rollout:
        return await self._act(rollout_id, "retry", None)

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        raise Unsupported("the http adapter cannot pause rollouts: the API has no pause endpoint")

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        raise Unsupported("the http adapter cannot resume rollouts: the API has no resume endpoint")

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        """Snapshots from the server's event stream; a cut or silent stream is `Unreachable`.

        A stream the server ends properly just ends; either way the caller reconnects.
        """
        what = f"the watch of {rollout_id}"
        stream = self._events(rollout_path(rollout_id, "watch"), what)
        with secrets_hidden(self._mask):
            async with aclosing(stream) as events:
                async for event in events:
                    if event.data and event.event in SNAPSHOT_EVENTS:
                        yield _validate(event.data, _ROLLOUT, what)

    async def watch_rollouts(self) -> AsyncIterator[RolloutsChange]:
        """The list watch: the whole list, then each rollout added or changed.

        Raises:
            Unsupported: the deployer has no list watch (it refused the query or ignored it);
                the caller re-lists instead.
            Unreachable, Unauthorized, BadResponse.
        """
        what = "the watch of the rollout list"

        def absent(answered: str, detail: str | None) -> Unsupported:
            asked = f"GET {ROLLOUTS}?{WATCH}=true"
            return Unsupported(
                f"the deploy API has no list watch ({asked} answered {answered})", detail=detail
            )

        stream = self._events(ROLLOUTS, what, params={WATCH: "true"}, absent=absent)
        with secrets_hidden(self._mask):
            async with aclosing(stream) as events:
                async for event in events:
                    if not event.data:
                        continue
                    if event.event == StreamEvent.LIST:
                        yield _validate(event.data, _SUMMARIES, what)
                    elif event.event == StreamEvent.SUMMARY:
                        yield _validate(event.data, _SUMMARY, what)

    async def _events(
        self,
        path: str,
        what: str,
        *,
        params: dict[str, str] | None = None,
        absent: Callable[[str, str | None], BackendError] | None = None,
    ) -> AsyncGenerator[ServerSentEvent, None]:
        """The events of a watch, read within `limits.event` and the idle timeout; the caller
        hides the secrets in what it raises.

        `absent` makes the error for an answer that shows the server lacks this watch: a status
        in NO_LIST_WATCH, or a JSON answer; without it those are failures like any other.
        """
        timeout = httpx.Timeout(self.options.timeout, read=self._idle)
        headers = {"Accept": EVENT_STREAM}
        try:
            async with self._client.stream(
                "GET", path, params=params, headers=headers, timeout=timeout
            ) as reply:
                if reply.status_code != 200:
                    answer = await read_response(reply, self._limits.answer, what)
                    if absent is not None and answer.status_code in NO_LIST_WATCH:
                        raise absent(f"HTTP {answer.status_code}", self._words(answer))
                    raise self._failure(answer, what, path)
                kind = reply.headers.get("content-type", "").split(";")[0].strip()
                if absent is not None and kind == "application/json":
                    raise absent(f"with {kind}, not {EVENT_STREAM}", None)
                if kind != EVENT_STREAM:
                    raise BadResponse(
                        f"{what} answered with {kind or 'no content type'}, not {EVENT_STREAM}"
                    )
                stream = read_events(reply.aiter_bytes(), limit=self._limits.event, what=what)
                async with aclosing(stream) as events:
                    async for event in events:
                        yield event
        except httpx.ReadTimeout:
            raise Unreachable(f"{what} went silent for {self._idle:g}s") from None
        except NO_ANSWER as exc:
            detail = str(exc) or type(exc).__name__
            raise Unreachable(f"{what} dropped", detail=detail) from None

    async def _act(self, rollout_id: str, action: str, body: BaseModel | None) -> Rollout:
        what = f"{action} of {rollout_id}"
        payload = body.model_dump(mode="json") if body is not None else None
        response = await self._send("POST", rollout_path(rollout_id, action), what, payload)
        return _validate(response.content, _ROLLOUT, what)

    async def _send(
        self, method: str, path: str, what: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        """One request and its whole answer, read within `limits.answer`."""
        with secrets_hidden(self._mask):
            request = self._client.build_request(method, path, json=body)
            try:
                response = await send_limited(self._client, request, self._limits.answer, what)
            except NO_ANSWER as exc:
                raise unreachable(
                    exc, url=self.options.url, what=what, timeout=self.options.timeout
                ) from None
            if not response.is_success:
                raise self._failure(response, what, path)
            return response

    def _failure(self, response: httpx.Response, what: str, path: str) -> BackendError:
        """The error for a refusal, in the server's own words when it sent the API's error body.

        A conflict is told as the server tells it ("checkout-api moved on: it is at step 3, you
        confirmed step 2"): the user must learn what changed, not just that something did. The
        body is masked before it is cut, so a cut cannot leave half a secret showing.
        """
        code = response.status_code
        said = _said(response)
        if said is not None and code == 409:
            return Conflict(said.message, detail=said.detail)
        if said is not None and code == 404:
            return NotFound(said.message, detail=said.detail)
        return status_error(
            code,
            url=self.options.url,
            endpoint=f"{self.options.url}{path}",
            api="deploy API",
            what=what,
            auth=self._auth_description,
            detail=self._words(response),
        )

    def _words(self, response: httpx.Response) -> str | None:
        """What the server said: its API error, else the start of its body, masked."""
        said = _said(response)
        if said is not None:
            return str(BackendError(said.message, detail=said.detail))
        return snippet(self._mask(response.text)) or None


def _said(response: httpx.Response) -> ApiError | None:
    """The API's error body, if that is what the server sent."""
    try:
        return ApiError.model_validate_json(response.content)
    except ValidationError:
        return None


def _validate(raw: str | bytes, model: TypeAdapter[_Model], what: str) -> _Model:
    """Garbage JSON and JSON of the wrong shape are both a BadResponse naming the first fault."""
    try:
        return model.validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise BadResponse(
            f"the answer for {what} is not what the API defines",
            detail=f"{where}: {first['msg']}",
        ) from None


def _build(options: HttpDeployOptions, context: AdapterContext) -> HttpDeployBackend:
    return HttpDeployBackend(options)


ADAPTER = DeployAdapter(options=HttpDeployOptions, build=_build)
"""The `http` entry point."""
