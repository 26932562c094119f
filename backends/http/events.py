"""The watch's event stream, read within a limit: httpx-sse parses it, from bounded lines.

httpx-sse buffers a line, and an event's `data:` lines, for as long as the server keeps sending
them: a `data:` line that never ends would grow rollwatch until the machine gives out. Here the
bytes are split into lines first (CRLF, CR or LF, as the format allows), every line and every
event's lines together must stay within the limit, and only whole lines reach httpx-sse, which
does the rest of the format: fields, comments, multi-line data, the last event id.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from contextlib import aclosing

import httpx
from httpx_sse import EventSource, ServerSentEvent

from backends.connection.limits import limited_lines, too_large
from backends.http.api import EVENT_STREAM


async def read_events(
    chunks: AsyncIterable[bytes], *, limit: int, what: str
) -> AsyncGenerator[ServerSentEvent, None]:
    """The events in a stream of bytes, or BadResponse once a line or an event passes `limit`
    bytes (an event counted from its first line to the empty line that ends it)."""

    async def lines() -> AsyncIterator[bytes]:
        size = 0
        async for line in limited_lines(chunks, limit, what):
            size = size + len(line) if line else 0
            if size > limit:
                raise too_large(what, limit, "an event")
            yield line + b"\n"

    bounded = httpx.Response(200, headers={"Content-Type": EVENT_STREAM}, content=lines())
    async with aclosing(EventSource(bounded).aiter_sse()) as events:
        async for event in events:
            yield event
