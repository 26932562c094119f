"""`sim-serve` refuses what a deployer should refuse: ids that are not ids, bodies too large.

Raw sockets stand in for clients here, because no well-behaved client sends a `..` segment or
a 200 MB body: the point is what the server does when someone does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from backends.http.api import MAX_REQUEST_BODY, ROLLOUTS
from backends.model import Expectation
from backends.simulator.adapter import Simulator
from tests.helpers.sim_server import Running, serving
from tui.sim_serve.server import SimulatorApi

ID = "shop/checkout-api"
TOKEN = "sim-serve-token"
WAIT = 5.0


@pytest.fixture
async def served(sim: Simulator) -> AsyncIterator[Running]:
    async with serving(SimulatorApi(sim, token=TOKEN)) as running:
        yield running


async def raw_request(url: str, head: str, body: bytes = b"") -> tuple[int, dict[str, object]]:
    """Send `head` (and `body`) as they are, read the status line and the JSON error body."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        async with asyncio.timeout(WAIT):
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()).strip():
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            return status, json.loads(await reader.readexactly(length))
    finally:
        writer.close()


def post(path: str, length: int, token: str = TOKEN) -> str:
    return (
        f"POST {path} HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )


async def test_a_declared_200_mb_body_is_refused_before_it_is_read(served, sim):
    """Only the head and a few bytes are sent: a server that waited for the body would hang."""
    status, said = await raw_request(
        served.url, post(f"{ROLLOUTS}/{ID}/promote", 200_000_000), b'{"expect": '
    )
    assert status == 413
    assert said["error"] == "too_large"
    assert (await sim.get_rollout(ID)).current_step == 1


async def test_a_streamed_body_past_the_limit_is_refused(served, sim):
    async def endless() -> AsyncIterator[bytes]:
        yield b'{"expect": {"step": 1}, "padding": "'
        for _ in range(4 * MAX_REQUEST_BODY // 1024):
            yield b"x" * 1024

    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers) as client:
        reply = await client.post(f"{ROLLOUTS}/{ID}/promote", content=endless())
    assert reply.status_code == 413
    assert (await sim.get_rollout(ID)).current_step == 1


async def test_the_token_is_checked_before_any_body_is_read(served):
    status, said = await raw_request(
        served.url, post(f"{ROLLOUTS}/{ID}/promote", 200_000_000, token="wrong"), b"{"
    )
    assert status == 401 and said["error"] == "unauthorized"


@pytest.mark.parametrize(
    "path",
    [
        f"{ROLLOUTS}/shop/payments/../checkout-api/promote",
        f"{ROLLOUTS}/shop/./checkout-api/promote",
        f"{ROLLOUTS}/shop/%2E%2E/checkout-api/promote",
        f"{ROLLOUTS}/shop//checkout-api/promote",
    ],
)
async def test_an_id_with_a_dot_or_empty_part_is_a_bad_request(served, sim, path):
    body = json.dumps({"expect": Expectation.of(await sim.get_rollout(ID)).model_dump(mode="json")})
    status, said = await raw_request(served.url, post(path, len(body)), body.encode())
    assert status == 400 and said["error"] == "bad_request"
    assert "is not a rollout id" in str(said["message"])
    assert (await sim.get_rollout(ID)).current_step == 1, "nothing was promoted"
