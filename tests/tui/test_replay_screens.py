"""A recording of each demo scenario replays to the same screens the live session drew."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backends.clock import VirtualClock
from backends.simulator.adapter import Simulator, SimulatorOptions
from tests.helpers.recordings import record_short
from tui.app import RollwatchApp, replay_app
from tui.screens.replay import TICK
from tui.session.demo import SEED, START, demo_wiring
from tui.session.recording import Recorder
from tui.session.replaying import Player
from tui.virtual_app import settle

SCENARIOS = ["healthy", "latency-regression", "error-spike", "noisy", "slow-burn"]
MOMENTS = (0, 20, 60, 120)
"""Seconds of virtual time between the screens compared."""


def text_of(svg: str) -> str:
    """The SVG without the ids Rich derives from the moment it was made."""
    return re.sub(r"terminal-\d+", "terminal", svg)


async def screens(app: RollwatchApp, clock: VirtualClock, size: tuple[int, int]) -> list[str]:
    shots = []
    async with app.run_test(size=size) as pilot:
        for seconds in MOMENTS:
            await settle(pilot, clock, seconds)
            shots.append(text_of(app.export_screenshot()))
    return shots


def live_app(clock: VirtualClock, scenario: str, path: Path) -> RollwatchApp:
    sim = Simulator(clock, SimulatorOptions(scenario=scenario, seed=SEED, actor="tester"))
    recorder = Recorder(path, clock)
    wired = recorder.wrap(demo_wiring(sim))
    recorder.start(wired.config, sim.primary_id)
    session = wired.session(sim.primary_id, read_only=True)
    recorder.follow(session)
    return RollwatchApp(session)


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_a_recording_replays_to_the_same_screens(tmp_path, scenario, size):
    path = tmp_path / f"{scenario}.jsonl"
    clock = VirtualClock(START)
    recorded = await screens(live_app(clock, scenario, path), clock, size)
    assert len(set(recorded)) == len(MOMENTS), "each moment shows something new"
    player = Player(path)
    replayed = await screens(RollwatchApp(player.session), player.clock, size)
    for moment, (live, again) in enumerate(zip(recorded, replayed, strict=True)):
        assert again == live, f"{scenario} at {sum(MOMENTS[: moment + 1])}s differs"


async def test_a_recording_quit_before_its_second_round_shows_its_first_answers(tmp_path):
    """`demo --record` quit after a few seconds: the replay is over a moment after it starts,
    and its screen must show the graphs the recorded one got, not empty ones."""
    path = tmp_path / "short.jsonl"
    clock = VirtualClock(START)
    sim = Simulator(clock, SimulatorOptions(scenario="healthy", seed=SEED, actor="tester"))
    await record_short(path, sim, clock, seconds=3)
    player = Player(path)
    app = replay_app(player, speed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        # The replay plays on the screen's own timer, as it does for a person.
        for _ in range(50):
            if player.position >= player.length:
                break
            await pilot.pause(TICK / 10)
        await pilot.pause()
        windows = player.session.windows.values()
        assert all(w.window(role).points for w in windows for role in w.roles), {
            w.spec.name: [len(w.window(role).points) for role in w.roles] for w in windows
        }
