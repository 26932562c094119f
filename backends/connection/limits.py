"""Reading a server's answer within a limit: a body, or a stream of lines.

A server that sends more than any real answer would (a body of gigabytes, an event-stream line
that never ends, a watch line without a newline) must not grow rollwatch's memory until the
machine gives out. Bodies and lines are read in chunks, counted as they arrive, and cut off at
the first byte over the limit with one BadResponse saying which limit it was. The byte chunks
come from any HTTP client (httpx for the HTTP adapters, lightkube's client for Kubernetes), so
this works on plain async iterators; httpx answers have two helpers of their own.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator

import httpx

from backends.errors import BadResponse

_EOL = re.compile(rb"\r\n|\r|\n")


def _size(limit: int) -> str:
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"


def too_large(what: str, limit: int, unit: str = "") -> BadResponse:
    """The one error for an answer over its limit; `unit` names the part ("a line")."""
    part = f"{unit} of " if unit else ""
    return BadResponse(
        f"{part}{what} is larger than {_size(limit)}; rollwatch stopped reading it",
        detail="the server sent more than any valid answer holds",
    )


def _declared_too_large(headers: httpx.Headers, limit: int) -> bool:
    """Whether an uncompressed answer announces more than `limit`, so nothing need be read."""
    length = headers.get("content-length", "").strip()
    return not headers.get("content-encoding") and length.isdigit() and int(length) > limit


async def read_limited(chunks: AsyncIterable[bytes], limit: int, what: str) -> bytes:
    """The whole body, or `too_large` as soon as it passes `limit` bytes."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise too_large(what, limit)
    return bytes(body)


async def limited_lines(
    chunks: AsyncIterable[bytes], limit: int, what: str
) -> AsyncIterator[bytes]:
    """The lines of a stream without their endings (CRLF, CR or LF, as event streams allow),
    or `too_large` once a line passes `limit` bytes, ended or not.

    A CR at the end of a chunk waits for the next one: it may be the first half of a CRLF,
    which must not read as an extra, empty line (an empty line ends an event).
    """
    pending = bytearray()
    async for chunk in chunks:
        searched = max(len(pending) - 1, 0)  # the tail holds no line end, bar a last CR
        pending += chunk
        start = 0
        while (match := _EOL.search(pending, max(start, searched))) is not None:
            if match.group() == b"\r" and match.end() == len(pending):
                break
            if match.start() - start > limit:
                raise too_large(what, limit, "a line")
            yield bytes(pending[start : match.start()])
            start = match.end()
        del pending[:start]
        if len(pending) - pending.endswith(b"\r") > limit:
            raise too_large(what, limit, "a line")
    if pending:
        yield bytes(pending.removesuffix(b"\r"))


_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


async def read_response(response: httpx.Response, limit: int, what: str) -> httpx.Response:
    """A response opened as a stream, read whole within `limit` bytes: a response whose body
    is in memory, already decoded, so a compressed answer counts at the size it unpacks to."""
    if _declared_too_large(response.headers, limit):
        raise too_large(what, limit)
    body = await read_limited(response.aiter_bytes(), limit, what)
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in _BODY_HEADERS
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=body, request=response.request
    )


async def send_limited(
    client: httpx.AsyncClient, request: httpx.Request, limit: int, what: str
) -> httpx.Response:
    """`client.send(request)`, its answer read within `limit` bytes (see `read_response`)."""
    response = await client.send(request, stream=True)
    try:
        return await read_response(response, limit, what)
    finally:
        await response.aclose()
