"""SVG snapshots of the overview and of a replay at pinned sizes, under the virtual clock.

Update them with `pytest tests/tui/test_overview_snapshots.py --snapshot-update` after a
deliberate change, and look at the report before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from backends.clock import VirtualClock
from tests.tui.test_replay_screens import live_app, screens
from tui.app import replay_app
from tui.session.demo import START
from tui.session.replaying import Player
from tui.virtual_app import overview_demo_app, settle

SIZES = pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])


@SIZES
def test_overview(snap_compare, size: tuple[int, int]):
    """The error spike's rollout judged failing after a visit, the others as the list says."""
    clock = VirtualClock(START)
    app, _ = overview_demo_app(clock, "error-spike")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock)
        await pilot.press("enter")
        await settle(pilot, clock, 20)
        await pilot.press("escape")
        await settle(pilot, clock, 20)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_overview_filtered(snap_compare, size: tuple[int, int]):
    clock = VirtualClock(START)
    app, _ = overview_demo_app(clock)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, clock)
        await pilot.press("slash", *"catalog")
        await settle(pilot, clock)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.fixture
def recording(tmp_path_factory) -> Path:
    """Two minutes of the latency regression, recorded from the live session."""
    import asyncio

    path = tmp_path_factory.mktemp("recording") / "latency-regression.jsonl"
    clock = VirtualClock(START)
    asyncio.run(screens(live_app(clock, "latency-regression", path), clock, (80, 24)))
    return path


@SIZES
def test_replay_paused(snap_compare, recording: Path, size: tuple[int, int]):
    """The replay badge over the footer, paused at a minute and forty seconds."""
    player = Player(recording)
    player.paused = True
    app = replay_app(player, speed=1)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot, player.clock)
        await pilot.press("right_square_bracket")
        await settle(pilot, player.clock)
        await pilot.press("right_square_bracket")
        await settle(pilot, player.clock)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        replaying = [w for w in pilot.app.workers if w.group == "replay"]
        await pilot.app.workers.wait_for_complete(replaying)
        await settle(pilot, player.clock)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
