"""The wire contract of the generic HTTP deploy API, shared by `sim-serve` and the `http` adapter.

Responses are the models of backends/model.py. This module adds what only the wire needs: the
request bodies, the error body, and which HTTP status each error kind travels as, so that the
reference server, the adapter and the published OpenAPI document cannot disagree.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from backends.ids import id_path
from backends.model import Expectation

ROLLOUTS = "/api/v1/rollouts"
EVENT_STREAM = "text/event-stream"
KEEPALIVE = 15.0
"""Most seconds a watch stays silent: a server sends a `: keepalive` comment when no snapshot
came for this long, so that proxies keep the connection and a client can tell quiet from dead."""
WATCH = "watch"
"""The query parameter that turns the rollout list into its watch (`?watch=true`), as in
Kubernetes: a path of its own, like `/rollouts/watch`, would be the path of a rollout whose id
is "watch"."""


class StreamEvent(StrEnum):
    """The `event:` names of the API's event streams, and what each one's `data:` holds."""

    ROLLOUT = "rollout"
    """One rollout's watch: the Rollout now."""
    LIST = "list"
    """The list watch: every RolloutSummary, replacing all that was known (so a rollout
    missing from it is gone)."""
    SUMMARY = "summary"
    """The list watch: the RolloutSummary of one rollout that was added or changed."""


class _Body(BaseModel):
    """Unknown fields are refused: a misspelt `ful` must not promote one step instead of all."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PromoteRequest(_Body):
    expect: Expectation = Field(
        description="What the user saw when they confirmed; the server refuses with 409 when "
        "the rollout is no longer there."
    )
    full: bool = Field(False, description="Skip every remaining step and analysis.")


class AbortRequest(_Body):
    expect: Expectation = Field(
        description="What the user saw when they confirmed; the server refuses with 409 when "
        "the rollout is no longer there."
    )


class ErrorKind(StrEnum):
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"


STATUS = {
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.METHOD_NOT_ALLOWED: 405,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
}

MAX_ANSWER = 16 << 20
"""Bytes of a JSON answer rollwatch reads: a list of rollouts or one rollout with its events."""
MAX_EVENT = 4 << 20
"""Bytes of one event-stream event (and so of any line in it): a snapshot is a few kilobytes."""
MAX_REQUEST_BODY = 64 * 1024
"""Bytes of a request body a server reads: an action's body is a few hundred; more is refused
with 413 before it is read."""


class ApiError(_Body):
    """Every error answer. `message` and `detail` are meant for the user, word for word."""

    error: ErrorKind
    message: str = Field(description='What went wrong, e.g. "shop/checkout-api moved on".')
    detail: str | None = Field(
        None,
        description=(
            "Why, in the server's words, steps counted from 1: \"it is at step 3/7 (canary "
            '6cbccd9f), you confirmed step 2/7 (canary 6cbccd9f)".'
        ),
    )


def rollout_path(rollout_id: str, action: str | None = None) -> str:
    """The path of a rollout (and an action on it): one segment per part of the id, so the id's
    slash stays a slash and nothing else in it can change the path.

    Raises:
        InvalidId: the id has a `.` or `..` part, an empty part, a control character, or is
            too long.
    """
    path = f"{ROLLOUTS}/{id_path(rollout_id)}"
    return f"{path}/{action}" if action else path
