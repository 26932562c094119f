"""The `http` adapter against `sim-serve`, the reference server of the generic HTTP deploy API.

The server runs in-process on a loopback port (tests.helpers.sim_server) with the simulator on
a virtual clock, so every request crosses a real socket and the numbers repeat.
"""

from __future__ import annotations

import asyncio
import json
import runpy
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from backends.base import Capability, DeployBackend, WatchesRollouts
from backends.clock import VirtualClock
from backends.errors import (
    BadResponse,
    Conflict,
    NotFound,
    Unauthorized,
    Unreachable,
    Unsupported,
)
from backends.http.adapter import HttpDeployBackend, HttpDeployOptions, Limits
from backends.http.api import ROLLOUTS
from backends.model import Expectation, Phase, RolloutSummary
from backends.registry import AdapterContext, load_deploy
from backends.simulator.adapter import Simulator
from tests.helpers.sim_server import Running, serving
from tests.helpers.watches import WAIT, about
from tui.sim_serve.server import SimulatorApi

ID = "shop/checkout-api"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def served(sim: Simulator) -> AsyncIterator[Running]:
    async with serving(SimulatorApi(sim)) as running:
        yield running


def adapter(url: str, **options: object) -> HttpDeployBackend:
    return HttpDeployBackend(HttpDeployOptions.model_validate({"url": url, **options}))


@pytest.fixture
async def backend(served: Running) -> AsyncIterator[HttpDeployBackend]:
    client = adapter(served.url)
    yield client
    await client.aclose()


async def test_lists_and_gets_what_the_simulator_has(sim, served, backend):
    assert await backend.list_rollouts() == await sim.list_rollouts()
    rollout = await backend.get_rollout(ID)
    assert rollout == await sim.get_rollout(ID)
    async with httpx.AsyncClient() as raw:
        reply = await raw.get(f"{served.url}{ROLLOUTS}/{ID}")
    assert reply.headers["etag"] == f'"{rollout.version}"'


async def test_promote_checks_the_expectation_and_explains_a_conflict(backend):
    seen = await backend.get_rollout(ID)
    assert seen.current_step == 1 and seen.awaits_decision
    promoted = await backend.promote(ID, expect=Expectation.of(seen))
    assert promoted.current_step == 2
    with pytest.raises(Conflict) as refused:
        await backend.promote(ID, expect=Expectation.of(seen))
    assert str(refused.value) == (
        "shop/checkout-api moved on: it is at step 3/7 (canary 7d5f8b6c4d), "
        "you confirmed step 2/7 (canary 7d5f8b6c4d)"
    )
    assert (await backend.get_rollout(ID)).current_step == 2, "nothing moved on a conflict"


async def test_promote_full_abort_and_retry(backend):
    seen = await backend.get_rollout(ID)
    aborted = await backend.abort(ID, expect=Expectation.of(seen))
    assert aborted.phase == Phase.ABORTED and aborted.actual_weight == 0
    with pytest.raises(Conflict, match="checkout-api is aborted: nothing to promote"):
        await backend.promote(ID, expect=Expectation.of(aborted))
    retried = await backend.retry(ID)
    assert retried.phase == Phase.PROGRESSING and retried.current_step == 0
    done = await backend.promote(ID, expect=Expectation.of(retried), full=True)
    assert done.phase == Phase.HEALTHY and done.canary is None
    with pytest.raises(Conflict, match="only an aborted rollout retries"):
        await backend.retry(ID)


async def test_an_unknown_rollout_is_not_found(backend):
    with pytest.raises(NotFound, match="no rollout 'shop/nope'"):
        await backend.get_rollout("shop/nope")
    with pytest.raises(NotFound, match="no rollout 'shop/nope'"):
        await anext(aiter(backend.watch_rollout("shop/nope")))


async def test_watch_delivers_changes_from_actions_and_from_the_clock(clock: VirtualClock, backend):
    async with aclosing(backend.watch_rollout(ID)) as stream:
        first = await asyncio.wait_for(anext(stream), WAIT)
        await backend.promote(ID, expect=Expectation.of(first))
        promoted = await asyncio.wait_for(anext(stream), WAIT)
        assert promoted.current_step == 2 and promoted.desired_weight == 10
        await clock.advance(45)
        ramped = await asyncio.wait_for(anext(stream), WAIT)
        assert ramped.current_step == 3 and ramped.pause is not None


async def test_a_dropped_watch_is_unreachable_and_a_new_watch_resumes(served, backend):
    async with aclosing(backend.watch_rollout(ID)) as stream:
        first = await asyncio.wait_for(anext(stream), WAIT)
        served.drop_connections()
        with pytest.raises(Unreachable, match=f"the watch of {ID} dropped"):
            await asyncio.wait_for(anext(stream), WAIT)
    await backend.promote(ID, expect=Expectation.of(first))
    async with aclosing(backend.watch_rollout(ID)) as stream:
        resumed = await asyncio.wait_for(anext(stream), WAIT)
    assert resumed.current_step == first.current_step + 1


async def ends_when_the_server_stops(served: Running, watch: AsyncIterator[object]) -> None:
    """Read the watch's first event, stop the server under it, and see the watch end, not fail."""
    async with aclosing(watch) as stream:
        await asyncio.wait_for(anext(stream), WAIT)
        stopping = asyncio.create_task(served.stop())
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(stream), WAIT)
    await asyncio.wait_for(stopping, WAIT)


async def test_stopping_the_server_ends_open_watches_cleanly(served, backend):
    await ends_when_the_server_stops(served, backend.watch_rollout(ID))


async def up_to_a_keepalive(reply: httpx.Response) -> list[str]:
    """The event stream's lines as sent, up to and with its first keepalive comment."""
    lines: list[str] = []
    async with asyncio.timeout(WAIT):
        async for line in reply.aiter_lines():
            lines.append(line)
            if line == ": keepalive":
                break
    return lines


async def test_a_quiet_watch_sends_keepalive_comments(sim):
    async with (
        serving(SimulatorApi(sim, keepalive=0.05)) as served,
        httpx.AsyncClient(base_url=served.url, timeout=WAIT) as raw,
        raw.stream("GET", f"{ROLLOUTS}/{ID}/watch") as reply,
    ):
        assert reply.headers["content-type"].startswith("text/event-stream")
        lines = await up_to_a_keepalive(reply)
    version = (await sim.get_rollout(ID)).version
    assert lines[:2] == ["event: rollout", f"id: {version}"]
    assert json.loads(lines[2].removeprefix("data: "))["id"] == ID
    assert lines[3:] == ["", ": keepalive"]


# -- the list watch ------------------------------------------------------------------------------


def keepalives_sent(api: SimulatorApi, count: int) -> asyncio.Event:
    """Set once the server has sent `count` keepalive comments, counted on their way out."""
    app, sent, enough = api.app, [0], asyncio.Event()

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        async def counted(message: Any) -> None:
            if message.get("body") == b": keepalive\n\n":
                sent[0] += 1
                if sent[0] >= count:
                    enough.set()
            await send(message)

        await app(scope, receive, counted)

    api.app = counting
    return enough


async def test_the_list_watch_starts_with_the_list_then_tells_each_change(
    clock: VirtualClock, sim, backend
):
    assert isinstance(backend, WatchesRollouts)
    async with aclosing(backend.watch_rollouts()) as stream:
        first = await asyncio.wait_for(anext(stream), WAIT)
        assert first == await sim.list_rollouts()
        await backend.promote(ID, expect=Expectation.of(await backend.get_rollout(ID)))
        promoted = await asyncio.wait_for(anext(stream), WAIT)
        assert isinstance(promoted, RolloutSummary), "a change, not the whole list again"
        assert promoted == (await sim.get_rollout(ID)).summary()
        assert promoted.current_step == 2
        await clock.advance(45)
        ramped = await about(stream, ID)
        assert ramped.current_step == 3 and ramped.pause is not None


async def test_the_list_watch_on_the_wire(sim):
    async with (
        serving(SimulatorApi(sim, keepalive=0.05)) as served,
        httpx.AsyncClient(base_url=served.url, timeout=WAIT) as raw,
    ):
        listed = (await raw.get(ROLLOUTS)).json()
        for value in ("true", "1"):
            async with raw.stream("GET", ROLLOUTS, params={"watch": value}) as reply:
                assert reply.headers["content-type"].startswith("text/event-stream")
                lines = await up_to_a_keepalive(reply)
            assert lines[0] == "event: list"
            assert json.loads(lines[1].removeprefix("data: ")) == listed
            assert lines[2:] == ["", ": keepalive"]
        for value in ("false", "0"):
            plain = await raw.get(ROLLOUTS, params={"watch": value})
            assert plain.headers["content-type"] == "application/json"
            assert plain.json() == listed
        refused = await raw.get(ROLLOUTS, params={"watch": "yes"})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "bad_request",
        "message": "watch must be true or false",
        "detail": "got 'yes'",
    }


async def test_keepalives_hold_a_quiet_list_watch_open_past_the_idle_timeout(sim):
    api = SimulatorApi(sim, keepalive=0.02)
    # 20 keepalives 0.02 s apart: the stream was quiet for twice the client's idle timeout.
    quiet_for_long = keepalives_sent(api, 20)
    async with serving(api) as served:
        client = HttpDeployBackend(HttpDeployOptions(url=served.url), idle=0.2)
        async with aclosing(client.watch_rollouts()) as stream:
            await asyncio.wait_for(anext(stream), WAIT)
            pending = asyncio.ensure_future(anext(stream))
            await asyncio.wait_for(quiet_for_long.wait(), WAIT)
            assert not pending.done(), "nothing came, and the stream was not given up"
            await sim.promote(ID, expect=Expectation.of(await sim.get_rollout(ID)))
            changed = await asyncio.wait_for(pending, WAIT)
        await client.aclose()
    assert isinstance(changed, RolloutSummary) and changed.id == ID


async def test_a_list_watch_without_keepalives_is_unreachable_after_the_idle_timeout(sim):
    async with serving(SimulatorApi(sim, keepalive=60)) as served:
        client = HttpDeployBackend(HttpDeployOptions(url=served.url), idle=0.2)
        async with aclosing(client.watch_rollouts()) as stream:
            await asyncio.wait_for(anext(stream), WAIT)
            with pytest.raises(Unreachable, match=r"the rollout list went silent for 0\.2s"):
                await asyncio.wait_for(anext(stream), WAIT)
        await client.aclose()


async def test_a_list_event_over_the_limit_is_a_bad_response(served):
    client = HttpDeployBackend(HttpDeployOptions(url=served.url), limits=Limits(event=1024))
    with pytest.raises(BadResponse, match="of the watch of the rollout list is larger than 1"):
        await anext(client.watch_rollouts())
    await client.aclose()


async def test_a_dropped_list_watch_is_unreachable_and_a_stopped_one_ends(served, backend):
    async with aclosing(backend.watch_rollouts()) as stream:
        await asyncio.wait_for(anext(stream), WAIT)
        served.drop_connections()
        with pytest.raises(Unreachable, match="the watch of the rollout list dropped"):
            await asyncio.wait_for(anext(stream), WAIT)
    await ends_when_the_server_stops(served, backend.watch_rollouts())


async def test_the_list_watch_needs_the_token_too(sim):
    async with serving(SimulatorApi(sim, token="s3cret")) as served:
        for options in ({}, {"token": "wrong"}):
            client = adapter(served.url, **options)
            with pytest.raises(Unauthorized, match="refused the watch of the rollout list"):
                await anext(client.watch_rollouts())
            await client.aclose()
        client = adapter(served.url, token="s3cret")
        async with aclosing(client.watch_rollouts()) as stream:
            assert len(await asyncio.wait_for(anext(stream), WAIT)) == 5
        await client.aclose()


async def test_the_api_needs_the_token_when_one_is_set(sim, monkeypatch, tmp_path):
    async with serving(SimulatorApi(sim, token="s3cret")) as served:
        async with httpx.AsyncClient(base_url=served.url) as raw:
            refused = await raw.get(ROLLOUTS)
            metrics = await raw.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Bearer realm="rollwatch"'
        assert refused.json()["error"] == "unauthorized"
        assert metrics.status_code == 200, "the scrape endpoint stays open"

        for options in ({}, {"token": "wrong"}):
            client = adapter(served.url, **options)
            with pytest.raises(Unauthorized, match="HTTP 401") as error:
                await client.list_rollouts()
            assert "wrong" not in str(error.value) + repr(client)
            await client.aclose()

        monkeypatch.setenv("RW_TEST_TOKEN", "s3cret\n")
        token_file = tmp_path / "token"
        token_file.write_text("s3cret\n")
        for options in ({"token_env": "RW_TEST_TOKEN"}, {"token_file": str(token_file)}):
            client = adapter(served.url, **options)
            assert len(await client.list_rollouts()) == 5
            assert "s3cret" not in repr(client)
            await client.aclose()


@pytest.mark.parametrize(
    ("body", "message", "detail"),
    [
        (b"promote!", "the body is not JSON", "Invalid JSON"),
        (b"{}", "the body does not fit the API", "expect: Field required"),
        (b'{"expect": {}, "ful": true}', "the body does not fit the API", "ful: Extra inputs"),
    ],
)
async def test_a_bad_body_is_a_400_naming_the_fault(served, body, message, detail):
    async with httpx.AsyncClient(base_url=served.url) as raw:
        reply = await raw.post(f"{ROLLOUTS}/{ID}/promote", content=body)
    assert reply.status_code == 400
    error = reply.json()
    assert (error["error"], error["message"]) == ("bad_request", message)
    assert error["detail"].startswith(detail)


async def test_unknown_paths_and_methods_answer_in_json(served):
    async with httpx.AsyncClient(base_url=served.url) as raw:
        missing = await raw.get("/api/v2/rollouts")
        wrong_method = await raw.delete(f"{ROLLOUTS}/{ID}")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")


def test_the_adapter_is_found_by_name():
    adapter = load_deploy("http")
    options = adapter.options.model_validate({"url": "http://127.0.0.1:9"})
    backend = adapter.build(options, AdapterContext())
    assert isinstance(backend, DeployBackend)
    assert {c.value for c in backend.capabilities} == {"promote", "promote_full", "abort", "retry"}


@pytest.mark.parametrize("action", ["pause", "resume"])
async def test_pause_and_resume_are_not_in_the_api(backend, action: str):
    """docs/http-api.openapi.json has no pause or resume endpoint: nothing is sent."""
    seen = await backend.get_rollout(ID)
    with pytest.raises(Unsupported, match=f"^the http adapter cannot {action} rollouts"):
        await getattr(backend, action)(ID, expect=Expectation.of(seen))
    assert {Capability.PAUSE, Capability.RESUME}.isdisjoint(backend.capabilities)
    assert await backend.get_rollout(ID) == seen


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"url": "127.0.0.1:8787"}, "must be an http:// or https:// URL"),
        ({"url": "http://me:pw@deployer"}, "must not carry credentials"),
        ({"url": "http://deployer", "tokn": "x"}, "Extra inputs are not permitted"),
        ({"url": "http://deployer", "token": "x", "token_env": "HOME"}, "set only one of"),
        ({"url": "http://deployer", "token_env": "RW_SURELY_UNSET"}, "RW_SURELY_UNSET is not set"),
        ({"url": "http://deployer", "verify": False, "ca_file": __file__}, "ca_file is ignored"),
    ],
)
def test_options_are_checked(options: dict[str, object], needle: str):
    with pytest.raises(ValidationError, match=needle):
        HttpDeployOptions.model_validate(options)


def test_the_published_openapi_document_is_what_the_script_generates():
    render = runpy.run_path(str(ROOT / "scripts" / "openapi.py"))["render"]
    committed = (ROOT / "docs" / "http-api.openapi.json").read_text()
    assert committed == render(), "run `python scripts/openapi.py` and commit the result"


def test_sim_serve_on_a_taken_port_is_one_line_and_exit_2():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        proc = subprocess.run(
            [sys.executable, "-m", "tui", "sim-serve", "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"rollwatch: cannot listen on 127.0.0.1:{port}")
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""
