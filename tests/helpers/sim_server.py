"""`sim-serve` for tests: in-process in the test's event loop, or as a user starts it.

In-process, sharing the loop lets a VirtualClock drive the simulator behind the real uvicorn
server, so the HTTP tests are as deterministic as the simulator's own, while every byte still
crosses a real socket. As a process, it keeps its own clock and loop while tests come and go,
which is what end-to-end tests against a real store scraping it need.
"""

from __future__ import annotations

import asyncio
import select
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from tui.sim_serve.server import ApiServer, SimulatorApi

STARTUP_DEADLINE = 10.0
PROCESS_DEADLINE = 20.0
"""Seconds a sim-serve process may take to say where it listens: Python starts slowly on a
loaded CI machine."""


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


@contextmanager
def sim_serve_process(scenario: str, *, speed: float, args: Sequence[str] = ()) -> Iterator[str]:
    """`rollwatch sim-serve` as a user starts it, on a free port it reports on its first line.

    Yields the base URL. Its stderr goes to a file, so a server that logs an error on every
    scrape cannot fill a pipe and stall; the file is shown when the server does not start.
    """
    command = [sys.executable, "-m", "tui", "sim-serve", "--port", "0"]
    command += ["--speed", f"{speed:g}", "--scenario", scenario, *args]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        assert proc.stdout is not None
        try:
            ready, _, _ = select.select([proc.stdout], [], [], PROCESS_DEADLINE)
            first = proc.stdout.readline() if ready else ""
            if not first.startswith("simulating "):
                proc.kill()
                proc.wait()
                errors.seek(0)
                said = errors.read().decode(errors="replace")
                raise RuntimeError(f"sim-serve did not start: {first!r} {said}")
            yield first.split()[-1]
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
