"""sim-serve at --speed N dates its rollouts in wall-clock time, as its /metrics are."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx

from backends.clock import SystemClock
from backends.model import Expectation
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.sim_server import serving
from tui.sim_serve.server import SimulatorApi

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
ID = "shop/checkout-api"


def test_simulated_time_maps_back_to_the_wall_clock():
    clock = SystemClock(speed=10, start=START)
    assert clock.wall(START + timedelta(minutes=10)) == START + timedelta(minutes=1)
    assert clock.wall(START - timedelta(minutes=5)) == START - timedelta(seconds=30)


async def test_the_api_dates_a_sped_up_rollout_in_wall_clock_time():
    sim = Simulator(SystemClock(speed=10, start=START), SimulatorOptions())
    api = SimulatorApi(sim)
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        rollout = (await client.get("/api/v1/rollouts/shop/checkout-api")).json()
        listed = (await client.get("/api/v1/rollouts")).json()
    started = datetime.fromisoformat(rollout["started_at"])
    assert abs(started - (START - timedelta(seconds=30))) < timedelta(seconds=1), started
    assert datetime.fromisoformat(listed[0]["started_at"]) == started
    since = datetime.fromisoformat(rollout["pause"]["since"])
    assert abs(since - (START - timedelta(seconds=25.5))) < timedelta(seconds=1), since


async def test_at_real_speed_nothing_is_mapped():
    sim = Simulator(SystemClock(speed=1, start=START), SimulatorOptions())
    api = SimulatorApi(sim)
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        rollout = (await client.get("/api/v1/rollouts/shop/checkout-api")).json()
    started = datetime.fromisoformat(rollout["started_at"])
    assert abs(started - (START - timedelta(minutes=5))) < timedelta(seconds=1)


async def test_the_list_watch_dates_in_wall_clock_time_too():
    """The list, and a summary after it, date the primary rollout as the plain list does."""
    sim = Simulator(SystemClock(speed=10, start=START), SimulatorOptions())
    primary = await sim.get_rollout(ID)
    async with (
        serving(SimulatorApi(sim)) as served,
        httpx.AsyncClient(base_url=served.url, timeout=5) as client,
    ):
        plain = {r["id"]: r for r in (await client.get("/api/v1/rollouts")).json()}
        async with (
            client.stream("GET", "/api/v1/rollouts", params={"watch": "true"}) as reply,
            asyncio.timeout(5),
        ):
            changes = (
                json.loads(line[6:]) async for line in reply.aiter_lines() if line[:6] == "data: "
            )
            listed = {r["id"]: r for r in await anext(changes)}
            await sim.promote(ID, expect=Expectation.of(primary))
            changed = await anext(c async for c in changes if c["id"] == ID)
    assert listed[ID]["started_at"] == changed["started_at"] == plain[ID]["started_at"]
    assert changed["current_step"] == primary.current_step + 1
