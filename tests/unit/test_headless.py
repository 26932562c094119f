"""`wait` and `status` without a screen, on the simulator under a virtual clock."""

from __future__ import annotations

import asyncio
import io
import itertools
import json

import pytest

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.cli.headless import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, status_document, status_text, wait
from tui.session.demo import demo_session


async def run_wait(
    clock: VirtualClock, scenario: str, *, limit: float = 3600
) -> tuple[int, list[dict]]:
    """Run `wait` while moving virtual time on in 10 s steps, as a sped-up demo would."""
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, auto_confirm=60, actor="ci"))
    out = io.StringIO()
    task = asyncio.create_task(wait(demo_session(sim), timeout=None, as_json=True, out=out))
    elapsed = 0.0
    while not task.done() and elapsed < limit:
        await clock.advance(10)
        elapsed += 10
    assert task.done(), f"wait still running after {limit} s of virtual time"
    return task.result(), [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("scenario", ["healthy", "noisy"])
async def test_a_healthy_rollout_completes_with_every_gate_passing(clock, scenario):
    code, records = await run_wait(clock, scenario)
    assert code == EXIT_OK
    assert records[-1]["type"] == "result" and "rolled out" in records[-1]["reason"]
    gates = [r for r in records if r["type"] == "gates"]
    assert gates, "the verdict is printed"
    for record in gates:
        assert all(g["status"] != "fail" for g in record["gates"]), record
    phases = [r["phase"] for r in records if r["type"] == "rollout"]
    assert phases[-1] == "healthy" and "paused" in phases


async def test_latency_regression_fails_on_the_p99_gate(clock):
    code, records = await run_wait(clock, "latency-regression")
    assert code == EXIT_FAILED
    assert records[-1]["reason"].startswith("gate failed: p99 latency: canary")
    verdict = [r for r in records if r["type"] == "gates"][-1]
    p99 = next(g for g in verdict["gates"] if g["name"] == "p99 latency")
    assert p99["status"] == "fail" and p99["classification"] == "High"


async def test_error_spike_fails_on_the_error_rate_gate(clock):
    code, records = await run_wait(clock, "error-spike")
    assert code == EXIT_FAILED
    verdict = [r for r in records if r["type"] == "gates"][-1]
    failing = {g["name"] for g in verdict["gates"] if g["status"] == "fail"}
    assert "errors" in failing, verdict


async def test_wait_times_out(clock):
    sim = Simulator(clock, SimulatorOptions(scenario="healthy"))
    out = io.StringIO()
    code = await wait(demo_session(sim), timeout=0.05, as_json=False, out=out)
    assert code == EXIT_TIMEOUT
    assert out.getvalue().splitlines()[-1] == "timed out after 0s"


async def test_status_includes_gates_and_verdict(clock):
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression"))
    session = demo_session(sim)
    await session.snapshot()
    document = status_document(session)
    assert document["phase"] == "paused"
    assert document["verdict"]["verdict"] == "fail"
    explanations = [g["explanation"] for g in document["verdict"]["gates"]]
    assert any(e.startswith("p99 latency: canary") and "High" in e for e in explanations)
    text = status_text(session)
    assert "verdict  score 0" in text and "p99 latency: canary" in text


async def test_gates_are_printed_when_a_status_changes_not_on_every_poll(clock):
    code, records = await run_wait(clock, "healthy")
    gates = [r for r in records if r["type"] == "gates"]
    views = [(r["verdict"], [(g["name"], g["status"]) for g in r["gates"]]) for r in gates]
    assert all(a != b for a, b in itertools.pairwise(views)), "no repeated record"
    assert code == EXIT_OK and len(gates) <= 6
