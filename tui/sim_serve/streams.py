"""The reference server's event streams: a watch that outlives quiet spells and ends on shutdown.

Both watches (one rollout's, and the list's) stream the same way: the simulator's watch is read
by a task of its own, so that waiting for its next change can time out into a `: keepalive`
comment without cancelling the simulator in the middle of a step; and every open stream can be
ended cleanly, because uvicorn waits for open responses before it exits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from starlette.responses import StreamingResponse

from backends.http.api import EVENT_STREAM, StreamEvent

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
"""No cache or proxy may hold a change back: nginx, for one, buffers answers unless told."""
KEEPALIVE_COMMENT = ": keepalive\n\n"

T = TypeVar("T")


def sse(event: StreamEvent, data: str, event_id: str | None = None) -> str:
    """One server-sent event; `data` is JSON, which keeps newlines escaped, so it is one line."""
    head = f"event: {event}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    return f"{head}data: {data}\n\n"


class EventStreams:
    """The open event streams of one server, each fed by a watch of the simulator."""

    def __init__(self, keepalive: float) -> None:
        self._keepalive = keepalive
        self._open: set[asyncio.Queue[Any]] = set()

    def respond(self, source: AsyncIterator[T], render: Callable[[T], str]) -> StreamingResponse:
        """The answer that streams `source`, each item as `render` writes it as an event."""
        return StreamingResponse(
            self._events(source, render), headers=HEADERS, media_type=EVENT_STREAM
        )

    def close(self) -> None:
        """End every open stream cleanly, so that a shutting-down server need not cut them."""
        for queue in self._open:
            queue.put_nowait(None)

    async def _events(
        self, source: AsyncIterator[T], render: Callable[[T], str]
    ) -> AsyncIterator[str]:
        """Items as they come, a keepalive comment whenever none came for a while."""
        queue: asyncio.Queue[T | None] = asyncio.Queue()

        async def pump() -> None:
            try:
                async for item in source:
                    queue.put_nowait(item)
            finally:
                queue.put_nowait(None)

        self._open.add(queue)
        reader = asyncio.create_task(pump())
        try:
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), self._keepalive)
                except TimeoutError:
                    yield KEEPALIVE_COMMENT
                    continue
                if item is None:
                    return
                yield render(item)
        finally:
            self._open.discard(queue)
            reader.cancel()
