"""The reference server of the generic HTTP deploy API: the simulator, served over HTTP.

In-house deployers read it to learn the contract, the `http` adapter is tested against it, and a
real Prometheus scrapes its `/metrics`, so the whole path from a store to the screen runs without
a cluster. Only `/api/v1/*` needs the bearer token: `/metrics` is open, as a service's metrics
port usually is to the scraper next to it.

It also shows a deployer what to refuse: an id that is not one (a `..` part, a control
character) with 400, a `watch` parameter that is neither true nor false with 400, a request
body over MAX_REQUEST_BODY with 413 before reading it, a request without the token before
reading anything.
"""

from __future__ import annotations

import hmac
import math
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import uvicorn
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backends.base import RolloutsChange
from backends.clock import SystemClock
from backends.errors import BackendError, Conflict, InvalidId, NotFound
from backends.http.api import (
    KEEPALIVE,
    MAX_REQUEST_BODY,
    ROLLOUTS,
    STATUS,
    WATCH,
    AbortRequest,
    ApiError,
    ErrorKind,
    PromoteRequest,
    StreamEvent,
)
from backends.ids import id_parts
from backends.model import Rollout, RolloutSummary
from backends.simulator.adapter import Simulator
from tui.sim_serve.exposition import Exposition
from tui.sim_serve.streams import EventStreams, sse

GRACE = 2.0
"""Seconds uvicorn waits on shutdown for responses to finish before it cuts them."""

_SUMMARIES = TypeAdapter(list[RolloutSummary])
_Body = TypeVar("_Body", bound=BaseModel)
M = TypeVar("M", bound=BaseModel)
Endpoint = Callable[[Request], Awaitable[Response]]


class _Refused(Exception):
    """A request the API turns down before the simulator sees it."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.error = ApiError(error=kind, message=message, detail=detail)
        self.headers = headers


def _json(body: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body.model_dump_json(), status, headers, media_type="application/json")


async def _error(_: Request, exc: Exception) -> Response:
    """The simulator's refusal, in its own words: "checkout-api moved on: it is at step 3"."""
    assert isinstance(exc, BackendError)
    kind = ErrorKind.NOT_FOUND if isinstance(exc, NotFound) else ErrorKind.CONFLICT
    return _json(ApiError(error=kind, message=exc.message, detail=exc.detail), STATUS[kind])


def _watching(request: Request) -> bool:
    """Whether the list is asked for as a watch: `watch` true or 1; false, 0 or absent for the
    plain list; 400 for anything else, which a client cannot have meant as either."""
    value = request.query_params.get(WATCH)
    if value is None or value in ("false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise _Refused(ErrorKind.BAD_REQUEST, f"{WATCH} must be true or false", f"got {value[:40]!r}")


def _rollout_id(request: Request) -> str:
    """The id in the path, checked as every adapter checks it: 400 for `..` and the like."""
    rollout_id: str = request.path_params["id"]
    try:
        id_parts(rollout_id)
    except InvalidId as exc:
        raise _Refused(ErrorKind.BAD_REQUEST, exc.message) from None
    return rollout_id


async def _limited_body(request: Request) -> bytes:
    """The body, or 413 as soon as it is known to be over MAX_REQUEST_BODY: from its declared
    length before a byte is read, else while it streams in."""
    refused = _Refused(
        ErrorKind.TOO_LARGE,
        "the request body is too large",
        f"at most {MAX_REQUEST_BODY:,} bytes; an action's body is a few hundred",
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_REQUEST_BODY:
        raise refused
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BODY:
            raise refused
    return bytes(body)


async def _body(request: Request, model: type[_Body]) -> _Body:
    """The request's JSON body as `model`, or 400 naming the first field that is wrong."""
    raw = await _limited_body(request)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise _Refused(ErrorKind.BAD_REQUEST, "the body is not JSON", first["msg"]) from None
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise _Refused(
            ErrorKind.BAD_REQUEST, "the body does not fit the API", f"{where}: {first['msg']}"
        ) from None


def _walled(model: M, wall: Callable[[datetime], datetime] | None) -> M:
    """The model with every moment in wall-clock time.

    A sped-up simulator dates its rollouts in simulated time, which runs ahead of the clock of
    whoever reads the API (and of the store that scrapes /metrics); mapped back, elapsed times,
    bakes and step marks agree with the metrics.
    """
    if wall is None:
        return model

    def walk(value: Any) -> Any:
        if isinstance(value, datetime):
            return wall(value)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return type(model).model_validate(walk(model.model_dump()))


class SimulatorApi:
    """The routes over one simulator; `app` is the ASGI application to serve."""

    def __init__(
        self, sim: Simulator, *, token: str | None = None, keepalive: float = KEEPALIVE
    ) -> None:
        self.sim = sim
        clock = sim.clock
        self._wall = clock.wall if isinstance(clock, SystemClock) and clock.speed != 1 else None
        self._token = token.encode() if token else None
        self._exposition = Exposition(sim)
        self._streams = EventStreams(keepalive)
        api = self._guarded
        self.app = Starlette(
            routes=[
                Route("/metrics", self._metrics),
                Route(ROLLOUTS, api(self._list)),
                Route(ROLLOUTS + "/{id:path}/watch", api(self._watch)),
                Route(ROLLOUTS + "/{id:path}/promote", api(self._promote), methods=["POST"]),
                Route(ROLLOUTS + "/{id:path}/abort", api(self._abort), methods=["POST"]),
                Route(ROLLOUTS + "/{id:path}/retry", api(self._retry), methods=["POST"]),
                Route(ROLLOUTS + "/{id:path}", api(self._get)),
            ],
            exception_handlers={
                _Refused: self._refused,
                NotFound: _error,
                Conflict: _error,
                HTTPException: self._http_error,
            },
        )

    def close_streams(self) -> None:
        """End every open watch cleanly, so that a shutting-down server need not cut them."""
        self._streams.close()

    # plumbing

    def _guarded(self, endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            self._authorize(request)
            return await endpoint(request)

        return guarded

    def _authorize(self, request: Request) -> None:
        if self._token is None:
            return
        header = request.headers.get("authorization")
        scheme, _, credentials = (header or "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self._token
        ):
            return
        if header is None:
            raise _Refused(
                ErrorKind.UNAUTHORIZED,
                "this server needs a bearer token",
                "send the header Authorization: Bearer <token>",
                {"WWW-Authenticate": 'Bearer realm="rollwatch"'},
            )
        raise _Refused(
            ErrorKind.UNAUTHORIZED,
            "the bearer token was not accepted",
            headers={"WWW-Authenticate": 'Bearer realm="rollwatch", error="invalid_token"'},
        )

    @staticmethod
    async def _refused(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Refused)
        return _json(exc.error, STATUS[exc.error.error], exc.headers)

    @staticmethod
    async def _http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            body = ApiError(
                error=ErrorKind.METHOD_NOT_ALLOWED,
                message=f"{request.method} is not allowed on {request.url.path}",
                detail=f"allowed: {headers.get('Allow', 'none')}",
            )
        else:
            body = ApiError(
                error=ErrorKind.NOT_FOUND,
                message=f"no endpoint {request.url.path}",
                detail=f"the API lives under {ROLLOUTS}",
            )
        return _json(body, exc.status_code, headers)

    # endpoints

    async def _metrics(self, _: Request) -> Response:
        text = await self._exposition.render()
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    async def _list(self, request: Request) -> Response:
        if _watching(request):
            return self._streams.respond(self.sim.watch_rollouts(), self._list_event)
        rollouts = [_walled(r, self._wall) for r in await self.sim.list_rollouts()]
        return Response(_SUMMARIES.dump_json(rollouts), media_type="application/json")

    async def _get(self, request: Request) -> Response:
        rollout = _walled(await self.sim.get_rollout(_rollout_id(request)), self._wall)
        return _json(rollout, headers={"ETag": f'"{rollout.version}"'})

    async def _promote(self, request: Request) -> Response:
        rollout_id = _rollout_id(request)
        body = await _body(request, PromoteRequest)
        rollout = await self.sim.promote(rollout_id, expect=body.expect, full=body.full)
        return _json(_walled(rollout, self._wall))

    async def _abort(self, request: Request) -> Response:
        rollout_id = _rollout_id(request)
        body = await _body(request, AbortRequest)
        rollout = await self.sim.abort(rollout_id, expect=body.expect)
        return _json(_walled(rollout, self._wall))

    async def _retry(self, request: Request) -> Response:
        return _json(_walled(await self.sim.retry(_rollout_id(request)), self._wall))

    async def _watch(self, request: Request) -> Response:
        rollout_id = _rollout_id(request)
        await self.sim.get_rollout(rollout_id)
        return self._streams.respond(self.sim.watch_rollout(rollout_id), self._rollout_event)

    # events

    def _rollout_event(self, rollout: Rollout) -> str:
        rollout = _walled(rollout, self._wall)
        return sse(StreamEvent.ROLLOUT, rollout.model_dump_json(), rollout.version or "")

    def _list_event(self, change: RolloutsChange) -> str:
        if isinstance(change, RolloutSummary):
            return sse(StreamEvent.SUMMARY, _walled(change, self._wall).model_dump_json())
        rollouts = [_walled(summary, self._wall) for summary in change]
        return sse(StreamEvent.LIST, _SUMMARIES.dump_json(rollouts).decode())


class ApiServer(uvicorn.Server):
    """uvicorn that ends the watch streams when it shuts down.

    An event stream never finishes by itself, and uvicorn waits for every open response before
    it exits: without this, Ctrl-C would hang while a rollwatch is attached.
    """

    def __init__(self, api: SimulatorApi, *, log_level: str = "warning") -> None:
        config = uvicorn.Config(
            api.app,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=math.ceil(GRACE),
        )
        super().__init__(config)
        self.api = api

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.api.close_streams()
        await super().shutdown(sockets)
