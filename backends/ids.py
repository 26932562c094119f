"""Rollout ids: checked once, and put into a URL one path segment per part.

An id is a string the backend understands (`namespace/name` for Kubernetes kinds), typed by a
person or read from a server, and every adapter that speaks HTTP builds a path from it. A `..`
part would climb out of the rollout's path once a client or proxy normalises the URL
(`promote shop/payments/../checkout-api` acting on `shop/checkout-api`), so dot segments, empty
parts, control characters and ids no deploy system would give are refused here, before
anything is sent; every other character is percent-encoded within its own segment.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from backends.errors import InvalidId
from backends.text_safety import printable

MAX_PART = 253
"""Characters in one part: a Kubernetes object name (a DNS subdomain) is at most this long."""
MAX_ID = 1000
"""Characters in a whole id."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SHOWN = 60


def shown_id(rollout_id: str) -> str:
    """The id quoted for a message: printable, and cut, since it may be 100,000 characters."""
    text = printable(rollout_id)
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def id_parts(rollout_id: str) -> list[str]:
    """The `/`-separated parts of a rollout id, or InvalidId saying what is wrong with it."""
    problem = None
    parts = rollout_id.split("/")
    if not rollout_id:
        problem = "it is empty"
    elif len(rollout_id) > MAX_ID:
        problem = f"it is {len(rollout_id):,} characters long; at most {MAX_ID:,}"
    elif _CONTROL.search(rollout_id):
        problem = "it holds a control character"
    elif any(part in (".", "..") for part in parts):
        problem = "`.` and `..` are not allowed as parts"
    elif "" in parts:
        problem = "it has an empty part (a leading, trailing or doubled `/`)"
    elif (longest := max(len(part) for part in parts)) > MAX_PART:
        problem = f"a part is {longest:,} characters long; at most {MAX_PART}"
    if problem is not None:
        raise InvalidId(f"{shown_id(rollout_id)} is not a rollout id: {problem}")
    return parts


def id_path(rollout_id: str) -> str:
    """The id as URL path segments: each part percent-encoded on its own, joined by `/`."""
    return "/".join(quote(part, safe="") for part in id_parts(rollout_id))
