"""A hostile HTTP server on loopback: it answers as a test scripts it, including badly.

What no real server does on demand comes from here: an answer that never ends (an event-stream
line without a newline, a JSON body of gigabytes), a Content-Length of 200 MB, a body quoting
back the request's Authorization header, a proxy that forwards an action to the real server
and then drops the connection instead of answering. It speaks HTTP/1.1 over a real socket in
the test's event loop, records every request, and counts the bytes each answer got out, so a
test can tell that a client stopped reading rather than only that it failed.

PYTEST_DONT_REWRITE: it holds no asserts to rewrite.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx

CHUNK = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    """A complete answer; `body` may be a function of the request (to echo its headers)."""

    status: int = 200
    body: bytes | str | Callable[[Request], bytes | str] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Endless:
    """`head`, then `filler` over and over until the client stops reading or `cap` bytes went
    out (so a client without limits fails the test instead of exhausting the machine).

    `length` declares a Content-Length (a lie, or the truth about a huge body); without it the
    body runs until the connection closes.
    """

    head: bytes = b""
    filler: bytes = b"x" * CHUNK
    status: int = 200
    content_type: str = "application/json"
    length: int | None = None
    cap: int = 256 << 20


@dataclass
class Forward:
    """Send the request on to `upstream` (which acts on it), then cut the connection instead
    of answering: an answer lost on the way back."""

    upstream: str


@dataclass
class Relay:
    """Send the request on to `upstream` and its answer back: a proxy doing its job."""

    upstream: str


@dataclass
class Drop:
    """Cut the connection without a word."""


Fault = Answer | Endless | Forward | Relay | Drop
Script = Callable[[Request], Fault]


@dataclass
class Served:
    request: Request
    sent: int = 0
    """Body bytes that got out before the answer ended or the client went away."""
    finished: bool = False
    """Whether the whole answer went out (false for an Endless the client stopped reading)."""
    ended: bool = False
    """Whether the server is done with it, however it ended."""


class FaultServer:
    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda _: Answer(404, b"no script"))
        self.served: list[Served] = []
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._done = asyncio.Event()

    def always(self, fault: Fault) -> None:
        self.script = lambda _: fault

    @property
    def requests(self) -> list[Request]:
        return [one.request for one in self.served]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in self._writers:
                writer.transport.abort()
            await self._server.wait_closed()

    async def answered(self, count: int = 1, timeout: float = 10.0) -> list[Served]:
        """Wait (on events, not sleeps) until `count` answers have ended, however they ended."""
        async with asyncio.timeout(timeout):
            while sum(1 for one in self.served if one.ended) < count:
                self._done.clear()
                await self._done.wait()
        return self.served

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while (request := await _read(reader)) is not None:
                served = Served(request)
                self.served.append(served)
                try:
                    keep = await self._answer(self.script(request), served, writer)
                finally:
                    served.ended = True
                    self._done.set()
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _answer(self, fault: Fault, served: Served, writer: asyncio.StreamWriter) -> bool:
        if isinstance(fault, Drop):
            return False
        if isinstance(fault, Forward):
            await _forward(fault.upstream, served.request)
            return False
        if isinstance(fault, Relay):
            reply = await _forward(fault.upstream, served.request)
            kind = reply.headers.get("content-type", "application/json")
            fault = Answer(reply.status_code, reply.content, kind)
        if isinstance(fault, Answer):
            body = fault.body(served.request) if callable(fault.body) else fault.body
            data = body.encode() if isinstance(body, str) else body
            headers = {"Content-Length": str(len(data)), **fault.headers}
            writer.write(_head(fault.status, fault.content_type, headers) + data)
            await writer.drain()
            served.sent, served.finished = len(data), True
            return True
        headers = {"Connection": "close"}
        if fault.length is not None:
            headers["Content-Length"] = str(fault.length)
        writer.write(_head(fault.status, fault.content_type, headers) + fault.head)
        served.sent = len(fault.head)
        with contextlib.suppress(ConnectionError):
            while served.sent < fault.cap:
                writer.write(fault.filler)
                await writer.drain()
                served.sent += len(fault.filler)
            served.finished = True
        return False


def _head(status: int, content_type: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read(reader: asyncio.StreamReader) -> Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, target, _ = line.decode().split(" ", 2)
    headers: dict[str, str] = {}
    while (header := await reader.readline()).strip():
        name, _, value = header.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request(method, target, headers, body)


async def _forward(upstream: str, request: Request) -> httpx.Response:
    headers = {k: v for k, v in request.headers.items() if k not in ("host", "content-length")}
    async with httpx.AsyncClient(base_url=upstream) as client:
        return await client.request(
            request.method, request.path, headers=headers, content=request.body
        )


@contextlib.asynccontextmanager
async def fault_server(script: Script | None = None) -> AsyncIterator[FaultServer]:
    server = FaultServer(script)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
