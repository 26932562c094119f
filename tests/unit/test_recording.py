"""Record a session, replay it: the replayed session sees and judges what the recorded one did."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from backends.base import Capability
from backends.clock import VirtualClock
from backends.errors import Unreachable, Unsupported
from backends.model import Expectation, MetricQuery, QueryContext
from backends.replay.adapter import Replay
from backends.replay.format import BadRecording, read_lines
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.recordings import Distant
from tui.config.errors import ConfigError
from tui.config.load import demo_config
from tui.session.demo import SEED, START, demo_wiring
from tui.session.live import Session
from tui.session.recording import Recorder, scrubbed
from tui.session.replaying import Player, replay_config

MINUTES = 12


def state(session: Session) -> dict[str, object]:
    """Everything the watch screen draws from."""
    judgement = session.judgement
    return {
        "rollout": session.rollout,
        "points": {
            (name, role): w.window(role).points
            for name, w in session.windows.items()
            for role in w.roles
        },
        "gates": judgement.gates if judgement else None,
        "verdict": (judgement.status, judgement.explanation) if judgement else None,
        "events": list(session.events),
        "links": dict(session.links),
        "steps": list(session.step_changes),
    }


async def record(
    path: Path,
    scenario: str,
    *,
    promote_at: int | None = None,
    latency: float = 0.0,
    offset: float = 0.0,
) -> list[dict]:
    """The demo's session, recorded for MINUTES; its state after each minute (plus `offset`)."""
    clock = VirtualClock(START)
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor="tester"))
    recorder = Recorder(path, clock)
    wiring = demo_wiring(sim)
    if latency:
        wiring = replace(wiring, metrics=Distant(sim, latency))
    wired = recorder.wrap(wiring)
    recorder.start(wired.config, sim.primary_id)
    session = wired.session(sim.primary_id)
    recorder.follow(session)
    task = asyncio.create_task(session.run())
    await clock.advance(0)
    await clock.advance(offset)
    states = []
    for minute in range(MINUTES):
        for _ in range(6):
            await clock.advance(10)
        if minute == promote_at:
            confirmation = session.confirmation(Capability.PROMOTE)
            await session.execute(confirmation.with_typed(session.rollout_service, "hotfix"))
        states.append(state(session))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    recorder.close()
    return states


@pytest.mark.parametrize(
    "scenario", ["healthy", "latency-regression", "error-spike", "noisy", "slow-burn"]
)
async def test_a_replayed_session_sees_and_judges_what_the_recorded_one_did(tmp_path, scenario):
    path = tmp_path / "run.jsonl"
    recorded = await record(path, scenario)
    player = Player(path)
    player.play()
    replayed = []
    for _ in range(MINUTES):
        await player.advance(60)
        replayed.append(state(player.session))
    await player.stop()
    for minute, (live, again) in enumerate(zip(recorded, replayed, strict=True)):
        assert again == live, f"minute {minute + 1} differs"


async def test_answers_that_came_a_moment_after_the_round_replay_in_that_round(tmp_path):
    """A store answers a few hundred milliseconds after it is asked; the replay asks exactly on
    the recording's clock and must still see each answer in the round it belonged to.
    Compared between rounds, when both have their answers."""
    path = tmp_path / "run.jsonl"
    recorded = await record(path, "healthy", latency=0.3, offset=5)
    player = Player(path)
    player.play()
    await player.advance(5)
    replayed = []
    for _ in range(MINUTES):
        await player.advance(60)
        replayed.append(state(player.session))
    await player.stop()
    assert recorded[0]["points"] and any(recorded[0]["points"].values())
    for minute, (live, again) in enumerate(zip(recorded, replayed, strict=True)):
        assert again["points"] == live["points"], f"minute {minute + 1} differs"
        assert again["verdict"] == live["verdict"], f"minute {minute + 1} differs"


async def test_actions_and_overrides_are_recorded(tmp_path):
    path = tmp_path / "run.jsonl"
    await record(path, "latency-regression", promote_at=3)
    kinds = [json.loads(line)["kind"] for line in path.read_text().splitlines()]
    assert kinds[0] == "recording"
    assert {"rollout", "metrics", "gates", "event", "action"} <= set(kinds)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    [action] = [line for line in lines if line["kind"] == "action"]
    assert action["action"] == "promote" and action["outcome"] == "done"
    assert action["expect"]["step"] == 1
    messages = [line["event"]["message"] for line in lines if line["kind"] == "event"]
    assert any(m.startswith("override: promoted over") for m in messages)


async def test_a_recording_holds_no_credential(tmp_path):
    path = tmp_path / "run.jsonl"
    clock = VirtualClock(START)
    recorder = Recorder(path, clock)
    error = Unreachable("GET https://alice:s3cret@deploy.example/api failed")
    recorder.failure("deploy", error, rollout="shop/api")
    recorder.close()
    text = path.read_text()
    assert "s3cret" not in text and "alice" not in text
    assert scrubbed("see http://u:p@h/x and https://h/y") == "see http://h/x and https://h/y"


async def test_a_replay_does_nothing_and_fails_where_the_store_failed(tmp_path):
    path = tmp_path / "run.jsonl"
    await record(path, "healthy")
    clock = VirtualClock(START)
    replay = Replay(path, clock)
    rollout = await replay.get_rollout("shop/checkout-api")
    assert replay.capabilities == frozenset()
    with pytest.raises(Unsupported):
        await replay.promote(rollout.id, expect=Expectation.of(rollout))
    recorder = Recorder(tmp_path / "down.jsonl", clock)
    recorder.start(demo_config(), rollout.id)
    recorder.failure(
        "metrics", Unreachable("store down"), service="api", namespace="shop", metric="errors"
    )
    recorder.close()
    down = Replay(tmp_path / "down.jsonl", clock)
    query = MetricQuery(
        name="errors", template="x", context=QueryContext(service="api", namespace="shop")
    )
    with pytest.raises(Unreachable, match="store down"):
        await down.query_range(query, START, START, timedelta(seconds=10))


def test_not_a_recording_is_one_clear_error(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"kind": "rollout", "t": 1}\n')
    with pytest.raises(BadRecording, match=r"x.jsonl:1: "):
        read_lines(path)
    path.write_text("")
    with pytest.raises(ConfigError, match="not a rollwatch recording"):
        replay_config(path)
