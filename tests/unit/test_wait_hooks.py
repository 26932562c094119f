"""`wait --on-fail`, `--on-pause`, `--on-done`: each moment runs its command, event on stdin."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from backends.clock import VirtualClock
from backends.model import Expectation
from backends.simulator.adapter import Simulator, SimulatorOptions
from tui.cli.main import build_parser
from tui.cli.wait import EXIT_FAILED, EXIT_OK, Hooks, wait
from tui.session.demo import demo_session


def events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def run_wait(
    clock: VirtualClock, scenario: str, tmp_path: Path, *, promote_after: int | None = None
) -> tuple[int, Path]:
    """`wait` with every hook logging to one file; someone promotes fully after a while."""
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, actor="ci"))
    session = demo_session(sim)
    first = await sim.get_rollout(session.rollout_id)
    log = tmp_path / "hooks.jsonl"
    command = f"(cat; echo) >> {log}"
    hooks = Hooks(session, fail=command, pause=command, done=command)
    task = asyncio.create_task(
        wait(session, first, timeout=None, as_json=True, out=io.StringIO(), hooks=hooks)
    )
    for tick in range(360):
        if task.done():
            break
        if tick == promote_after:
            rollout = await sim.get_rollout(session.rollout_id)
            await sim.promote(rollout.id, expect=Expectation.of(rollout), full=True)
        await clock.advance(10)
    return await task, log


async def test_pause_then_done_on_a_healthy_rollout(clock: VirtualClock, tmp_path: Path):
    code, log = await run_wait(clock, "healthy", tmp_path, promote_after=6)
    assert code == EXIT_OK
    told = events(log)
    assert [e["event"] for e in told] == ["waiting", "completed"]
    assert told[0]["rollout"]["id"] == "shop/checkout-api"
    assert told[0]["rollout"]["awaits_decision"] is True
    assert told[1]["rollout"]["phase"] == "healthy" and told[1]["title"].endswith("rolled out")


async def test_a_failing_gate_runs_the_fail_hook_before_wait_exits(
    clock: VirtualClock, tmp_path: Path
):
    code, log = await run_wait(clock, "latency-regression", tmp_path)
    assert code == EXIT_FAILED
    failed = [e for e in events(log) if e["event"] == "gate_failed"]
    assert failed and "latency" in failed[0]["message"]
    assert any(g["status"] == "fail" for g in failed[0]["rollout"]["gates"])


def test_the_hooks_are_wait_options():
    _, commands = build_parser("wait")
    parser, _ = commands["wait"]
    args = parser.parse_args(["--on-fail", "page-me", "--on-pause", "ping", "--on-done", "ok"])
    assert (args.on_fail, args.on_pause, args.on_done) == ("page-me", "ping", "ok")
