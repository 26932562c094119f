"""`sim-serve` in-process: the real uvicorn server on a loopback port, in the test's event loop.

Sharing the loop lets a VirtualClock drive the simulator behind the server, so the HTTP tests
are as deterministic as the simulator's own, while every byte still crosses a real socket.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from backends.http_server import ApiServer, SimulatorApi

STARTUP_DEADLINE = 10.0


@dataclass
class Running:
    url: str
    server: ApiServer
    task: asyncio.Task[None]

    def drop_connections(self) -> None:
        """Cut every open connection mid-response, as a load balancer or a crash would.

        uvicorn has no public call for this, so it reaches into its server state; the server
        itself keeps running, as it would behind a proxy that dropped a stream.
        """
        for connection in list(self.server.server_state.connections):
            connection.transport.abort()  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Shut down as Ctrl-C would: open watches end, then the server exits."""
        self.server.should_exit = True
        await self.task


@asynccontextmanager
async def serving(api: SimulatorApi) -> AsyncIterator[Running]:
    """The API on a free loopback port until the block ends (or `stop` is called in it)."""
    sock = socket.create_server(("127.0.0.1", 0))
    server = ApiServer(api)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_DEADLINE
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn exited before it started")
        if loop.time() > deadline:
            raise RuntimeError(f"uvicorn did not start within {STARTUP_DEADLINE}s")
        await asyncio.sleep(0.01)
    running = Running(f"http://127.0.0.1:{sock.getsockname()[1]}", server, task)
    try:
        yield running
    finally:
        if not task.done():
            await running.stop()
