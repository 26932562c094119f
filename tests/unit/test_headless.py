"""`wait` and `status` without a screen, on the simulator under a virtual clock."""

from __future__ import annotations

import asyncio
import io
import itertools
import json

import pytest

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.cli import output
from tui.cli.records import record
from tui.cli.wait import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, wait
from tui.session.demo import demo_session


async def run_wait(
    clock: VirtualClock, scenario: str, *, limit: float = 3600
) -> tuple[int, list[dict]]:
    """Run `wait` while moving virtual time on in 10 s steps, as a sped-up demo would."""
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, auto_confirm=60, actor="ci"))
    session = demo_session(sim)
    first = await sim.get_rollout(session.rollout_id)
    out = io.StringIO()
    task = asyncio.create_task(wait(session, first, timeout=None, as_json=True, out=out))
    elapsed = 0.0
    while not task.done() and elapsed < limit:
        await clock.advance(10)
        elapsed += 10
    assert task.done(), f"wait still running after {limit} s of virtual time"
    return task.result(), [json.loads(line) for line in out.getvalue().splitlines()]


def judged(records: list[dict]) -> list[dict]:
    """The records that carry a verdict (the first ones may come before any judgement)."""
    return [r for r in records if r["verdict"] is not None]


@pytest.mark.parametrize("scenario", ["healthy", "noisy"])
async def test_a_healthy_rollout_completes_with_every_gate_passing(clock, scenario):
    code, records = await run_wait(clock, scenario)
    assert code == EXIT_OK
    assert records[-1]["result"]["exit"] == EXIT_OK
    assert "rolled out" in records[-1]["result"]["reason"]
    verdicts = judged(records)
    assert verdicts, "the verdict is printed"
    for one in verdicts:
        assert all(g["status"] != "fail" for g in one["gates"]), one
    phases = [r["phase"] for r in records]
    assert phases[-1] == "healthy" and "paused" in phases
    assert all(r["result"] is None for r in records[:-1]), "only the last line ends the wait"


async def test_latency_regression_fails_on_the_p99_gate(clock):
    code, records = await run_wait(clock, "latency-regression")
    assert code == EXIT_FAILED
    assert records[-1]["result"]["reason"].startswith("gate failed: p99 latency: canary")
    verdict = judged(records)[-1]
    p99 = next(g for g in verdict["gates"] if g["name"] == "p99 latency")
    assert p99["status"] == "fail" and p99["classification"] == "High"


async def test_error_spike_fails_on_the_error_rate_gate(clock):
    code, records = await run_wait(clock, "error-spike")
    assert code == EXIT_FAILED
    verdict = judged(records)[-1]
    failing = {g["name"] for g in verdict["gates"] if g["status"] == "fail"}
    assert "errors" in failing, verdict


async def test_wait_times_out(clock):
    sim = Simulator(clock, SimulatorOptions(scenario="healthy"))
    session = demo_session(sim)
    out = io.StringIO()
    first = await sim.get_rollout(session.rollout_id)
    code = await wait(session, first, timeout=0.05, as_json=False, out=out)
    assert code == EXIT_TIMEOUT
    assert out.getvalue().splitlines()[-1] == "timed out after 0s"


async def test_a_timeout_before_any_update_still_ends_with_a_record(clock):
    """The last line is a whole record even when the session never published anything."""
    sim = Simulator(clock, SimulatorOptions(scenario="healthy"))
    session = demo_session(sim)
    first = await sim.get_rollout(session.rollout_id)
    out = io.StringIO()
    code = await wait(session, first, timeout=0, as_json=True, out=out)
    last = json.loads(out.getvalue().splitlines()[-1])
    assert code == EXIT_TIMEOUT and last["result"] == {"exit": 3, "reason": "timed out after 0s"}
    assert last["id"] == "shop/checkout-api" and last["step"]["number"] == 2


async def test_status_includes_gates_and_verdict(clock):
    sim = Simulator(clock, SimulatorOptions(scenario="latency-regression"))
    session = demo_session(sim)
    rollout = await session.snapshot()
    one = record(rollout, judgement=session.judgement, links=session.links)
    document = json.loads(one.model_dump_json())
    assert document["phase"] == "paused"
    assert document["verdict"]["status"] == "fail"
    explanations = [g["explanation"] for g in document["gates"]]
    assert any(e.startswith("p99 latency: canary") and "High" in e for e in explanations)
    text = output.status(one)
    assert "verdict  score 0" in text and "p99 latency: canary" in text


def view(r: dict) -> tuple[object, ...]:
    """What a record is printed for: the rollout's place, the gates' statuses, the links."""
    gates = [(g["name"], g["status"]) for g in r["gates"] or ()]
    verdict = r["verdict"]["status"] if r["verdict"] else None
    where = (r["phase"], r["message"], r["step"], r["canary_weight"], r["revisions"])
    return where, r["awaits_decision"], verdict, gates, r["links"]


async def test_gates_are_printed_when_a_status_changes_not_on_every_poll(clock):
    code, records = await run_wait(clock, "healthy")
    changes = records[:-1]
    assert all(view(a) != view(b) for a, b in itertools.pairwise(changes)), "no repeated record"
    gate_views = [view(r)[2:4] for r in judged(changes)]
    gate_changes = [b for a, b in itertools.pairwise([None, *gate_views]) if a != b]
    assert code == EXIT_OK and len(gate_changes) <= 6
